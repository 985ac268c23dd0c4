package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/httpapi"
)

// TestPlatformBodyLimit: Options.MaxBody (Lambda's invoke payload) lowers
// server.max_body_bytes, never raises it, and the 413 names the limit that
// applied, so a caller knows what size will pass.
func TestPlatformBodyLimit(t *testing.T) {
	body := func(n int) string {
		pre := `{"model":"router/fb","messages":[{"role":"user","content":"`
		post := `"}]}`
		return pre + strings.Repeat("x", n-len(pre)-len(post)) + post
	}
	tests := []struct {
		name       string
		config     string
		maxBody    int64
		size       int
		wantStatus int
		wantLimit  string
	}{
		{"platform limit below the default", "", 3000, 3001, 413, "3000 bytes"},
		{"at the platform limit", "", 3000, 3000, 200, ""},
		{"config lower than the platform", "server: {max_body_bytes: 2048}\n", 3000, 2500, 413, "2048 bytes"},
		{"no platform limit", "", 0, 20000, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.config)
			srv := httpapi.New(h.src, httpapi.Options{Store: h.store, MaxBody: tt.maxBody})
			req := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(body(tt.size)))
			req.Header.Set("Content-Type", "application/json")
			// The harness config has no keys: a loopback caller, as the local server serves.
			req.Host, req.RemoteAddr = "127.0.0.1:8080", "127.0.0.1:50000"
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantStatus == 413 {
				e := decodeError(t, rec.Body.Bytes())
				if e.Error.Code != "request_too_large" || !strings.Contains(e.Error.Message, tt.wantLimit) {
					t.Errorf("error %+v, want request_too_large naming %q", e.Error, tt.wantLimit)
				}
			}
		})
	}
}
