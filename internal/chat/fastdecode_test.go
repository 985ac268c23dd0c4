package chat

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// checkFastDecode fails t when decodeFast accepts body but body is not
// valid JSON, or encoding/json (UnmarshalJSON's own path) refuses it or
// decodes it otherwise. body may be anything.
func checkFastDecode(t *testing.T, body []byte) (accepted bool) {
	t.Helper()
	var fast Request
	if !decodeFast(body, &fast) {
		return false
	}
	if !json.Valid(body) {
		t.Fatalf("decodeFast accepted %q, which is not valid JSON", body)
	}
	var slow Request
	if err := slow.unmarshalSlow(body); err != nil {
		t.Fatalf("decodeFast accepted %q, which encoding/json refuses: %v", body, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("decodeFast(%q)\n got %#v\nwant %#v", body, fast, slow)
	}
	if fast.messagesAsReceived() != slow.messagesAsReceived() {
		t.Fatalf("decodeFast(%q): messages as received %v, encoding/json %v", body, fast.messagesAsReceived(), slow.messagesAsReceived())
	}
	return true
}

// fastSamples are the bodies callers send: the providers' golden requests.
func fastSamples(t testing.TB) [][]byte {
	files, _ := filepath.Glob("../provider/*/testdata/requests/*.json")
	if len(files) == 0 {
		t.Fatal("no golden requests")
	}
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestDecodeFast(t *testing.T) {
	refused := 0
	samples := fastSamples(t)
	for _, b := range samples {
		if !checkFastDecode(t, b) {
			refused++
		}
	}
	// Golden requests include odd ones on purpose; most must take the fast path.
	if refused > len(samples)/4 {
		t.Errorf("the fast path refused %d of %d golden requests", refused, len(samples))
	}
	const typical = `{"model":"router/r","messages":[` +
		`{"role":"system","content":"You are a concise assistant.\nAnswer in at most three sentences."},` +
		`{"role":"user","content":"Explain \"routing\" in plain words."}],` +
		`"temperature":0.2,"max_tokens":256,"user":"u","metadata":{"team":"bench"},"stream":true,"stream_options":{"include_usage":true}}`
	tests := []struct {
		name   string
		body   string
		accept bool
	}{
		{"typical", typical, true},
		{"empty object", `{}`, true},
		{"nulls", `{"model":null,"messages":null,"stream":null,"temperature":null,"max_tokens":null,"seed":null,"parallel_tool_calls":null,"tools":null}`, true},
		{"empty messages", `{"messages":[]}`, true},
		{"null message", `{"messages":[null,{"role":"user","content":"x"}]}`, true},
		{"content kinds", `{"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c","content":[{"type":"text","text":"a"},{"type":"input_audio","x":1}]},{"role":"user"}]}`, true},
		{"refusal and function_call", `{"messages":[{"role":"assistant","refusal":"no","function_call":{"name":"f"}},{"role":"assistant","refusal":null,"function_call":null}]}`, true},
		{"unknown keys", `{"messages":[{"role":"user","content":"x","cache_control":{"type":"ephemeral"}}],"router":{"strategy":"fallback"},"Model":"upper","logprobs":true}`, true},
		{"other typed fields", `{"stop":["a","b"],"tools":[{"type":"function","function":{"name":"f","parameters":{ "a" : 1 }}}],"tool_choice":"auto","response_format":{"type":"json_object"},"seed":-9223372036854775808,"n":2,"top_p":1,"presence_penalty":-0.5,"frequency_penalty":1e-3,"max_completion_tokens":9}`, true},
		{"escapes", `{"model":"a\/b","messages":[{"role":"user","content":"tab\tquote\"back\\slash\b\f\r"}]}`, true},
		{"unicode escape", `{"messages":[{"role":"user","content":"caf\u00e9 \ud83d\ude00"}]}`, true},
		{"non-ASCII and invalid UTF-8", "{\"messages\":[{\"role\":\"user\",\"content\":\"é \xff\"}]}", true},
		{"space everywhere", " \n{ \"model\" : \"m\" , \"messages\" : [ { \"role\" : \"user\" , \"content\" : \"x\" } ] , \"stream\" : true } \n", true},
		{"metadata kinds", `{"metadata":{"s":"x","n":-1.5e3,"t":true,"f":false,"z":null,"big":9007199254740993}}`, true},
		{"nested metadata", `{"metadata":{"a":{"b":[1,"c"]},"s":"x"}}`, true},
		{"metadata with a repeated key", `{"metadata":{"a":"1","a":"2"}}`, true},
		{"metadata with an escaped key", `{"metadata":{"\u0061":"1","a":"2"}}`, true},
		{"empty metadata", `{"metadata":{}}`, true},
		{"stream_options", `{"stream_options":{"include_usage":false,"include_obfuscation":true,"x":[1]}}`, true},
		{"stream_options nulls", `{"stream_options":{"include_usage":null,"include_obfuscation":null}}`, true},
		// Left to encoding/json.
		{"metadata not an object", `{"metadata":[1]}`, false},
		{"stream_options key in another case", `{"stream_options":{"Include_Usage":true}}`, false},
		{"stream_options not an object", `{"stream_options":true}`, false},
		{"repeated key", `{"model":"a","model":"b"}`, false},
		{"repeated extra key", `{"x":1,"x":2}`, false},
		{"repeated message key", `{"messages":[{"role":"user","role":"system"}]}`, false},
		{"escaped key", `{"mod\u0065l":"m"}`, false},
		{"message key in another case", `{"messages":[{"Role":"user"}]}`, false},
		{"wrong type", `{"model":1}`, false},
		{"float max_tokens", `{"max_tokens":1.5}`, false},
		{"overflowing seed", `{"seed":9223372036854775808}`, false},
		{"message not an object", `{"messages":["hi"]}`, false},
		{"content a number", `{"messages":[{"content":1}]}`, false},
		{"not an object", `[]`, false},
		{"trailing data", `{"model":"m"} {}`, false},
		{"trailing comma", `{"model":"m",}`, false},
		{"cut", `{"model":"m","messages":[{"role":"user"`, false},
		{"bad literal", `{"stream":tru}`, false},
		{"literal run on", `{"stream":truex}`, false},
		{"control character", "{\"model\":\"a\nb\"}", false},
		{"bad unknown value", `{"x":[1,,2]}`, false},
		{"bad metadata", `{"metadata":{"a" 1}}`, false},
		{"nesting past encoding/json's limit", `{"metadata":{"a":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}}`, false},
		{"nesting at encoding/json's limit", `{"metadata":{"a":` + strings.Repeat("[", 9998) + strings.Repeat("]", 9998) + `}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkFastDecode(t, []byte(tt.body)); got != tt.accept {
				t.Errorf("fast path accepted = %v, want %v", got, tt.accept)
			}
		})
	}
}

// FuzzDecodeFast: whenever the one-pass decode accepts a body, the body is
// valid JSON and decodes to exactly what encoding/json makes of it.
func FuzzDecodeFast(f *testing.F) {
	for _, b := range fastSamples(f) {
		f.Add(b)
	}
	for _, s := range []string{
		`{"model":"m","messages":[{"role":"user","content":"hi\n"}],"stream":true,"temperature":0.2,"max_tokens":5}`,
		`{"messages":[{"role":"user","content":[{"type":"text","text":"a"}],"name":"n"}],"stop":"\n","seed":1}`,
		`{"Model":"upper","model":"lower","messages":null,"extra":{"anthropic":{"top_k":3}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkFastDecode(t, body)
	})
}
