package chat

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

// checkFastEncode fails t when appendFast writes other bytes than
// encoding/json (marshalSlow), for req as decoded and once re-built (its
// messages no longer as received).
func checkFastEncode(t *testing.T, req *Request) {
	t.Helper()
	for _, r := range []*Request{req, req.Clone()} {
		want, werr := r.marshalSlow()
		got, ok := r.appendFast(nil)
		if ok != (werr == nil) {
			t.Fatalf("appendFast ok = %v, encoding/json error %v", ok, werr)
		}
		if ok && !bytes.Equal(got, want) {
			t.Fatalf("appendFast\n got %s\nwant %s", got, want)
		}
	}
}

func TestEncodeFast(t *testing.T) {
	for _, b := range fastSamples(t) {
		var r Request
		if err := json.Unmarshal(b, &r); err != nil {
			continue
		}
		checkFastEncode(t, &r)
	}
	f := func(v float64) *float64 { return &v }
	n := func(v int) *int { return &v }
	yes, no := true, false
	seed := int64(-1)
	for name, r := range map[string]*Request{
		"empty":   {},
		"strings": {Model: "m\"\\\b\f\n\r\t\x01\x7f<>&é\xff\u2028\u2029", User: "ü"},
		"numbers": {Temperature: f(0), TopP: f(1e-7), PresencePenalty: f(-1e21), FrequencyPenalty: f(123456.789),
			MaxTokens: n(0), MaxCompletionTokens: n(-5), N: n(1), Seed: &seed},
		"stream options":              {Stream: true, StreamOptions: &StreamOptions{}},
		"stream options, both":        {StreamOptions: &StreamOptions{IncludeUsage: true, IncludeObfuscation: &no}},
		"stream options, obfuscation": {StreamOptions: &StreamOptions{IncludeObfuscation: &yes}},
		"others": {Stop: Stop{"a", "<b>"}, Tools: []Tool{{Type: "function", Function: FunctionSpec{Name: "f", Parameters: json.RawMessage(`{ "a" : 1 }`)}}},
			ToolChoice: &ToolChoice{Mode: "auto"}, ParallelToolCalls: &no, ResponseFormat: &ResponseFormat{Type: "json_object"},
			Metadata: map[string]any{"b": 1.5, "a": "<x>"}, Messages: []Message{{Role: "user", Content: TextContent("hi")}}},
		"extra":     {Extra: map[string]json.RawMessage{"z": json.RawMessage(` [1, 2] `), "a": nil, "é<": json.RawMessage(`"x"`), "temperature": json.RawMessage(`1`)}},
		"bad extra": {Extra: map[string]json.RawMessage{"a": json.RawMessage(`{`)}},
		"NaN":       {Temperature: f(math.NaN())},
	} {
		t.Run(name, func(t *testing.T) { checkFastEncode(t, r) })
	}
}

// FuzzEncodeFast: a decoded request encodes to the same bytes as
// encoding/json writes.
func FuzzEncodeFast(f *testing.F) {
	for _, b := range fastSamples(f) {
		f.Add(b)
	}
	f.Add([]byte(`{"model":"m\u2028<>","messages":[{"role":"user","content":"hi\n"}],"temperature":1e-7,"extra":{"openai":{"x":1}},"Z":[ 1 ]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var r Request
		if json.Unmarshal(body, &r) != nil {
			return
		}
		checkFastEncode(t, &r)
	})
}
