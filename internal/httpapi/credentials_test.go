package httpapi_test

import (
	"strings"
	"testing"
)

// TestCredentialsNeverLeak: an upstream that echoes the API key it was sent
// (some proxies and self-hosted servers do, in "invalid key sk-…" messages)
// must not get it to the caller or the logs, whichever way its message
// travels: a relayed 4xx, or the "last error" of a 502.
func TestCredentialsNeverLeak(t *testing.T) {
	const key = "sk-upstream-secret" // the harness's env:FAKE_UPSTREAM_API_KEY
	echo := func(status int) fakeFault {
		return fakeFault{Kind: faultStatus, Status: status,
			Body: `{"error": {"message": "request with key ` + key + ` was refused", "type": "invalid_request_error", "code": null}}`}
	}
	cases := []struct {
		name       string
		script     func(h *harness)
		wantStatus int
	}{
		{"relayed 400", func(h *harness) { h.fake.Script("m1", echo(400)) }, 400},
		{"502 after every target failed", func(h *harness) {
			h.fake.Script("m1", echo(500), echo(500), echo(500))
			h.fake.Script("m2", echo(500), echo(500), echo(500))
		}, 502},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, "")
			c.script(h)
			resp, raw := h.post("/v1/chat/completions", chatBody("router/fb", false))
			if resp.StatusCode != c.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.wantStatus, raw)
			}
			if strings.Contains(string(raw), key) {
				t.Errorf("the caller got the upstream key: %s", raw)
			}
			if !strings.Contains(string(raw), "[redacted]") {
				t.Errorf("the upstream's message should still reach the caller, with the key redacted: %s", raw)
			}
			if strings.Contains(h.Logs(), key) {
				t.Errorf("the logs hold the upstream key:\n%s", h.Logs())
			}
		})
	}
}
