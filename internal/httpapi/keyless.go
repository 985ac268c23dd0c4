package httpapi

import (
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/lambdaapi"
)

// keylessCheck guards a gateway with no keys configured (DESIGN §9). Such a
// gateway serves loopback callers as admins, judged by the TCP peer; but a
// web page the developer has open is a loopback caller too. Through DNS
// rebinding (its own name resolving to 127.0.0.1) it could read answers,
// and with a form or a text/plain POST it could send requests without a
// CORS preflight. So:
//   - Host must name loopback: a rebound page's requests carry its own name;
//   - an Origin, when sent, must be a loopback origin;
//   - a POST must be application/json, which no page can send cross-origin
//     without a preflight this gateway never grants.
//
// Under Lambda nothing is loopback (API Gateway's sourceIp is whatever a
// test event or a direct invoke says), so a keyless config serves nothing
// but /healthz there.
func keylessCheck(r *http.Request) *engine.Error {
	if _, ok := lambdaapi.RequestContext(r.Context()); ok {
		return errf(http.StatusUnauthorized, engine.TypeAuth, "keys_required",
			"this gateway runs on AWS Lambda with no keys configured, so it serves only /healthz: "+
				"add keys (and admin_keys) to its config and push it (docs/deploy.md)")
	}
	if !loopbackHost(r.Host) {
		return errf(http.StatusForbidden, engine.TypePermission, "host_not_allowed",
			"this gateway has no keys configured and answers only requests addressed to localhost, 127.0.0.1 or [::1]")
	}
	if origin := r.Header.Get("Origin"); origin != "" && !loopbackOrigin(origin) {
		return errf(http.StatusForbidden, engine.TypePermission, "origin_not_allowed",
			"this gateway has no keys configured and refuses requests from web pages not served from loopback")
	}
	if r.Method == http.MethodPost {
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			return errf(http.StatusUnsupportedMediaType, engine.TypeInvalidRequest, "unsupported_media_type",
				"send the body as Content-Type: application/json")
		}
	}
	return nil
}

// loopbackHost reports whether a Host header (any port) names this
// machine: localhost or a loopback address. A name other than localhost
// could resolve anywhere, which is what DNS rebinding relies on.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	} else {
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loopbackOrigin reports whether an Origin header is an http(s) origin on
// a loopback host. "null" (sandboxed frames, file: pages) is not.
func loopbackOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false
	}
	return loopbackHost(u.Host)
}
