package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
)

// identity is who is calling.
type identity struct {
	key   *config.Key // nil when auth is off
	admin bool
}

// authenticate matches the bearer token's sha256 against keys and
// admin_keys. With no keys configured, only loopback callers are served.
func authenticate(r *http.Request, cfg *config.Config, remoteLoopback bool) (identity, *engine.Error) {
	if len(cfg.Keys) == 0 && len(cfg.AdminKeys) == 0 {
		if remoteLoopback {
			return identity{admin: true}, nil
		}
		return identity{}, errf(http.StatusUnauthorized, engine.TypeAuth, "invalid_api_key",
			"this gateway has no keys configured and serves loopback callers only")
	}
	token := bearer(r)
	if token == "" {
		return identity{}, errf(http.StatusUnauthorized, engine.TypeAuth, "missing_api_key",
			"missing API key: send Authorization: Bearer <key>")
	}
	sum := sha256.Sum256([]byte(token))
	hexSum := hex.EncodeToString(sum[:])
	for i := range cfg.AdminKeys {
		if subtle.ConstantTimeCompare([]byte(strings.ToLower(cfg.AdminKeys[i].SHA256)), []byte(hexSum)) == 1 {
			return identity{admin: true}, nil
		}
	}
	for i := range cfg.Keys {
		if subtle.ConstantTimeCompare([]byte(strings.ToLower(cfg.Keys[i].SHA256)), []byte(hexSum)) == 1 {
			return identity{key: &cfg.Keys[i]}, nil
		}
	}
	return identity{}, errf(http.StatusUnauthorized, engine.TypeAuth, "invalid_api_key", "invalid API key")
}

// usable refuses a key that is disabled or past its expires_at (DESIGN
// §9): 401, as for a key that does not exist, but saying why, so its
// owner knows to ask for a new one rather than check the token.
func usable(k *config.Key, now time.Time) *engine.Error {
	if k == nil {
		return nil
	}
	if k.Disabled {
		return errf(http.StatusUnauthorized, engine.TypeAuth, "key_disabled", "this API key is disabled")
	}
	if at, ok := k.Expiry(); ok && !now.Before(at) {
		return errf(http.StatusUnauthorized, engine.TypeAuth, "key_expired", "this API key expired at "+at.UTC().Format(time.RFC3339))
	}
	return nil
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return r.Header.Get("X-Api-Key")
}

// isLoopback reports whether the request came from this machine.
func isLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
