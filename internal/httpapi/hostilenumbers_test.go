package httpapi_test

import (
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
)

// TestHostileNumbersRefusedAtTheDoor: issue 10's bodies, whose n ×
// max_tokens (or max_tokens × price) wrapped int64 into a negative budget
// reservation, and every other value outside n 1–128 and max_tokens /
// max_completion_tokens 1–10,000,000, are refused with 400
// invalid_request_error naming the param, before any upstream call. The
// bounds themselves are served. (Explain shows an inline router's params
// without building the call, so the params case is checked on chat only.)
func TestHostileNumbersRefusedAtTheDoor(t *testing.T) {
	h := newHarness(t, "")
	const msgs = `"messages":[{"role":"user","content":"hi"}]`
	tests := []struct {
		name, fields string
		wantStatus   int
		wantParam    string
		wantCode     string
	}{
		{"n wrapping the reservation", `"max_tokens":2,"n":9098372036854775807`, 400, "n", "integer_above_max_value"},
		{"max_tokens of 2^62", `"max_tokens":4611686018427387904`, 400, "max_tokens", "integer_above_max_value"},
		{"max_completion_tokens of 2^62", `"max_completion_tokens":4611686018427387904`, 400, "max_completion_tokens", "integer_above_max_value"},
		{"max_tokens past 10,000,000", `"max_tokens":10000001`, 400, "max_tokens", "integer_above_max_value"},
		{"max_tokens 0", `"max_tokens":0`, 400, "max_tokens", "integer_below_min_value"},
		{"max_completion_tokens negative", `"max_completion_tokens":-5`, 400, "max_completion_tokens", "integer_below_min_value"},
		{"n 129", `"n":129`, 400, "n", "integer_above_max_value"},
		{"n 0", `"n":0`, 400, "n", "integer_below_min_value"},
		{"an inline router's params wrapping the reservation",
			`"max_tokens":2,"router":{"strategy":"fallback","targets":[{"model":"up/m1","params":{"n":9098372036854775807}}]}`,
			400, "", ""},
		{"the bounds are served", `"n":128,"max_tokens":10000000,"max_completion_tokens":10000000`, 200, "", ""},
	}
	for _, path := range []string{"/v1/chat/completions", "/v1/routing/explain"} {
		for _, tt := range tests {
			if path != "/v1/chat/completions" && strings.Contains(tt.fields, `"router":`) {
				continue
			}
			t.Run(path+"/"+tt.name, func(t *testing.T) {
				before := h.fake.Hits("m1") + h.fake.Hits("m2")
				model := `"model":"router/fb",`
				if strings.Contains(tt.fields, `"router":`) {
					model = `"model":"inline",`
				}
				resp, body := h.post(path, `{`+model+msgs+`,`+tt.fields+`}`)
				if resp.StatusCode != tt.wantStatus {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
				}
				if tt.wantStatus == 200 {
					return
				}
				if n := h.fake.Hits("m1") + h.fake.Hits("m2") - before; n != 0 {
					t.Errorf("the request reached the upstream (%d hits)", n)
				}
				e := decodeError(t, body)
				if e.Error.Type != "invalid_request_error" {
					t.Errorf("type %q, want invalid_request_error", e.Error.Type)
				}
				if tt.wantParam == "" {
					// Through params the refusal names the param in its message.
					if !strings.Contains(e.Error.Message, "n must be an integer from 1 to 128") {
						t.Errorf("message %q does not name n and its range", e.Error.Message)
					}
					return
				}
				if e.Error.Param == nil || *e.Error.Param != tt.wantParam || e.Error.Code != tt.wantCode {
					t.Errorf("param %v code %q, want %q %q", e.Error.Param, e.Error.Code, tt.wantParam, tt.wantCode)
				}
				if !strings.HasPrefix(e.Error.Message, tt.wantParam+" must be an integer from 1 to ") {
					t.Errorf("message %q does not name %s and its range", e.Error.Message, tt.wantParam)
				}
			})
		}
	}
}

// TestContextLengthOfTheLastCandidate: a prompt too long for the last
// candidate is the caller's to shorten: the upstream's 400 and its code
// context_length_exceeded are relayed (a 502 all_targets_failed told SDKs
// to retry the same request). With another candidate left, the loop still
// falls back to it.
func TestContextLengthOfTheLastCandidate(t *testing.T) {
	const ctxLen = `{"error":{"message":"This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`
	tooLong := openaifake.Fault{Kind: openaifake.Status, Status: 400, Body: ctxLen}
	tests := []struct {
		name       string
		model      string
		stream     bool
		m1, m2     []openaifake.Fault
		wantStatus int
		wantHits   [2]int
	}{
		{"a lone target (a model named directly)", "up/m1", false, []openaifake.Fault{tooLong}, nil, 400, [2]int{1, 0}},
		{"a router with one target", "router/quick", false, []openaifake.Fault{tooLong}, nil, 400, [2]int{1, 0}},
		{"a lone target, streamed", "up/m1", true, []openaifake.Fault{tooLong}, nil, 400, [2]int{1, 0}},
		{"too long for every candidate", "router/fb", false, []openaifake.Fault{tooLong}, []openaifake.Fault{tooLong}, 400, [2]int{1, 1}},
		{"a second candidate takes it", "router/fb", false, []openaifake.Fault{tooLong}, nil, 200, [2]int{1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "")
			h.fake.Script("m1", tt.m1...)
			h.fake.Script("m2", tt.m2...)
			resp, body := h.post("/v1/chat/completions", chatBody(tt.model, tt.stream))
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			if got := [2]int{h.fake.Hits("m1"), h.fake.Hits("m2")}; got != tt.wantHits {
				t.Errorf("hits m1, m2 = %v, want %v", got, tt.wantHits)
			}
			if tt.wantStatus == 200 {
				if resp.Header.Get("x-switchyard-fallback") != "true" || resp.Header.Get("x-switchyard-target") != "up/m2" {
					t.Errorf("served by %q (fallback %q), want up/m2 after a fallback",
						resp.Header.Get("x-switchyard-target"), resp.Header.Get("x-switchyard-fallback"))
				}
				return
			}
			e := decodeError(t, body)
			if e.Error.Type != "invalid_request_error" || e.Error.Code != "context_length_exceeded" {
				t.Errorf("type %q code %q, want invalid_request_error context_length_exceeded", e.Error.Type, e.Error.Code)
			}
			if e.Error.Param == nil || *e.Error.Param != "messages" {
				t.Errorf("param %v, want messages", e.Error.Param)
			}
			if !strings.Contains(e.Error.Message, "maximum context length is 8192 tokens") {
				t.Errorf("message %q is not the upstream's", e.Error.Message)
			}
			if len(e.Error.Attempts) != tt.wantHits[0]+tt.wantHits[1] {
				t.Errorf("%d attempts in the body, want %d", len(e.Error.Attempts), tt.wantHits[0]+tt.wantHits[1])
			}
			if resp.Header.Get("x-should-retry") == "true" {
				t.Error("x-should-retry: true on a request that must change first")
			}
		})
	}
}
