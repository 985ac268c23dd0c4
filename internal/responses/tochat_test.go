package responses

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/pricing"
)

// TestToChat: what translation keeps, parameter by parameter, as the
// chat body a non-native target is sent.
func TestToChat(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string // the chat request's JSON
	}{
		{"string input and instructions",
			`{"model":"m","input":"Hi","instructions":"Be brief.","temperature":0.5,"top_p":0.9,"max_output_tokens":64,"user":"u1","store":true}`,
			`{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}],"temperature":0.5,"top_p":0.9,"max_tokens":64,"user":"u1"}`},
		{"message items with parts",
			`{"model":"m","input":[{"type":"message","role":"developer","content":[{"type":"input_text","text":"Rules."}]},{"role":"user","content":[{"type":"input_text","text":"What is this?"},{"type":"input_image","image_url":"https://x/y.png","detail":"low"}]},{"role":"assistant","content":[{"type":"output_text","text":"A cat."}]}]}`,
			`{"model":"m","messages":[{"role":"developer","content":"Rules."},{"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"https://x/y.png","detail":"low"}}]},{"role":"assistant","content":"A cat."}]}`},
		{"function call round trip, parallel calls merged into one turn",
			`{"model":"m","input":[{"role":"user","content":"Weather?"},{"role":"assistant","content":"Checking."},{"type":"function_call","call_id":"c1","name":"w","arguments":"{\"a\":1}"},{"type":"function_call","call_id":"c2","name":"t","arguments":"{}"},{"type":"function_call_output","call_id":"c1","output":"18C"},{"type":"function_call_output","call_id":"c2","output":[{"type":"input_text","text":"noon"}]},{"type":"reasoning","id":"rs_1","summary":[]}]}`,
			`{"model":"m","messages":[{"role":"user","content":"Weather?"},{"role":"assistant","content":"Checking.","tool_calls":[{"id":"c1","type":"function","function":{"name":"w","arguments":"{\"a\":1}"}},{"id":"c2","type":"function","function":{"name":"t","arguments":"{}"}}]},{"role":"tool","content":"18C","tool_call_id":"c1"},{"role":"tool","content":"noon","tool_call_id":"c2"}]}`},
		{"tools, tool_choice, text.format, reasoning, router",
			`{"model":"m","input":"x","tools":[{"type":"function","name":"w","description":"d","parameters":{"type":"object"},"strict":true}],"tool_choice":{"type":"function","name":"w"},"parallel_tool_calls":false,"text":{"format":{"type":"json_schema","name":"out","schema":{"type":"object"},"strict":true}},"reasoning":{"effort":"low"},"router":{"strategy":"fallback","targets":[{"model":"a/b"}]},"metadata":{"k":"v"}}`,
			`{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"w","description":"d","parameters":{"type":"object"},"strict":true}}],"tool_choice":{"function":{"name":"w"},"type":"function"},"parallel_tool_calls":false,"response_format":{"type":"json_schema","json_schema":{"name":"out","schema":{"type":"object"},"strict":true}},"metadata":{"k":"v"},"reasoning_effort":"low","router":{"strategy":"fallback","targets":[{"model":"a/b"}]}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Decode([]byte(tc.body))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			req, unsupported := r.ToChat()
			if unsupported != nil {
				t.Fatalf("unsupported: %+v", unsupported)
			}
			got, err := req.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if !jsonEqual(t, got, []byte(tc.want)) {
				t.Errorf("chat request:\n%s\nwant:\n%s", got, tc.want)
			}
			if fe := req.CheckLimits(); fe != nil {
				t.Errorf("translation out of chat's limits: %v", fe)
			}
		})
	}
}

// TestToChatUnsupported: what chat cannot carry is named, not dropped;
// the rest is still translated (for routing).
func TestToChatUnsupported(t *testing.T) {
	tests := []struct{ name, body, param string }{
		{"built-in tool", `{"model":"m","input":"x","tools":[{"type":"function","name":"f"},{"type":"file_search","vector_store_ids":["vs"]}]}`, "tools[1].type"},
		{"file input", `{"model":"m","input":[{"role":"user","content":[{"type":"input_file","file_id":"f"}]}]}`, "input[0].content[0]"},
		{"image by file id", `{"model":"m","input":[{"role":"user","content":[{"type":"input_image","file_id":"f"}]}]}`, "input[0].content[0].image_url"},
		{"image in a tool's output", `{"model":"m","input":[{"type":"function_call_output","call_id":"c","output":[{"type":"input_text","text":"see"},{"type":"input_image","image_url":"https://x/y.png"}]}]}`, "input[0].output[1]"},
		{"item reference", `{"model":"m","input":[{"role":"user","content":"x"},{"type":"item_reference","id":"msg_1"}]}`, "input[1].type"},
		{"hosted tool_choice", `{"model":"m","input":"x","tool_choice":{"type":"web_search"}}`, "tool_choice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Decode([]byte(tc.body))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			req, unsupported := r.ToChat()
			if unsupported == nil || unsupported.Param != tc.param || unsupported.Code != "unsupported_parameter" {
				t.Fatalf("unsupported = %+v, want param %s", unsupported, tc.param)
			}
			if req == nil || req.Model != "m" {
				t.Errorf("no translation for routing: %+v", req)
			}
		})
	}
}

// TestDecodeRefuses: the door's checks, each naming its parameter.
func TestDecodeRefuses(t *testing.T) {
	tests := []struct{ name, body, param, code string }{
		{"not an object", `[1]`, "", ""},
		{"previous_response_id", `{"model":"m","input":"x","previous_response_id":"resp_1"}`, "previous_response_id", "unsupported_parameter"},
		{"conversation", `{"model":"m","input":"x","conversation":{"id":"conv_1"}}`, "conversation", "unsupported_parameter"},
		{"no input", `{"model":"m"}`, "input", "missing_required_parameter"},
		{"empty input", `{"model":"m","input":[]}`, "input", ""},
		{"input a number", `{"model":"m","input":3}`, "input", ""},
		{"max_output_tokens 0", `{"model":"m","input":"x","max_output_tokens":0}`, "max_output_tokens", chat.CodeBelowMin},
		{"max_output_tokens huge", `{"model":"m","input":"x","max_output_tokens":9223372036854775807}`, "max_output_tokens", chat.CodeAboveMax},
		{"temperature a string", `{"model":"m","input":"x","temperature":"hot"}`, "temperature", ""},
		{"role missing", `{"model":"m","input":[{"content":"x"}]}`, "input[0].role", ""},
		{"part type unknown", `{"model":"m","input":[{"role":"user","content":[{"type":"video"}]}]}`, "input[0].content[0].type", ""},
		{"function_call without name", `{"model":"m","input":[{"type":"function_call","call_id":"c"}]}`, "input[0].call_id", ""},
		{"function_call_output without output", `{"model":"m","input":[{"type":"function_call_output","call_id":"c"}]}`, "input[0].output", ""},
		{"function tool without name", `{"model":"m","input":"x","tools":[{"type":"function"}]}`, "tools[0].name", ""},
		{"too many items", `{"model":"m","input":[` + strings.Repeat(`{"role":"user","content":"x"},`, MaxInputItems) + `{"role":"user","content":"x"}]}`, "input", "array_above_max_length"},
		{"too many parts", `{"model":"m","input":[{"role":"user","content":[` + strings.Repeat(`{"type":"input_text","text":""},`, MaxContentParts) + `{"type":"input_text","text":""}]}]}`, "input[0].content", "array_above_max_length"},
		{"nesting past the JSON decoder's depth", `{"model":"m","input":"x","metadata":` + strings.Repeat(`[`, 20_000) + strings.Repeat(`]`, 20_000) + `}`, "", ""},
		{"too many tools", `{"model":"m","input":"x","tools":[` + strings.Repeat(`{"type":"function","name":"f"},`, MaxTools) + `{"type":"function","name":"f"}]}`, "tools", "array_above_max_length"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.body))
			fe, ok := err.(*chat.FieldError)
			if !ok || fe.Param != tc.param || fe.Code != tc.code || fe.Msg == "" {
				t.Fatalf("err = %#v, want param %q code %q", err, tc.param, tc.code)
			}
		})
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%v: %s", err, a)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

// TestToChatEstimateCountsWhatOnlyNativeTakes: a request only a native
// target can serve (here: a message with an input_file part) is sent as
// the caller wrote it, so its chat form, which estimates read, still
// counts the whole input: 400 KB of text is not estimated as nothing.
func TestToChatEstimateCountsWhatOnlyNativeTakes(t *testing.T) {
	big := strings.Repeat("x", 400_000)
	body := `{"model":"m","input":[{"role":"user","content":[{"type":"input_text","text":"` + big +
		`"},{"type":"input_file","file_id":"file-1"}]}]}`
	r, err := Decode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	req, unsupported := r.ToChat()
	if unsupported == nil || req == nil {
		t.Fatalf("unsupported %v, req %v: want a chat form and a note", unsupported, req)
	}
	if n := pricing.EstimateInputTokens(req); n < len(big)/pricing.BytesPerToken {
		t.Errorf("estimated %d input tokens for %d bytes of text", n, len(big))
	}
}
