package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
)

// passthroughMessages is a vision conversation as a caller sends it: image
// parts with a data URL and an https URL, each with a detail. It is written
// so that re-encoding through Go structs would show: the first image part
// lists image_url before type, and the text and a URL hold <, > and &.
const passthroughMessages = `[` +
	`{"role":"system","content":"You describe images."},` +
	`{"role":"user","content":[` +
	`{"type":"text","text":"What is in these images? Answer <briefly> & in order."},` +
	`{"image_url":{"url":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==","detail":"low"},"type":"image_url"},` +
	`{"type":"image_url","image_url":{"url":"https://example.com/cat.png?w=512&h=512","detail":"high"}}` +
	`]}]`

const passthroughResponseFormat = `{"type":"json_schema","json_schema":{"name":"image_description","description":"What the images show","strict":true,` +
	`"schema":{"type":"object","properties":{"objects":{"type":"array","items":{"type":"string"}},"count":{"type":"integer"}},` +
	`"required":["objects","count"],"additionalProperties":false}}}`

const passthroughTools = `[{"type":"function","function":{"name":"get_weather","description":"Current weather for a city",` +
	`"parameters":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["c","f"]}},` +
	`"required":["city","unit"],"additionalProperties":false},"strict":true}}]`

// TestRequestPassthrough: what a caller puts in messages (image parts
// included) reaches an OpenAI-compatible upstream byte for byte, and
// response_format json_schema, tools and tool_choice arrive unchanged,
// streamed and not, on the first target and after a fallback.
func TestRequestPassthrough(t *testing.T) {
	tests := []struct {
		name  string
		extra map[string]string // top-level fields (raw JSON) beside model and messages
		m1    []openaifake.Fault
	}{
		{name: "image parts"},
		{name: "image parts after a fallback", m1: []openaifake.Fault{{Kind: openaifake.Status, Status: 503}}},
		{name: "response_format json_schema", extra: map[string]string{"response_format": passthroughResponseFormat}},
		{name: "tools and tool_choice", extra: map[string]string{
			"tools":       passthroughTools,
			"tool_choice": `{"type":"function","function":{"name":"get_weather"}}`,
		}},
		{name: "everything after a fallback", m1: []openaifake.Fault{{Kind: openaifake.Reset}}, extra: map[string]string{
			"response_format": passthroughResponseFormat,
			"tools":           passthroughTools,
			"tool_choice":     `"auto"`,
		}},
	}
	for _, tt := range tests {
		for _, stream := range []bool{false, true} {
			name := tt.name + "/non-streamed"
			if stream {
				name = tt.name + "/streamed"
			}
			t.Run(name, func(t *testing.T) {
				h := newHarness(t, "")
				h.fake.Script("m1", tt.m1...)
				var b strings.Builder
				b.WriteString(`{"model":"router/fb","messages":` + passthroughMessages)
				for k, v := range tt.extra {
					b.WriteString(`,"` + k + `":` + v)
				}
				if stream {
					b.WriteString(`,"stream":true`)
				}
				b.WriteString(`}`)
				resp, body := h.post("/v1/chat/completions", b.String())
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d: %s", resp.StatusCode, body)
				}
				if stream && !bytes.Contains(body, []byte("data: [DONE]")) {
					t.Errorf("stream did not finish: %s", body)
				}
				wantUpstream := 1
				if len(tt.m1) > 0 {
					wantUpstream = 2
				}
				raws := h.fake.RawRequests()
				if len(raws) != wantUpstream {
					t.Fatalf("upstream got %d requests, want %d", len(raws), wantUpstream)
				}
				for i, raw := range raws {
					var up map[string]json.RawMessage
					if err := json.Unmarshal(raw, &up); err != nil {
						t.Fatalf("upstream request %d is not JSON: %v", i, err)
					}
					if !sameMessages(up["messages"]) {
						t.Errorf("upstream request %d messages differ from the caller's:\n got %s\nwant %s", i, up["messages"], passthroughMessages)
					}
					for k, v := range tt.extra {
						if !jsonEqual(t, up[k], []byte(v)) {
							t.Errorf("upstream request %d %s = %s, want %s", i, k, up[k], v)
						}
					}
					for _, k := range []string{"response_format", "tools", "tool_choice"} {
						if _, sent := tt.extra[k]; !sent && up[k] != nil {
							t.Errorf("upstream request %d has %s = %s, which the caller did not send", i, k, up[k])
						}
					}
				}
			})
		}
	}
}

// sameMessages reports whether got is the caller's messages byte for byte,
// or (when a target's params were merged in, which re-encodes the body)
// the same bytes with insignificant whitespace removed. HTML escaping
// (\u003c for <) or any other change — a re-ordered key, a dropped field
// or detail, an altered URL — fails.
func sameMessages(got []byte) bool {
	want := []byte(passthroughMessages)
	var compact bytes.Buffer
	if err := json.Compact(&compact, want); err != nil {
		return false
	}
	return bytes.Equal(got, want) || bytes.Equal(got, compact.Bytes())
}

// jsonEqual compares two JSON documents by value.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	if a == nil || b == nil {
		return false
	}
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("not JSON: %s", a)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("not JSON: %s", b)
	}
	return reflect.DeepEqual(x, y)
}
