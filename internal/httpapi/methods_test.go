package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/httpapi"
)

// TestWrongMethodIs405: a known endpoint called with a method it does not
// serve answers 405 with an Allow header and the error envelope, not 404
// (the URL is right, the verb is wrong) — before authentication, as the
// answer does not depend on who asks.
func TestWrongMethodIs405(t *testing.T) {
	h := newHarness(t, "keys:\n  - {name: app, sha256: \""+sha("sk-app")+"\"}\n")
	const get, post, admin = "GET, HEAD", "POST", "GET, HEAD, PUT, DELETE"
	tests := []struct {
		path      string
		allow     string
		wrong     []string
		rightCode int // status for the right method without a key
	}{
		{"/healthz", get, []string{"POST", "PUT", "DELETE", "PATCH"}, 200},
		{"/v1/chat/completions", post, []string{"GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"}, 401},
		{"/chat/completions", post, []string{"GET", "PUT"}, 401},
		{"/v1/models", get, []string{"POST", "PUT", "DELETE"}, 401},
		{"/v1/routing/explain", post, []string{"GET", "PUT", "DELETE"}, 401},
		{"/v1/metrics", get, []string{"POST", "DELETE"}, 401},
		{"/v1/admin/routers/fb", admin, []string{"POST", "PATCH"}, 401},
		{"/v1/admin/routers", get, []string{"POST", "PUT", "DELETE"}, 401},
	}
	do := func(method, path string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, h.srv.URL+path, strings.NewReader(`{}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	for _, tt := range tests {
		for _, m := range tt.wrong {
			t.Run(m+" "+tt.path, func(t *testing.T) {
				resp, body := do(m, tt.path)
				if resp.StatusCode != http.StatusMethodNotAllowed {
					t.Fatalf("status %d, want 405: %s", resp.StatusCode, body)
				}
				if got := resp.Header.Get("Allow"); got != tt.allow {
					t.Errorf("Allow %q, want %q", got, tt.allow)
				}
				if m == http.MethodHead {
					return // no body
				}
				e := decodeError(t, body)
				if e.Error.Code != "method_not_allowed" || e.Error.Type != "invalid_request_error" ||
					!strings.Contains(e.Error.Message, m) || !strings.Contains(e.Error.Message, tt.allow) {
					t.Errorf("error %+v", e.Error)
				}
			})
		}
		// The right method still reaches the handler (here refused for
		// want of a key, which a 405 route must not pre-empt).
		right, _, _ := strings.Cut(tt.allow, ",")
		t.Run(right+" "+tt.path, func(t *testing.T) {
			if resp, body := do(right, tt.path); resp.StatusCode != tt.rightCode {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, tt.rightCode, body)
			}
		})
	}
	// Unknown paths stay 404.
	for _, p := range []string{"/v1/completions", "/v1/chat/completions/x", "/v1/admin/routers/fb/x"} {
		if resp, body := do("GET", p); resp.StatusCode != 404 || decodeError(t, body).Error.Code != "unknown_endpoint" {
			t.Errorf("GET %s: %d %s", p, resp.StatusCode, body)
		}
	}
}

// TestHeadIsServedAsGet: the Allow header promises HEAD wherever GET is
// served, so HEAD must work there, including on the admin API, whose
// handler switches on the method.
func TestHeadIsServedAsGet(t *testing.T) {
	h := newHarness(t, "")
	admin := httpapi.New(h.src, httpapi.Options{Logger: slog.New(slog.DiscardHandler), Admin: stubAdmin{}, Store: h.store})
	for _, p := range []string{"/healthz", "/v1/models", "/v1/metrics", "/v1/admin/routers", "/v1/admin/routers/fb"} {
		req := httptest.NewRequest(http.MethodHead, "http://localhost:8080"+p, nil)
		req.RemoteAddr = "127.0.0.1:1234"
		rec := httptest.NewRecorder()
		admin.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Errorf("HEAD %s: %d %s", p, rec.Code, rec.Body)
		}
	}
}
