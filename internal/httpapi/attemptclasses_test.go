package httpapi_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// TestAttemptClassesOnRecovery: when a request recovers (200 after a
// retry or a fallback) the caller gets no error body, so the attempts are
// visible only in x-switchyard-attempts and the request log line, whose
// "tried" field lists target:status:class:ms per attempt. Each upstream
// fault of DESIGN §5 must be recorded there with its own class — a hang
// as timeout, a reset as network — or metrics, traces and cooldowns
// (which count by class) would mislabel it. TestErrorPolicy checks the
// classes only on error bodies.
func TestAttemptClassesOnRecovery(t *testing.T) {
	status := func(code int, headers ...string) openaifake.Fault {
		f := openaifake.Fault{Kind: openaifake.Status, Status: code, Headers: map[string]string{}}
		for i := 0; i+1 < len(headers); i += 2 {
			f.Headers[headers[i]] = headers[i+1]
		}
		return f
	}
	type try struct {
		target string
		status int
		class  provider.Class
	}
	ok1, ok2 := try{"up/m1", 200, ""}, try{"up/m2", 200, ""}
	rate := try{"up/m1", 429, provider.ClassRateLimit}
	ctxLen := `{"error":{"message":"This model's maximum context length is 8192 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`
	tests := []struct {
		name string
		m1   []openaifake.Fault
		want []try
	}{
		{"429 with Retry-After, retried on the same target", []openaifake.Fault{status(429, "Retry-After", "1")}, []try{rate, ok1}},
		{"429 retry-after-ms", []openaifake.Fault{status(429, "retry-after-ms", "250")}, []try{rate, ok1}},
		{"429 past max_retries", []openaifake.Fault{status(429), status(429), status(429)}, []try{rate, rate, rate, ok2}},
		{"Retry-After beyond max_retry_after", []openaifake.Fault{status(429, "Retry-After", "60")}, []try{rate, ok2}},
		{"500", []openaifake.Fault{status(500)}, []try{{"up/m1", 500, provider.ClassServer}, ok2}},
		{"503", []openaifake.Fault{status(503)}, []try{{"up/m1", 503, provider.ClassServer}, ok2}},
		{"529 overloaded", []openaifake.Fault{status(529)}, []try{{"up/m1", 529, provider.ClassServer}, ok2}},
		{"408", []openaifake.Fault{status(408)}, []try{{"up/m1", 408, provider.ClassTimeout}, ok2}},
		{"400 context length exceeded", []openaifake.Fault{{Kind: openaifake.Status, Status: 400, Body: ctxLen}},
			[]try{{"up/m1", 400, provider.ClassContextLength}, ok2}},
		{"401", []openaifake.Fault{status(401)}, []try{{"up/m1", 401, provider.ClassAuth}, ok2}},
		{"403", []openaifake.Fault{status(403)}, []try{{"up/m1", 403, provider.ClassAuth}, ok2}},
		{"connection reset", []openaifake.Fault{{Kind: openaifake.Reset}}, []try{{"up/m1", 0, provider.ClassNetwork}, ok2}},
		{"hang past the attempt timeout", []openaifake.Fault{{Kind: openaifake.Hang}}, []try{{"up/m1", 0, provider.ClassTimeout}, ok2}},
		{"malformed JSON", []openaifake.Fault{{Kind: openaifake.Malformed}}, []try{{"up/m1", 200, provider.ClassBadResponse}, ok2}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "")
			h.fake.Script("m1", tt.m1...)
			rid := "req-classes-" + strconv.Itoa(i)
			resp, body := h.post("/v1/chat/completions", chatBody("router/fb", false), "X-Request-Id", rid)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if got, want := resp.Header.Get("x-switchyard-attempts"), strconv.Itoa(len(tt.want)); got != want {
				t.Errorf("x-switchyard-attempts %q, want %q", got, want)
			}
			tried := triedOf(t, h.Logs(), rid)
			if len(tried) != len(tt.want) {
				t.Fatalf("tried %q, want %d attempts %v", tried, len(tt.want), tt.want)
			}
			for j, w := range tt.want {
				f := strings.Split(tried[j], ":")
				if len(f) != 4 || f[0] != w.target || f[1] != strconv.Itoa(w.status) || f[2] != string(w.class) {
					t.Errorf("attempt %d = %q, want %s:%d:%s:<ms>", j, tried[j], w.target, w.status, w.class)
				}
			}
		})
	}
}

// triedOf returns the "tried" attempts of request rid's log line.
func triedOf(t *testing.T, logs, rid string) []string {
	t.Helper()
	for _, l := range strings.Split(logs, "\n") {
		var line struct {
			Msg       string `json:"msg"`
			RequestID string `json:"request_id"`
			Tried     string `json:"tried"`
		}
		if json.Unmarshal([]byte(l), &line) != nil || line.Msg != "request" || line.RequestID != rid {
			continue
		}
		if line.Tried == "" {
			t.Fatalf("request log line has no tried field: %s", l)
		}
		return strings.Split(line.Tried, ",")
	}
	t.Fatalf("no request log line for %s in:\n%s", rid, logs)
	return nil
}
