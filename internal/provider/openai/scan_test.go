package openai

import "testing"

func TestTopLevel(t *testing.T) {
	body := `{"id":"x","choices":[{"message":{"content":"the \"usage\": {\"fake\":1} text","usage":{"no":1}}}],
	  "nested":{"usage":{"wrong":true}}, "usage" : {"prompt_tokens":19,"completion_tokens":10,"total_tokens":29} ,"z":[1,{"a":"]"}]}`
	tests := []struct{ key, want string }{
		{"usage", `{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29}`},
		{"id", `"x"`},
		{"z", `[1,{"a":"]"}]`},
		{"missing", ``},
	}
	for _, tt := range tests {
		if got := string(topLevel([]byte(body), tt.key)); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.key, got, tt.want)
		}
	}
	if !nonEmptyArray(topLevel([]byte(body), "choices")) {
		t.Error("choices is not empty")
	}
	for _, empty := range []string{`{"choices":[]}`, `{"choices":[ ]}`, `{"choices":null}`, `{}`} {
		if nonEmptyArray(topLevel([]byte(empty), "choices")) {
			t.Errorf("%s: choices reported non-empty", empty)
		}
	}
	if topLevel([]byte(`[1,2]`), "usage") != nil {
		t.Error("a non-object has no keys")
	}
}
