package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// TestErrorPolicy drives each upstream fault of DESIGN §5 through the
// fallback router fb (up/m1 then up/m2) and checks what the caller gets,
// how often each target was hit, and the routing headers.
func TestErrorPolicy(t *testing.T) {
	status := func(code int, headers ...string) openaifake.Fault {
		f := openaifake.Fault{Kind: openaifake.Status, Status: code, Headers: map[string]string{}}
		for i := 0; i+1 < len(headers); i += 2 {
			f.Headers[headers[i]] = headers[i+1]
		}
		return f
	}
	rate := status(429)
	tests := []struct {
		name         string
		m1           []openaifake.Fault
		m2           []openaifake.Fault
		wantStatus   int
		wantHits1    int
		wantHits2    int
		wantAttempts string
		wantFallback string
		wantTarget   string
		wantSleeps   []time.Duration // exact, when jitter is not involved
		wantClasses  []provider.Class
		wantCode     string
	}{
		{name: "ok", wantStatus: 200, wantHits1: 1, wantAttempts: "1", wantFallback: "false", wantTarget: "up/m1"},
		{name: "429 with Retry-After is retried on the same target after that wait",
			m1:         []openaifake.Fault{status(429, "Retry-After", "1")},
			wantStatus: 200, wantHits1: 2, wantAttempts: "2", wantFallback: "false", wantTarget: "up/m1",
			wantSleeps: []time.Duration{time.Second}},
		{name: "429 retry-after-ms is honoured",
			m1:         []openaifake.Fault{status(429, "retry-after-ms", "250")},
			wantStatus: 200, wantHits1: 2, wantAttempts: "2", wantTarget: "up/m1", wantFallback: "false",
			wantSleeps: []time.Duration{250 * time.Millisecond}},
		{name: "429 past max_retries moves to the next target",
			m1:         []openaifake.Fault{rate, rate, rate},
			wantStatus: 200, wantHits1: 3, wantHits2: 1, wantAttempts: "4", wantFallback: "true", wantTarget: "up/m2"},
		{name: "Retry-After beyond max_retry_after moves on without waiting",
			m1:         []openaifake.Fault{status(429, "Retry-After", "60")},
			wantStatus: 200, wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantFallback: "true", wantTarget: "up/m2",
			wantSleeps: []time.Duration{}},
		{name: "500 falls back at once", m1: []openaifake.Fault{status(500)},
			wantStatus: 200, wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantFallback: "true", wantTarget: "up/m2", wantSleeps: []time.Duration{}},
		{name: "503 falls back at once", m1: []openaifake.Fault{status(503)},
			wantStatus: 200, wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantFallback: "true", wantTarget: "up/m2"},
		{name: "529 overloaded falls back", m1: []openaifake.Fault{status(529)},
			wantStatus: 200, wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantFallback: "true", wantTarget: "up/m2"},
		{name: "408 falls back", m1: []openaifake.Fault{status(408)},
			wantStatus: 200, wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantFallback: "true", wantTarget: "up/m2"},
		{name: "400 is the caller's fault: relayed, no retry, no fallback",
			m1:         []openaifake.Fault{{Kind: openaifake.Status, Status: 400, Body: `{"error":{"message":"Invalid value for 'temperature'","type":"invalid_request_error","param":"temperature","code":"invalid_value"}}`}},
			wantStatus: 400, wantHits1: 1, wantHits2: 0, wantAttempts: "1", wantCode: "invalid_value",
			wantClasses: []provider.Class{provider.ClassInvalidRequest}},
		{name: "404 from upstream is relayed",
			m1:         []openaifake.Fault{status(404)},
			wantStatus: 404, wantHits1: 1, wantAttempts: "1"},
		{name: "422 from upstream is relayed",
			m1:         []openaifake.Fault{status(422)},
			wantStatus: 422, wantHits1: 1, wantAttempts: "1"},
		{name: "400 context length exceeded falls back",
			m1:         []openaifake.Fault{{Kind: openaifake.Status, Status: 400, Body: `{"error":{"message":"This model's maximum context length is 8192 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`}},
			wantStatus: 200, wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantFallback: "true", wantTarget: "up/m2"},
		{name: "401 from upstream (our key) falls back",
			m1:         []openaifake.Fault{status(401)},
			wantStatus: 200, wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantFallback: "true", wantTarget: "up/m2",
			wantClasses: []provider.Class{provider.ClassAuth, ""}},
		{name: "403 from upstream falls back",
			m1:         []openaifake.Fault{status(403)},
			wantStatus: 200, wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantFallback: "true", wantTarget: "up/m2"},
		{name: "connection reset falls back",
			m1:         []openaifake.Fault{{Kind: openaifake.Reset}},
			wantStatus: 200, wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantFallback: "true", wantTarget: "up/m2",
			wantClasses: []provider.Class{provider.ClassNetwork, ""}},
		{name: "a hang past the attempt timeout falls back",
			m1:         []openaifake.Fault{{Kind: openaifake.Hang}},
			wantStatus: 200, wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantFallback: "true", wantTarget: "up/m2",
			wantClasses: []provider.Class{provider.ClassTimeout, ""}},
		{name: "malformed JSON falls back",
			m1:         []openaifake.Fault{{Kind: openaifake.Malformed}},
			wantStatus: 200, wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantFallback: "true", wantTarget: "up/m2",
			wantClasses: []provider.Class{provider.ClassBadResponse, ""}},
		{name: "every target failing is 502 with the attempts",
			m1:         []openaifake.Fault{status(503)},
			m2:         []openaifake.Fault{status(500)},
			wantStatus: 502, wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantCode: "all_targets_failed",
			wantClasses: []provider.Class{provider.ClassServer, provider.ClassServer}},
		{name: "every target rate limited is 429",
			m1:         []openaifake.Fault{rate, rate, rate},
			m2:         []openaifake.Fault{rate, rate, rate},
			wantStatus: 429, wantHits1: 3, wantHits2: 3, wantAttempts: "6", wantCode: "rate_limit_exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "")
			h.fake.Script("m1", tt.m1...)
			h.fake.Script("m2", tt.m2...)
			rid := "req-policy-" + strings.NewReplacer(" ", "-", "(", "", ")", "", "'", "", ",", "", ":", "").Replace(tt.name)
			resp, body := h.post("/v1/chat/completions", chatBody("router/fb", false), "X-Request-Id", rid)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.wantStatus, body)
			}
			if got := h.fake.Hits("m1"); got != tt.wantHits1 {
				t.Errorf("m1 hits = %d, want %d", got, tt.wantHits1)
			}
			if got := h.fake.Hits("m2"); got != tt.wantHits2 {
				t.Errorf("m2 hits = %d, want %d", got, tt.wantHits2)
			}
			hd := resp.Header
			if hd.Get("x-switchyard-router") != "fb" {
				t.Errorf("x-switchyard-router = %q", hd.Get("x-switchyard-router"))
			}
			if got := hd.Get("x-switchyard-attempts"); tt.wantAttempts != "" && got != tt.wantAttempts {
				t.Errorf("x-switchyard-attempts = %q, want %q", got, tt.wantAttempts)
			}
			if tt.wantFallback != "" && hd.Get("x-switchyard-fallback") != tt.wantFallback {
				t.Errorf("x-switchyard-fallback = %q, want %q", hd.Get("x-switchyard-fallback"), tt.wantFallback)
			}
			if hd.Get("x-switchyard-trace-id") == "" {
				t.Error("x-switchyard-trace-id missing")
			}
			if tt.wantSleeps != nil {
				got := h.Sleeps()
				if len(got) != len(tt.wantSleeps) {
					t.Errorf("sleeps = %v, want %v", got, tt.wantSleeps)
				}
				for i := range got {
					if i < len(tt.wantSleeps) && got[i] != tt.wantSleeps[i] {
						t.Errorf("sleep[%d] = %v, want %v", i, got[i], tt.wantSleeps[i])
					}
				}
			}
			if strings.Contains(string(body), "sk-upstream-secret") || strings.Contains(h.Logs(), "sk-upstream-secret") {
				t.Error("the provider credential leaked into a response or a log")
			}
			if tt.wantStatus == 200 {
				if hd.Get("x-switchyard-target") != tt.wantTarget {
					t.Errorf("x-switchyard-target = %q, want %q", hd.Get("x-switchyard-target"), tt.wantTarget)
				}
				// A served request has no error body: its attempts' classes
				// are in the request log line (tried: target:status:class).
				if len(tt.wantClasses) > 0 {
					tried := triedOf(t, h.Logs(), rid)
					for i, want := range tt.wantClasses {
						if want == "" || i >= len(tried) {
							continue
						}
						if parts := strings.Split(tried[i], ":"); len(parts) < 3 || parts[2] != string(want) {
							t.Errorf("attempt %d is %q, want class %s (tried %v)", i, tried[i], want, tried)
						}
					}
				}
				if hd.Get("x-switchyard-cost-usd") == "" {
					t.Error("x-switchyard-cost-usd missing")
				}
				var out map[string]any
				if err := json.Unmarshal(body, &out); err != nil || out["object"] != "chat.completion" {
					t.Errorf("body is not a chat completion: %s", body)
				}
				return
			}
			e := decodeError(t, body)
			if e.Error.Message == "" || e.Error.Type == "" {
				t.Errorf("error envelope incomplete: %s", body)
			}
			if tt.wantCode != "" && e.Error.Code != tt.wantCode {
				t.Errorf("code = %q, want %q", e.Error.Code, tt.wantCode)
			}
			if n := len(e.Error.Attempts); tt.wantAttempts != "" && n != atoi(tt.wantAttempts) {
				t.Errorf("attempts in body = %d, want %s", n, tt.wantAttempts)
			}
			for i, c := range tt.wantClasses {
				if i < len(e.Error.Attempts) && c != "" && e.Error.Attempts[i].Class != c {
					t.Errorf("attempt %d class = %q, want %q", i, e.Error.Attempts[i].Class, c)
				}
			}
		})
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
