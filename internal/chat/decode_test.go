package chat

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestDecodeErrors: a body the caller got wrong is refused with a
// *FieldError naming the offending value by its path, array indices
// included, in one wording.
func TestDecodeErrors(t *testing.T) {
	const msg = `{"role":"user","content":"hi"}`
	tests := []struct {
		name, body, param, msg string
	}{
		{"empty", "", "", "the request body is empty; it must be a JSON object with model and messages"},
		{"whitespace", " \r\n\t", "", "the request body is empty; it must be a JSON object with model and messages"},
		{"not JSON", "hello", "", "the request body is not valid JSON: invalid character 'h' looking for beginning of value at line 1, column 1"},
		{"truncated", `{"model":"m","messages":[`, "", "the request body is not valid JSON: it ends before the JSON value is complete"},
		{"syntax on line 2", "{\"model\":\"m\",\n}", "", "the request body is not valid JSON: invalid character '}' looking for beginning of object key string at line 2, column 1"},
		{"an array", "[1]", "", "the request body must be a JSON object, not an array"},
		{"null", " null", "", "the request body must be a JSON object, not null"},
		{"trailing data", `{"model":"m"} x`, "", "the request body must be a single JSON object, but more follows it at line 1, column 15"},
		{"a second object", "{}\n\n{}", "", "the request body must be a single JSON object, but more follows it at line 3, column 1"},
		{"messages an object", `{"messages":{}}`, "messages", "messages must be an array, not an object"},
		{"message a string", `{"messages":[` + msg + `,"hi"]}`, "messages[1]", "messages[1] must be an object, not a string"},
		{"role a number", `{"messages":[{"role":3}]}`, "messages[0].role", "messages[0].role must be a string, not a number"},
		{"content a number", `{"messages":[` + msg + `,{"role":"user","content":3}]}`, "messages[1].content",
			"messages[1].content must be a string, an array of content parts or null, not a number"},
		{"content part a string", `{"messages":[{"role":"user","content":[{"type":"text","text":"a"},"b"]}]}`, "messages[0].content[1]",
			"messages[0].content[1] must be an object, not a string"},
		{"image url a number", `{"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":5}}]}]}`,
			"messages[0].content[1].image_url.url", "messages[0].content[1].image_url.url must be a string, not a number"},
		{"tool call id a number", `{"messages":[{"role":"assistant","tool_calls":[{"id":"a"},{"id":3}]}]}`,
			"messages[0].tool_calls[1].id", "messages[0].tool_calls[1].id must be a string, not a number"},
		{"nested keys match case-insensitively", `{"messages":[{"ROLE":3}]}`, "messages[0].ROLE", "messages[0].ROLE must be a string, not a number"},
		{"temperature a string", `{"temperature":"hot"}`, "temperature", "temperature must be a number, not a string"},
		{"max_tokens fractional", `{"max_tokens":3.5}`, "max_tokens", "max_tokens must be an integer, not 3.5"},
		{"stream a string", `{"stream":"yes"}`, "stream", "stream must be a boolean, not a string"},
		{"stream_options.include_usage a string", `{"stream_options":{"include_usage":"yes"}}`, "stream_options.include_usage",
			"stream_options.include_usage must be a boolean, not a string"},
		{"stop a number", `{"stop":3}`, "stop", "stop must be a string or an array of strings, not a number"},
		{"a stop of the wrong type", `{"stop":["a",3]}`, "stop[1]", "stop[1] must be a string, not a number"},
		{"tool_choice a number", `{"tool_choice":3}`, "tool_choice",
			`tool_choice must be "auto", "none", "required" or {"type":"function","function":{"name":...}}, not a number`},
		{"tool_choice without a name", `{"tool_choice":{"type":"function"}}`, "tool_choice.function.name", "tool_choice.function.name is required"},
		{"tool_choice name a number", `{"tool_choice":{"type":"function","function":{"name":3}}}`, "tool_choice.function.name",
			"tool_choice.function.name must be a string, not a number"},
		{"a tool name a number", `{"tools":[{"type":"function","function":{"name":3}}]}`, "tools[0].function.name",
			"tools[0].function.name must be a string, not a number"},
		{"metadata a string", `{"metadata":"x"}`, "metadata", "metadata must be an object, not a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := Decode([]byte(tt.body))
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Decode = %+v, %v; want a *FieldError", req, err)
			}
			if fe.Param != tt.param || fe.Msg != tt.msg {
				t.Errorf("param %q msg %q\nwant  %q msg %q", fe.Param, fe.Msg, tt.param, tt.msg)
			}
		})
	}
}

// TestDecodeNamesTheFirstProblem: with several wrong fields, the first
// sent is named, every time (the decoder meets fields in map order).
func TestDecodeNamesTheFirstProblem(t *testing.T) {
	body := []byte(`{"model":"m","top_p":"x","messages":3,"temperature":"hot","n":"y","seed":"z","stop":1,"user":2,"stream":"s"}`)
	for range 20 {
		_, err := Decode(body)
		if fe, _ := err.(*FieldError); fe == nil || fe.Param != "top_p" {
			t.Fatalf("Decode error %v, want top_p named", err)
		}
	}
}

// TestUnmarshalSpeaksLikeDecode: decoding with json.Unmarshal (as
// WithParams does) names a wrong field as Decode does.
func TestUnmarshalSpeaksLikeDecode(t *testing.T) {
	for _, body := range []string{
		`{"temperature":"hot"}`,
		`{"max_tokens":3.5}`,
		`{"messages":[{"role":"user","content":"a"},{"role":"user","content":5}]}`,
		`{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":5}}]}]}`,
		`{"stop":5}`,
		`{"tool_choice":{"type":"function"}}`,
	} {
		var r Request
		err := json.Unmarshal([]byte(body), &r)
		_, want := Decode([]byte(body))
		var fe *FieldError
		if !errors.As(err, &fe) || want == nil || *fe != *want.(*FieldError) {
			t.Errorf("%s: json.Unmarshal error %#v, Decode's %#v", body, err, want)
		}
	}
}

// goisms are Go's decoding vocabulary, which must never reach a caller.
var (
	goisms    = []string{"Go value", "Go struct", "json:", "map[", "RawMessage", "chat.", "unmarshal", "[]", "*"}
	goisTypes = regexp.MustCompile(`\b(u?int(8|16|32|64)?|float(32|64)|struct|interface|ptr|slice)\b`)
)

// TestDecodeNeverSpeaksGo replaces every value of a full request, one at a
// time, with values of every JSON kind. Decode must then agree with
// json.Unmarshal and CheckLimits on whether the body decodes, and each refusal must be a
// *FieldError about the replaced value (or a value inside it) whose
// message names it and holds no Go vocabulary.
func TestDecodeNeverSpeaksGo(t *testing.T) {
	var full any
	if err := json.Unmarshal([]byte(fullRequest), &full); err != nil {
		t.Fatal(err)
	}
	replacements := []any{"x", 3.5, 7, -1, true, nil, map[string]any{}, []any{}, []any{"x"}, []any{3}, []any{map[string]any{}},
		map[string]any{"a": 1}, map[string]any{"type": "function"}, map[string]any{"url": 5}}
	refused := 0
	for _, p := range paths(full, "") {
		for _, rep := range replacements {
			body, err := json.Marshal(replaced(full, p, rep))
			if err != nil {
				t.Fatal(err)
			}
			var plain Request
			wantErr := json.Unmarshal(body, &plain) != nil || plain.CheckLimits() != nil
			_, err = Decode(body)
			if (err != nil) != wantErr {
				t.Errorf("%s := %v: Decode error %v, json.Unmarshal failed: %v", p, rep, err, wantErr)
				continue
			}
			if err == nil {
				continue
			}
			refused++
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Errorf("%s := %v: %T %v, want a *FieldError", p, rep, err, err)
				continue
			}
			if !strings.HasPrefix(fe.Param, p) || !strings.HasPrefix(fe.Msg, fe.Param+" ") {
				t.Errorf("%s := %v: param %q msg %q, want the param under %s and named by the message", p, rep, fe.Param, fe.Msg, p)
			}
			// The part after the param is the gateway's wording; the
			// param itself is the caller's own key.
			wording := strings.TrimPrefix(fe.Msg, fe.Param)
			for _, bad := range goisms {
				if strings.Contains(wording, bad) {
					t.Errorf("%s := %v: message %q speaks Go (%q)", p, rep, fe.Msg, bad)
				}
			}
			if bad := goisTypes.FindString(wording); bad != "" {
				t.Errorf("%s := %v: message %q speaks Go (%q)", p, rep, fe.Msg, bad)
			}
		}
	}
	if refused < 100 {
		t.Errorf("only %d replacements were refused; the walk over the request is broken", refused)
	}
}

// fullRequest sets every typed field of Request, and a few kept in Extra.
const fullRequest = `{"model":"m","messages":[
 {"role":"system","content":"be brief","name":"sys"},
 {"role":"user","content":[{"type":"text","text":"what is this?"},{"type":"image_url","image_url":{"url":"https://x/y.png","detail":"low"}},
  {"type":"input_audio","input_audio":{"data":"AAA=","format":"wav"}}]},
 {"role":"assistant","content":null,"refusal":"no","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}],
  "function_call":{"name":"f","arguments":"{}"}},
 {"role":"tool","tool_call_id":"c1","content":"42"}],
 "stream":true,"stream_options":{"include_usage":true,"include_obfuscation":false},"temperature":0.5,"top_p":1,"max_tokens":10,
 "max_completion_tokens":20,"stop":["a","b"],"seed":1,"n":1,"presence_penalty":0,"frequency_penalty":0,
 "tools":[{"type":"function","function":{"name":"f","description":"d","parameters":{"type":"object"},"strict":true}}],
 "tool_choice":{"type":"function","function":{"name":"f"}},"parallel_tool_calls":false,
 "response_format":{"type":"json_schema","json_schema":{"name":"s","description":"d","schema":{"type":"object"},"strict":true}},
 "user":"u","metadata":{"k":"v"},"logprobs":true,"extra":{"openai":{"x":1}}}`

// paths lists the path of every value inside v, in Decode's notation,
// in a fixed order.
func paths(v any, at string) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := join(at, k)
			out = append(out, p)
			out = append(out, paths(v[k], p)...)
		}
	case []any:
		for i, e := range v {
			p := fmt.Sprintf("%s[%d]", at, i)
			out = append(out, p)
			out = append(out, paths(e, p)...)
		}
	}
	return out
}

// replaced returns a deep copy of v with the value at path set to rep.
func replaced(v any, path string, rep any) any {
	return replaceAt(v, "", path, rep)
}

func replaceAt(v any, at, path string, rep any) any {
	if at == path {
		return rep
	}
	switch v := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(v))
		for k, e := range v {
			c[k] = replaceAt(e, join(at, k), path, rep)
		}
		return c
	case []any:
		c := make([]any, len(v))
		for i, e := range v {
			c[i] = replaceAt(e, fmt.Sprintf("%s[%d]", at, i), path, rep)
		}
		return c
	}
	return v
}

func TestDecodeValid(t *testing.T) {
	req, err := Decode([]byte(" \n" + fullRequest + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	var want Request
	if err := json.Unmarshal([]byte(fullRequest), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(req, &want) {
		t.Errorf("Decode = %+v\nwant %+v", req, &want)
	}
}

func TestStreamOptionsWithUsage(t *testing.T) {
	if got := (*StreamOptions)(nil).WithUsage(); got == nil || *got != (StreamOptions{IncludeUsage: true}) {
		t.Errorf("nil.WithUsage() = %+v", got)
	}
	off := false
	o := &StreamOptions{IncludeObfuscation: &off}
	got := o.WithUsage()
	if !got.IncludeUsage || got.IncludeObfuscation == nil || *got.IncludeObfuscation {
		t.Errorf("WithUsage() = %+v, want include_usage and the caller's include_obfuscation", got)
	}
	if o.IncludeUsage || got == o {
		t.Error("WithUsage changed the caller's options instead of copying them")
	}
}

func BenchmarkDecode(b *testing.B) {
	body := []byte(fullRequest)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(body); err != nil {
			b.Fatal(err)
		}
	}
}
