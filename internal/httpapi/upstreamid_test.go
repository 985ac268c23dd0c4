package httpapi_test

import (
	"encoding/json"
	"testing"
)

// TestUpstreamRequestIDs: the provider's request id (what its support desk
// asks for) reaches the caller as x-upstream-request-id on every outcome:
// a plain answer, a stream (set with the headers at commit), an answer
// after a fallback (the serving upstream's), and an error (the last
// upstream's, with every attempt's in the body). The fake names its ids
// req_fake_<model>_<hit>.
func TestUpstreamRequestIDs(t *testing.T) {
	cases := []struct {
		name        string
		stream      bool
		script      func(h *harness)
		wantStatus  int
		wantHeader  string
		wantInError []string // attempts' upstream_request_id, in order
	}{
		{"answer", false, func(*harness) {}, 200, "req_fake_m1_1", nil},
		{"stream", true, func(*harness) {}, 200, "req_fake_m1_1", nil},
		{"fallback", false, func(h *harness) { h.fake.Script("m1", openaiStatus(500)) }, 200, "req_fake_m2_1", nil},
		{"relayed 400", false, func(h *harness) { h.fake.Script("m1", openaiStatus(400)) }, 400, "req_fake_m1_1",
			[]string{"req_fake_m1_1"}},
		{"502", false, func(h *harness) {
			h.fake.Script("m1", openaiStatus(500))
			h.fake.Script("m2", openaiStatus(503))
		}, 502, "req_fake_m2_1", []string{"req_fake_m1_1", "req_fake_m2_1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, "")
			c.script(h)
			resp, raw := h.post("/v1/chat/completions", chatBody("router/fb", c.stream))
			if resp.StatusCode != c.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.wantStatus, raw)
			}
			if got := resp.Header.Get("x-upstream-request-id"); got != c.wantHeader {
				t.Errorf("x-upstream-request-id = %q, want %q", got, c.wantHeader)
			}
			if c.wantInError == nil {
				return
			}
			var body struct {
				Error struct {
					Attempts []struct {
						UpstreamRequestID string `json:"upstream_request_id"`
					} `json:"attempts"`
				} `json:"error"`
			}
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range body.Error.Attempts {
				got = append(got, a.UpstreamRequestID)
			}
			if len(got) != len(c.wantInError) {
				t.Fatalf("attempts' ids %v, want %v", got, c.wantInError)
			}
			for i := range got {
				if got[i] != c.wantInError[i] {
					t.Errorf("attempts' ids %v, want %v", got, c.wantInError)
				}
			}
		})
	}
}
