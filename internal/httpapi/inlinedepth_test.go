package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
)

// nestedInline is an inline router `levels` deep: each level is a fallback
// router whose only target is the next level, the innermost serving up/m1.
// vLLora's spelling (type) is used from the second level on, as callers
// may mix them.
func nestedInline(levels int) string {
	r := `{"model":"up/m1"}`
	for i := levels; i > 0; i-- {
		key := "type"
		if i == 1 {
			key = "strategy"
		}
		r = fmt.Sprintf(`{%q:"fallback","targets":[%s]}`, key, r)
	}
	return r
}

// TestInlineRouterDepthLimit: routers nest at most 8 levels
// (config.MaxRouterDepth, routing.MaxDepth). A request's inline router
// deeper than that is refused when the request arrives — 400
// invalid_router, nothing sent upstream — on chat and explain alike; 8
// levels are served. A named router under inline levels counts its own
// levels too.
func TestInlineRouterDepthLimit(t *testing.T) {
	h := newHarness(t, "")
	tests := []struct {
		name       string
		router     string
		wantStatus int
	}{
		{"8 inline levels are served", nestedInline(8), 200},
		{"9 inline levels are refused", nestedInline(9), 400},
		{"20 inline levels are refused", nestedInline(20), 400},
		// nested (2 levels: nested -> fb) under 6 inline levels is 8.
		{"inline levels plus a named router, at the limit", strings.Replace(nestedInline(6), `{"model":"up/m1"}`, `{"router":"nested"}`, 1), 200},
		{"inline levels plus a named router, past the limit", strings.Replace(nestedInline(7), `{"model":"up/m1"}`, `{"router":"nested"}`, 1), 400},
	}
	for _, path := range []string{"/v1/chat/completions", "/v1/routing/explain"} {
		for _, tt := range tests {
			t.Run(path+"/"+tt.name, func(t *testing.T) {
				before := len(h.fake.Requests())
				body := `{"model":"x","messages":[{"role":"user","content":"hi"}],"router":` + tt.router + `}`
				resp, raw := h.post(path, body)
				if resp.StatusCode != tt.wantStatus {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, raw)
				}
				if tt.wantStatus == 200 {
					return
				}
				e := decodeError(t, raw)
				if e.Error.Code != "invalid_router" || e.Error.Type != "invalid_request_error" ||
					!strings.Contains(e.Error.Message, "deeper than 8") {
					t.Errorf("error %+v", e.Error)
				}
				if len(h.fake.Requests()) != before {
					t.Error("a refused inline router reached the upstream")
				}
			})
		}
	}
}
