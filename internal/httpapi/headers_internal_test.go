package httpapi

import (
	"net/http"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/engine"
)

// TestRoutingHeadersAllocateOnce: the routing headers of an answer cost
// one allocation (the array their values share), not one or two per
// header: keys in canonical form go into the map as they are. A key
// written in lower case through Header.Set would be canonicalised into a
// new string on every request.
func TestRoutingHeadersAllocateOnce(t *testing.T) {
	res := &engine.Result{Router: "r", Target: "openai/gpt-4o-mini", Arm: "b", Reroute: "budget",
		TraceID: "1-6b16e275-9b4d8b29e56bb11199f9a127", UpstreamRequestID: "req_123"}
	attempts := make([]engine.Attempt, 2)
	h := make(http.Header, 16) // room for every key: the map itself does not grow
	setRoutingHeaders(h, res, attempts)
	if n := testing.AllocsPerRun(100, func() { setRoutingHeaders(h, res, attempts) }); n > 1 {
		t.Errorf("setRoutingHeaders allocated %.0f times, want 1", n)
	}
	want := map[string]string{"x-switchyard-router": "r", "x-switchyard-target": "openai/gpt-4o-mini",
		"x-switchyard-attempts": "2", "x-switchyard-fallback": "false", "x-switchyard-arm": "b",
		"x-switchyard-reroute": "budget", "x-switchyard-trace-id": res.TraceID, "x-upstream-request-id": "req_123"}
	for k, v := range want {
		if got := h.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if len(h) != len(want) {
		t.Errorf("%d headers, want %d: %v", len(h), len(want), h)
	}
}
