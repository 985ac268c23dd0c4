package httpapi_test

import (
	"strings"
	"testing"
)

// modelTargets is n targets serving up/m1.
func modelTargets(n int) string {
	return strings.TrimSuffix(strings.Repeat(`"up/m1",`, n), ",")
}

// inlineCase is one inline router sent in a chat body and what the caller
// gets back.
type inlineCase struct {
	name   string
	router string // the router object; sent as "router", or under "extra" when extra is set
	extra  bool
	status int
	param  string // for 400s: the field named
	msg    string // for 400s: part of the message
}

func runInlineCases(t *testing.T, h *harness, tests []inlineCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(h.fake.Requests())
			body := `{"model":"x","messages":[{"role":"user","content":"hi"}],"router":` + tt.router + `}`
			if tt.extra {
				body = `{"model":"x","messages":[{"role":"user","content":"hi"}],"extra":{"router":` + tt.router + `}}`
			}
			resp, raw := h.post("/v1/chat/completions", body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, tt.status, raw)
			}
			if tt.status == 200 {
				return
			}
			e := decodeError(t, raw).Error
			if e.Type != "invalid_request_error" || e.Code != "invalid_router" || e.Param == nil || *e.Param != tt.param ||
				!strings.Contains(e.Message, tt.msg) {
				param := "<null>"
				if e.Param != nil {
					param = *e.Param
				}
				t.Errorf("error type %q code %q param %q message %q; want param %q and a message with %q", e.Type, e.Code, param, e.Message, tt.param, tt.msg)
			}
			if len(h.fake.Requests()) != before {
				t.Error("a refused inline router reached the upstream")
			}
		})
	}
}

// TestInlineRouterLimits: an inline router may have 64 targets (nested
// routers' included) and 32 KiB of JSON, and its max_attempts,
// retry.max_retries and timeout at most 10, 10 and 300s; over any of
// them the request is refused with 400 naming the field, before anything
// is compiled or sent upstream.
func TestInlineRouterLimits(t *testing.T) {
	h := newHarness(t, "")
	padded := func(n int) string { // a valid router of n bytes and more
		return `{"strategy":"fallback","targets":["up/m1"],"on_status":{"408":"next"}` + strings.Repeat(" ", n) + `}`
	}
	runInlineCases(t, h, []inlineCase{
		{name: "64 targets", router: `{"strategy":"fallback","targets":[` + modelTargets(64) + `]}`, status: 200},
		{name: "65 targets", router: `{"strategy":"fallback","targets":[` + modelTargets(65) + `]}`,
			status: 400, param: "router.targets", msg: "has 65 targets (nested routers' included); an inline router may have at most 64"},
		{name: "65 targets under extra", extra: true, router: `{"type":"fallback","targets":[` + modelTargets(65) + `]}`,
			status: 400, param: "router.targets", msg: "at most 64"},
		{name: "65 targets with a nested router", router: `{"strategy":"fallback","targets":[` + modelTargets(32) +
			`,{"strategy":"round_robin","targets":[` + modelTargets(32) + `]}]}`,
			status: 400, param: "router.targets", msg: "has 65 targets"},
		{name: "a million targets", router: `{"strategy":"fallback","targets":[` + modelTargets(1000000) + `]}`,
			status: 400, param: "router", msg: "is 8000035 bytes; an inline router may be at most 32768"},
		{name: "32 KiB", router: padded(32<<10 - 100), status: 200},
		{name: "over 32 KiB", router: padded(32 << 10),
			status: 400, param: "router", msg: "an inline router may be at most 32768 (server.inline.max_bytes)"},
		{name: "max_attempts 50", router: `{"strategy":"fallback","targets":["up/m1"],"max_attempts":50}`,
			status: 400, param: "router.max_attempts", msg: "router.max_attempts: is 50; an inline router may make at most 10 attempts"},
		{name: "retry.max_retries 50", router: `{"strategy":"fallback","targets":["up/m1"],"retry":{"max_retries":50}}`,
			status: 400, param: "router.retry.max_retries", msg: "router.retry.max_retries:"},
		{name: "timeout 1h", router: `{"strategy":"fallback","targets":["up/m1"],"timeout":"1h"}`,
			status: 400, param: "router.timeout", msg: "router.timeout: is 1h0m0s; an inline router's timeout may be at most 5m0s"},
		{name: "at the maxima", router: `{"strategy":"fallback","targets":["up/m1"],"max_attempts":10,"retry":{"max_retries":10},"timeout":"300s"}`, status: 200},
	})
}

// TestInlineRouterServerLimits: server.inline lowers the limits, and the
// policy an inline router leaves to defaults is capped by its maxima too:
// with max_attempts 2 a fallback over three failing targets makes two
// attempts.
func TestInlineRouterServerLimits(t *testing.T) {
	h := newHarness(t, `
server:
  inline: {max_targets: 3, max_bytes: 400, max_attempts: 2, max_retries: 1, max_timeout: 10s}
`)
	runInlineCases(t, h, []inlineCase{
		{name: "3 targets", router: `{"strategy":"fallback","targets":[` + modelTargets(3) + `]}`, status: 200},
		{name: "4 targets", router: `{"strategy":"fallback","targets":[` + modelTargets(4) + `]}`,
			status: 400, param: "router.targets", msg: "at most 3 (server.inline.max_targets)"},
		{name: "over 400 bytes", router: `{"strategy":"fallback","targets":["up/m1"]` + strings.Repeat(" ", 400) + `}`,
			status: 400, param: "router", msg: "at most 400 (server.inline.max_bytes)"},
		{name: "max_attempts 3", router: `{"strategy":"fallback","targets":["up/m1"],"max_attempts":3}`,
			status: 400, param: "router.max_attempts", msg: "at most 2 attempts (server.inline.max_attempts)"},
		{name: "retry.max_retries 2", router: `{"strategy":"fallback","targets":["up/m1"],"retry":{"max_retries":2}}`,
			status: 400, param: "router.retry.max_retries", msg: "at most 1 times (server.inline.max_retries)"},
		{name: "timeout 11s", router: `{"strategy":"fallback","targets":["up/m1"],"timeout":"11s"}`,
			status: 400, param: "router.timeout", msg: "at most 10s (server.inline.max_timeout)"},
		{name: "within", router: `{"strategy":"fallback","targets":["up/m1"],"max_attempts":2,"retry":{"max_retries":1},"timeout":"10s"}`, status: 200},
	})

	t.Run("default max_attempts capped", func(t *testing.T) {
		for _, m := range []string{"m1", "m2", "m3"} {
			h.fake.Script(m, openaiStatus(500))
		}
		body := `{"model":"x","messages":[{"role":"user","content":"hi"}],"router":{"strategy":"fallback","targets":["up/m1","up/m2","up/m3"]}}`
		resp, raw := h.post("/v1/chat/completions", body)
		if resp.StatusCode != 502 {
			t.Fatalf("status %d, want 502: %s", resp.StatusCode, raw)
		}
		if got := resp.Header.Get("x-switchyard-attempts"); got != "2" {
			t.Errorf("x-switchyard-attempts %q, want 2 (server.inline.max_attempts)", got)
		}
		if n := h.fake.Hits("m3"); n != 0 {
			t.Errorf("m3 called %d times after the attempts ran out", n)
		}
	})
}

// TestInlineRouterDefaultRetriesCapped: with server.inline.max_retries 1,
// an inline router that leaves retries to the default (2) retries a
// rate-limited target once, then the next target serves.
func TestInlineRouterDefaultRetriesCapped(t *testing.T) {
	h := newHarness(t, "\nserver: {inline: {max_retries: 1}}\n")
	sleeps := len(h.Sleeps())
	h.fake.Script("m1", openaiStatus(429), openaiStatus(429), openaiStatus(429))
	hits := h.fake.Hits("m1")
	body := `{"model":"x","messages":[{"role":"user","content":"hi"}],"router":{"strategy":"fallback","targets":["up/m1","up/m2"]}}`
	resp, raw := h.post("/v1/chat/completions", body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	if got := resp.Header.Get("x-switchyard-target"); got != "up/m2" {
		t.Errorf("served by %q, want up/m2 after one retry of up/m1", got)
	}
	if n := h.fake.Hits("m1") - hits; n != 2 {
		t.Errorf("up/m1 called %d times, want 2 (one retry)", n)
	}
	if n := len(h.Sleeps()) - sleeps; n != 1 {
		t.Errorf("%d backoff sleeps, want 1", n)
	}
}
