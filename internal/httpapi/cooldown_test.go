package httpapi_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCredentialFailureCoolsDownAtOnce: one 401 or 403 from a provider
// means our credential is bad (DESIGN §5), so that target is put in
// cooldown at once — shared through the store — and the next request does
// not try it. A single 5xx does not: cooldown waits for the failure
// threshold (3 by default), which the control case proves.
func TestCredentialFailureCoolsDownAtOnce(t *testing.T) {
	tests := []struct {
		status      int
		wantCooling bool
	}{
		{401, true},
		{403, true},
		{500, false},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			h := newHarness(t, "")
			h.fake.Script("m1", openaiStatus(tt.status))
			resp, body := h.post("/v1/chat/completions", chatBody("router/fb", false))
			if resp.StatusCode != 200 || resp.Header.Get("x-switchyard-target") != "up/m2" {
				t.Fatalf("first request: %d target %q: %s", resp.StatusCode, resp.Header.Get("x-switchyard-target"), body)
			}

			cds, err := h.store.Cooldowns(context.Background(), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if _, cooling := cds["up/m1"]; cooling != tt.wantCooling {
				t.Errorf("up/m1 in the store's cooldowns = %v, want %v (%v)", cooling, tt.wantCooling, cds)
			}
			_, plan := h.post("/v1/routing/explain", chatBody("router/fb", false))
			if got := strings.Contains(string(plan), `"cooling_down": true`); got != tt.wantCooling {
				t.Errorf("explain shows a cooldown = %v, want %v: %s", got, tt.wantCooling, plan)
			}

			resp, body = h.post("/v1/chat/completions", chatBody("router/fb", false))
			if resp.StatusCode != 200 {
				t.Fatalf("second request: %d %s", resp.StatusCode, body)
			}
			wantTarget, wantHits1 := "up/m1", 2
			if tt.wantCooling {
				wantTarget, wantHits1 = "up/m2", 1
			}
			if got := resp.Header.Get("x-switchyard-target"); got != wantTarget {
				t.Errorf("second request served by %q, want %q", got, wantTarget)
			}
			if got := resp.Header.Get("x-switchyard-attempts"); got != "1" {
				t.Errorf("second request made %s attempts, want 1", got)
			}
			if got := h.fake.Hits("m1"); got != wantHits1 {
				t.Errorf("m1 hits %d, want %d", got, wantHits1)
			}
		})
	}
}
