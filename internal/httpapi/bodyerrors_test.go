package httpapi_test

import (
	"strings"
	"testing"
)

// TestMalformedBodyMessages: every request body the gateway cannot decode
// is refused with 400 invalid_request_error, a message in the caller's
// terms (what is wrong and where, never a Go type name) and param naming
// the offending field when there is one. Chat and explain share the
// decoder, so both are checked.
func TestMalformedBodyMessages(t *testing.T) {
	h := newHarness(t, "")
	const msg = `{"role":"user","content":"hi"}`
	tests := []struct {
		name      string
		body      string
		wantCode  string
		wantParam string   // "" means param must be null
		wantMsg   []string // substrings of the message
	}{
		{name: "empty body", body: ``,
			wantCode: "invalid_json", wantMsg: []string{"request body is empty", "JSON object"}},
		{name: "whitespace only", body: " \n\t ",
			wantCode: "invalid_json", wantMsg: []string{"request body is empty"}},
		{name: "not JSON", body: `hello`,
			wantCode: "invalid_json", wantMsg: []string{"not valid JSON", "line 1, column 1"}},
		{name: "truncated JSON", body: `{"model":"router/fb","messages":[`,
			wantCode: "invalid_json", wantMsg: []string{"not valid JSON", "ends before"}},
		{name: "trailing comma on line 2", body: "{\"model\":\"router/fb\",\n}",
			wantCode: "invalid_json", wantMsg: []string{"not valid JSON", "line 2, column 1"}},
		{name: "an array", body: `[]`,
			wantCode: "invalid_json", wantMsg: []string{"request body must be a JSON object, not an array"}},
		{name: "a string", body: `"x"`,
			wantCode: "invalid_json", wantMsg: []string{"request body must be a JSON object, not a string"}},
		{name: "a number", body: `3`,
			wantCode: "invalid_json", wantMsg: []string{"request body must be a JSON object, not a number"}},
		{name: "null", body: `null`,
			wantCode: "invalid_json", wantMsg: []string{"request body must be a JSON object, not null"}},
		{name: "trailing garbage after the object", body: `{"model":"router/fb","messages":[` + msg + `]} x`,
			wantCode: "invalid_json", wantMsg: []string{"single JSON object", "more follows it", "column 67"}},
		{name: "a second object", body: `{"model":"router/fb","messages":[` + msg + `]}` + "\n{}",
			wantCode: "invalid_json", wantMsg: []string{"single JSON object", "line 2, column 1"}},
		{name: "messages is an object", body: `{"model":"router/fb","messages":{}}`,
			wantCode: "invalid_json", wantParam: "messages", wantMsg: []string{"messages must be an array, not an object"}},
		{name: "messages is a string", body: `{"model":"router/fb","messages":"hi"}`,
			wantCode: "invalid_json", wantParam: "messages", wantMsg: []string{"messages must be an array, not a string"}},
		{name: "a message is a string", body: `{"model":"router/fb","messages":[` + msg + `,"hi"]}`,
			wantCode: "invalid_json", wantParam: "messages[1]", wantMsg: []string{"messages[1] must be an object, not a string"}},
		{name: "a message without role", body: `{"model":"router/fb","messages":[{"content":"hi"}]}`,
			wantCode: "invalid_role", wantParam: "messages[0].role", wantMsg: []string{"messages[0].role is required"}},
		{name: "role of the wrong type", body: `{"model":"router/fb","messages":[{"role":3,"content":"hi"}]}`,
			wantCode: "invalid_json", wantParam: "messages[0].role", wantMsg: []string{"messages[0].role must be a string, not a number"}},
		{name: "content is a number", body: `{"model":"router/fb","messages":[` + msg + `,{"role":"user","content":3}]}`,
			wantCode: "invalid_json", wantParam: "messages[1].content",
			wantMsg: []string{"messages[1].content must be a string, an array of content parts or null, not a number"}},
		{name: "content is an object", body: `{"model":"router/fb","messages":[{"role":"user","content":{"text":"hi"}}]}`,
			wantCode: "invalid_json", wantParam: "messages[0].content", wantMsg: []string{"not an object"}},
		{name: "a content part is not an object", body: `{"model":"router/fb","messages":[{"role":"user","content":[{"type":"text","text":"a"},"b"]}]}`,
			wantCode: "invalid_json", wantParam: "messages[0].content[1]", wantMsg: []string{"messages[0].content[1] must be an object, not a string"}},
		{name: "an image url of the wrong type", body: `{"model":"router/fb","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":5}}]}]}`,
			wantCode: "invalid_json", wantParam: "messages[0].content[0].image_url.url", wantMsg: []string{"must be a string, not a number"}},
		{name: "a tool call id of the wrong type", body: `{"model":"router/fb","messages":[{"role":"assistant","tool_calls":[{"id":3}]}]}`,
			wantCode: "invalid_json", wantParam: "messages[0].tool_calls[0].id", wantMsg: []string{"must be a string, not a number"}},
		{name: "temperature is a string", body: `{"model":"router/fb","messages":[` + msg + `],"temperature":"hot"}`,
			wantCode: "invalid_json", wantParam: "temperature", wantMsg: []string{"temperature must be a number, not a string"}},
		{name: "max_tokens is fractional", body: `{"model":"router/fb","messages":[` + msg + `],"max_tokens":3.5}`,
			wantCode: "invalid_json", wantParam: "max_tokens", wantMsg: []string{"max_tokens must be an integer, not 3.5"}},
		{name: "a tool name of the wrong type", body: `{"model":"router/fb","messages":[` + msg + `],"tools":[{"type":"function","function":{"name":3}}]}`,
			wantCode: "invalid_json", wantParam: "tools[0].function.name", wantMsg: []string{"must be a string, not a number"}},
		{name: "stop of the wrong type", body: `{"model":"router/fb","messages":[` + msg + `],"stop":3}`,
			wantCode: "invalid_json", wantParam: "stop", wantMsg: []string{"stop must be a string or an array of strings"}},
	}
	// Go's decoding vocabulary, which must never reach a caller.
	goisms := []string{"Go value", "Go struct", "json:", "map[", "RawMessage", "chat.", "unmarshal", "[]"}
	for _, path := range []string{"/v1/chat/completions", "/v1/routing/explain"} {
		for _, tt := range tests {
			t.Run(path+"/"+tt.name, func(t *testing.T) {
				resp, body := h.post(path, tt.body)
				if resp.StatusCode != 400 {
					t.Fatalf("status %d, want 400: %s", resp.StatusCode, body)
				}
				e := decodeError(t, body)
				if e.Error.Type != "invalid_request_error" || e.Error.Code != tt.wantCode {
					t.Errorf("type %q code %q, want invalid_request_error %q", e.Error.Type, e.Error.Code, tt.wantCode)
				}
				switch {
				case tt.wantParam == "" && e.Error.Param != nil:
					t.Errorf("param %q, want null", *e.Error.Param)
				case tt.wantParam != "" && (e.Error.Param == nil || *e.Error.Param != tt.wantParam):
					t.Errorf("param %v, want %q", e.Error.Param, tt.wantParam)
				}
				for _, want := range tt.wantMsg {
					if !strings.Contains(e.Error.Message, want) {
						t.Errorf("message %q lacks %q", e.Error.Message, want)
					}
				}
				for _, bad := range goisms {
					if strings.Contains(e.Error.Message, bad) {
						t.Errorf("message %q speaks Go (%q)", e.Error.Message, bad)
					}
				}
			})
		}
	}
	if n := h.fake.Hits("m1") + h.fake.Hits("m2"); n != 0 {
		t.Errorf("a malformed request reached the upstream (%d hits)", n)
	}
}
