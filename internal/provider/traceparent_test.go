package provider

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/trace"
)

// TestUpstreamCallsCarryTheAttemptsTraceContext: the client adds the
// trace headers the attempt's context injects, on a copy: the caller's
// request is left as it was (a retry re-sends it).
func TestUpstreamCallsCarryTheAttemptsTraceContext(t *testing.T) {
	got := make(chan string, 2)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("traceparent")
	}))
	defer up.Close()
	client := NewHTTPClient(TransportOptions{})
	const tp = "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01"
	traced := trace.WithInjector(context.Background(), func(h http.Header) { h.Set("traceparent", tp) })
	for _, c := range []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"traced", traced, tp},
		{"untraced", context.Background(), ""},
	} {
		req, _ := http.NewRequestWithContext(c.ctx, http.MethodPost, up.URL, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if h := <-got; h != c.want {
			t.Errorf("%s: upstream got traceparent %q, want %q", c.name, h, c.want)
		}
		if req.Header.Get("traceparent") != "" {
			t.Errorf("%s: the caller's request was changed", c.name)
		}
	}
}
