package httpapi_test

import (
	"reflect"
	"testing"
)

// TestStreamOptionsRelayed: the gateway always asks the upstream for usage
// on a stream (to price it), but keeps the caller's other stream_options
// (OpenAI's include_obfuscation) as sent.
func TestStreamOptionsRelayed(t *testing.T) {
	h := newHarness(t, "")
	body := chatBody("router/fb", true)
	body["stream_options"] = map[string]any{"include_obfuscation": false}
	resp, raw := h.post("/v1/chat/completions", body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	reqs := h.fake.Requests()
	got := reqs[len(reqs)-1]["stream_options"]
	want := map[string]any{"include_usage": true, "include_obfuscation": false}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("upstream stream_options %v, want %v", got, want)
	}
}
