package httpapi_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
)

// traceIDPattern is the X-Ray trace id format the gateway hands out.
var traceIDPattern = regexp.MustCompile(`^1-[0-9a-f]{8}-[0-9a-f]{24}$`)

// The events of the fake's recorded stream (testdata/stream.sse) as
// describeEvents names them; the usage chunk is dropped because the caller
// does not ask for it.
var (
	wholeStream = []string{"role", "c:Hello", "c:!", "c: How can I help?", "finish:stop", "[DONE]"}
)

// TestStreamFaults drives each stream fault of issue 2 through router fb
// (up/m1, then up/m2) with stream: true and checks everything the caller
// sees: status, the SSE events (chunks, error event, [DONE]), how often
// each target was hit, backoff sleeps and every routing header.
func TestStreamFaults(t *testing.T) {
	status := func(code int, headers ...string) openaifake.Fault {
		f := openaifake.Fault{Kind: openaifake.Status, Status: code, Headers: map[string]string{}}
		for i := 0; i+1 < len(headers); i += 2 {
			f.Headers[headers[i]] = headers[i+1]
		}
		return f
	}
	rate := status(429)
	tests := []struct {
		name   string
		m1, m2 []openaifake.Fault

		wantStatus   int
		wantEvents   []string // SSE events as describeEvents names them (status 200)
		wantErrCode  string   // code of the JSON error (status != 200)
		wantHits1    int
		wantHits2    int
		wantAttempts string
		wantFallback string
		wantTarget   string // "" when nothing served: the header must be absent
		wantUpstream string // x-upstream-request-id
		wantSleeps   []time.Duration
		jitterSleeps int // number of (jittered) sleeps when wantSleeps is nil
	}{
		{name: "healthy stream",
			wantStatus: 200, wantEvents: wholeStream,
			wantHits1: 1, wantAttempts: "1", wantFallback: "false", wantTarget: "up/m1", wantUpstream: "req_fake_m1_1"},
		{name: "cut before the first event falls back",
			m1:         []openaifake.Fault{{Kind: openaifake.CutStream, After: 0}},
			wantStatus: 200, wantEvents: wholeStream,
			wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantFallback: "true", wantTarget: "up/m2", wantUpstream: "req_fake_m2_1"},
		{name: "cut after the role chunk, before content, falls back",
			m1:         []openaifake.Fault{{Kind: openaifake.CutStream, After: 1}},
			wantStatus: 200, wantEvents: wholeStream,
			wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantFallback: "true", wantTarget: "up/m2", wantUpstream: "req_fake_m2_1"},
		{name: "cut after content: the chunks sent, then an SSE error event, no [DONE]",
			m1:         []openaifake.Fault{{Kind: openaifake.CutStream, After: 3}},
			wantStatus: 200, wantEvents: []string{"role", "c:Hello", "c:!", "error:network"},
			wantHits1: 1, wantAttempts: "1", wantFallback: "false", wantTarget: "up/m1", wantUpstream: "req_fake_m1_1"},
		{name: "cut after content on the fallback target: fallback headers, then the error event",
			m1:         []openaifake.Fault{status(503)},
			m2:         []openaifake.Fault{{Kind: openaifake.CutStream, After: 2}},
			wantStatus: 200, wantEvents: []string{"role", "c:Hello", "error:network"},
			wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantFallback: "true", wantTarget: "up/m2", wantUpstream: "req_fake_m2_1"},
		{name: "ends after finish_reason without [DONE]: closed cleanly",
			m1:         []openaifake.Fault{{Kind: openaifake.NoDone}},
			wantStatus: 200, wantEvents: wholeStream,
			wantHits1: 1, wantAttempts: "1", wantFallback: "false", wantTarget: "up/m1", wantUpstream: "req_fake_m1_1"},
		{name: "ends without finish_reason or [DONE]: an error event, not a silent truncation",
			m1:         []openaifake.Fault{{Kind: openaifake.NoDoneNoFinish}},
			wantStatus: 200, wantEvents: []string{"role", "c:Hello", "c:!", "c: How can I help?", "error:network"},
			wantHits1: 1, wantAttempts: "1", wantFallback: "false", wantTarget: "up/m1", wantUpstream: "req_fake_m1_1"},
		{name: "error event after content is relayed as an SSE error, no [DONE]",
			m1:         []openaifake.Fault{{Kind: openaifake.ErrorEvent, After: 2}},
			wantStatus: 200, wantEvents: []string{"role", "c:Hello", "error:server_error"},
			wantHits1: 1, wantAttempts: "1", wantFallback: "false", wantTarget: "up/m1", wantUpstream: "req_fake_m1_1"},
		{name: "error event before content falls back",
			m1:         []openaifake.Fault{{Kind: openaifake.ErrorEvent, After: 1}},
			wantStatus: 200, wantEvents: wholeStream,
			wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantFallback: "true", wantTarget: "up/m2", wantUpstream: "req_fake_m2_1"},
		{name: "429 with Retry-After before the stream: same target after that wait",
			m1:         []openaifake.Fault{status(429, "Retry-After", "1")},
			wantStatus: 200, wantEvents: wholeStream,
			wantHits1: 2, wantAttempts: "2", wantFallback: "false", wantTarget: "up/m1", wantUpstream: "req_fake_m1_2",
			wantSleeps: []time.Duration{time.Second}},
		{name: "429 past max_retries before the stream: next target",
			m1:         []openaifake.Fault{rate, rate, rate},
			wantStatus: 200, wantEvents: wholeStream,
			wantHits1: 3, wantHits2: 1, wantAttempts: "4", wantFallback: "true", wantTarget: "up/m2", wantUpstream: "req_fake_m2_1",
			jitterSleeps: 2},
		{name: "500 before the stream falls back at once",
			m1:         []openaifake.Fault{status(500)},
			wantStatus: 200, wantEvents: wholeStream,
			wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantFallback: "true", wantTarget: "up/m2", wantUpstream: "req_fake_m2_1",
			wantSleeps: []time.Duration{}},
		{name: "503 before the stream falls back at once",
			m1:         []openaifake.Fault{status(503)},
			wantStatus: 200, wantEvents: wholeStream,
			wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantFallback: "true", wantTarget: "up/m2", wantUpstream: "req_fake_m2_1",
			wantSleeps: []time.Duration{}},
		{name: "401 before the stream (our key) falls back",
			m1:         []openaifake.Fault{status(401)},
			wantStatus: 200, wantEvents: wholeStream,
			wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantFallback: "true", wantTarget: "up/m2", wantUpstream: "req_fake_m2_1",
			wantSleeps: []time.Duration{}},
		{name: "connection reset before the stream falls back",
			m1:         []openaifake.Fault{{Kind: openaifake.Reset}},
			wantStatus: 200, wantEvents: wholeStream,
			wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantFallback: "true", wantTarget: "up/m2", wantUpstream: "req_fake_m2_1"},
		{name: "a hang past the attempt timeout before the stream falls back",
			m1:         []openaifake.Fault{{Kind: openaifake.Hang}},
			wantStatus: 200, wantEvents: wholeStream,
			wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantFallback: "true", wantTarget: "up/m2", wantUpstream: "req_fake_m2_1"},
		{name: "400 before the stream is relayed as JSON, no fallback",
			m1:         []openaifake.Fault{{Kind: openaifake.Status, Status: 400, Body: `{"error":{"message":"Invalid value for 'temperature'","type":"invalid_request_error","param":"temperature","code":"invalid_value"}}`}},
			wantStatus: 400, wantErrCode: "invalid_value",
			wantHits1: 1, wantAttempts: "1", wantFallback: "false", wantUpstream: "req_fake_m1_1"},
		{name: "every target failing before the stream is a JSON 502",
			m1:         []openaifake.Fault{status(503)},
			m2:         []openaifake.Fault{status(500)},
			wantStatus: 502, wantErrCode: "all_targets_failed",
			wantHits1: 1, wantHits2: 1, wantAttempts: "2", wantFallback: "false", wantUpstream: "req_fake_m2_1"},
		{name: "every target rate limited before the stream is a JSON 429",
			m1:         []openaifake.Fault{rate, rate, rate},
			m2:         []openaifake.Fault{rate, rate, rate},
			wantStatus: 429, wantErrCode: "rate_limit_exceeded",
			wantHits1: 3, wantHits2: 3, wantAttempts: "6", wantFallback: "false", wantUpstream: "req_fake_m2_3",
			jitterSleeps: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "")
			h.fake.Script("m1", tt.m1...)
			h.fake.Script("m2", tt.m2...)
			resp, body := h.post("/v1/chat/completions", chatBody("router/fb", true))
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.wantStatus, body)
			}
			if got := h.fake.Hits("m1"); got != tt.wantHits1 {
				t.Errorf("m1 hits = %d, want %d", got, tt.wantHits1)
			}
			if got := h.fake.Hits("m2"); got != tt.wantHits2 {
				t.Errorf("m2 hits = %d, want %d", got, tt.wantHits2)
			}
			if got := h.fake.Hits("m3"); got != 0 {
				t.Errorf("m3 hits = %d; fb never routes there", got)
			}

			hd := resp.Header
			wantHeaders := map[string]string{
				"x-switchyard-router":   "fb",
				"x-switchyard-attempts": tt.wantAttempts,
				"x-switchyard-fallback": tt.wantFallback,
				"x-switchyard-target":   tt.wantTarget,
				"x-upstream-request-id": tt.wantUpstream,
			}
			for k, want := range wantHeaders {
				if got := hd.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if tt.wantTarget == "" && len(hd.Values("x-switchyard-target")) != 0 {
				t.Errorf("x-switchyard-target present (%q) though no target served", hd.Values("x-switchyard-target"))
			}
			traceID := hd.Get("x-switchyard-trace-id")
			if !traceIDPattern.MatchString(traceID) {
				t.Errorf("x-switchyard-trace-id = %q, want an X-Ray trace id", traceID)
			}
			if logged := loggedTraceID(t, h.Logs()); logged != traceID {
				t.Errorf("trace id in the request log = %q, header says %q", logged, traceID)
			}
			if hd.Get("x-switchyard-cost-usd") != "" {
				// The cost is only known once the stream ends, after the headers.
				t.Errorf("x-switchyard-cost-usd = %q on a streamed response", hd.Get("x-switchyard-cost-usd"))
			}

			gotSleeps := h.Sleeps()
			switch {
			case tt.wantSleeps != nil:
				if !reflect.DeepEqual(gotSleeps, tt.wantSleeps) && !(len(gotSleeps) == 0 && len(tt.wantSleeps) == 0) {
					t.Errorf("backoff sleeps = %v, want %v", gotSleeps, tt.wantSleeps)
				}
			case tt.jitterSleeps > 0:
				if len(gotSleeps) != tt.jitterSleeps {
					t.Errorf("backoff sleeps = %v, want %d of them", gotSleeps, tt.jitterSleeps)
				}
			}

			if tt.wantStatus != http.StatusOK {
				if ct := hd.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q, want application/json for an error before the stream", ct)
				}
				e := decodeError(t, body)
				if e.Error.Code != tt.wantErrCode || e.Error.Message == "" || e.Error.Type == "" {
					t.Errorf("error = %+v, want code %q with a message and a type", e.Error, tt.wantErrCode)
				}
				if got := len(e.Error.Attempts); got != atoi(tt.wantAttempts) {
					t.Errorf("attempts in the body = %d, header says %s", got, tt.wantAttempts)
				}
				return
			}
			if ct := hd.Get("Content-Type"); ct != "text/event-stream" {
				t.Errorf("Content-Type = %q, want text/event-stream", ct)
			}
			if got := describeEvents(t, sseEvents(body)); !reflect.DeepEqual(got, tt.wantEvents) {
				t.Errorf("events = %q\n      want %q", got, tt.wantEvents)
			}
			if strings.Contains(string(body), "sk-upstream-secret") || strings.Contains(h.Logs(), "sk-upstream-secret") {
				t.Error("the provider credential leaked into the stream or a log")
			}
		})
	}
}

// describeEvents names each SSE data payload: "role" (the opening chunk),
// "c:<content>", "finish:<reason>", "usage", "error:<code>" or "[DONE]".
// An error event must carry a message and a type.
func describeEvents(t *testing.T, events []string) []string {
	t.Helper()
	var out []string
	for i, ev := range events {
		if ev == "[DONE]" {
			out = append(out, ev)
			continue
		}
		var c struct {
			Object  string `json:"object"`
			Choices []struct {
				Delta struct {
					Role    string  `json:"role"`
					Content *string `json:"content"`
				} `json:"delta"`
				FinishReason *string `json:"finish_reason"`
			} `json:"choices"`
			Usage *json.RawMessage `json:"usage"`
			Error *struct {
				Message string `json:"message"`
				Type    string `json:"type"`
				Code    string `json:"code"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(ev), &c); err != nil {
			t.Fatalf("event %d is not JSON: %s", i, ev)
		}
		switch {
		case c.Error != nil:
			if c.Error.Message == "" || c.Error.Type == "" {
				t.Errorf("error event without a message or type: %s", ev)
			}
			out = append(out, "error:"+c.Error.Code)
		case c.Object != "chat.completion.chunk":
			t.Errorf("event %d is neither a chunk nor an error: %s", i, ev)
		case len(c.Choices) == 0 && c.Usage != nil:
			out = append(out, "usage")
		case len(c.Choices) == 1 && c.Choices[0].Delta.Role != "":
			out = append(out, "role")
		case len(c.Choices) == 1 && c.Choices[0].FinishReason != nil:
			out = append(out, "finish:"+*c.Choices[0].FinishReason)
		case len(c.Choices) == 1 && c.Choices[0].Delta.Content != nil:
			out = append(out, "c:"+*c.Choices[0].Delta.Content)
		default:
			t.Errorf("event %d has an unexpected shape: %s", i, ev)
		}
	}
	return out
}

// loggedTraceID is the trace_id of the one request log line for
// /v1/chat/completions.
func loggedTraceID(t *testing.T, logs string) string {
	t.Helper()
	var found []string
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec struct {
			Msg     string `json:"msg"`
			Path    string `json:"path"`
			TraceID string `json:"trace_id"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "request" && rec.Path == "/v1/chat/completions" {
			found = append(found, rec.TraceID)
		}
	}
	if len(found) != 1 {
		t.Errorf("%d request log lines for /v1/chat/completions, want 1:\n%s", len(found), logs)
		return ""
	}
	return found[0]
}
