package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"strings"

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

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return r.Header.Get("x-api-key")
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
