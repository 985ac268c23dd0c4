package chat

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzDecode: whatever a caller sends, Decode either refuses it with a
// *FieldError that says what is wrong (and names its Param), or returns a
// request whose encoding (what goes upstream to an OpenAI-compatible
// provider) decodes to the same values and encodes to the same bytes.
// The seeds (testdata/fuzz/FuzzDecode and the provider packages' golden
// requests) run in every `go test`; `make fuzz` explores further.
func FuzzDecode(f *testing.F) {
	golden, _ := filepath.Glob("../provider/*/testdata/requests/*.json")
	for _, path := range golden {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"model":"m","messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"input_audio","x":1}]}],"stop":"\n"}`,
		`{"tool_choice":{"type":"function","function":{"name":"f"}},"tools":[{"type":"function","function":{"name":"f","parameters":{ "a" : 1 }}}]}`,
		`{"Model":"upper","model":"lower","messages":null,"extra":{"anthropic":{"top_k":3}}}`,
		`{"metadata":{"big":9007199254740993,"nested":{"a":[1,"b"]}},"seed":-9223372036854775808}`,
		`{"model":"x\",\"messages\":null","messages":[{"role":"user","content":null}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := Decode(body)
		if (req == nil) == (err == nil) {
			t.Fatalf("Decode = %v, %v: want exactly one", req, err)
		}
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Msg == "" {
				t.Fatalf("error %v (%T) is not a *FieldError with a message", err, err)
			}
			if fe.Param != "" && !strings.Contains(fe.Msg, fe.Param) {
				t.Errorf("message %q does not name its param %q", fe.Msg, fe.Param)
			}
			return
		}
		enc, err := req.MarshalJSON()
		if err != nil {
			t.Fatalf("a decoded request does not encode: %v", err)
		}
		again, err := Decode(enc)
		if err != nil {
			t.Fatalf("the encoding of a decoded request does not decode: %v\nbody:    %q\nencoded: %q", err, body, enc)
		}
		sameValues(t, req, again)
		enc2, err := again.MarshalJSON()
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if !bytes.Equal(enc, enc2) {
			t.Errorf("encoding is not stable:\nfirst:  %s\nsecond: %s", enc, enc2)
		}
		// A clone no longer reuses the messages as received: its encoding
		// is built from the decoded messages, content parts and tool calls.
		cenc, err := req.Clone().MarshalJSON()
		if err != nil {
			t.Fatalf("a clone does not encode: %v", err)
		}
		cagain, err := Decode(cenc)
		if err != nil {
			t.Fatalf("the encoding of a clone does not decode: %v\nbody:    %q\nencoded: %q", err, body, cenc)
		}
		sameValues(t, req, cagain)
	})
}

// sameValues checks that the fields the gateway acts on survived a round
// trip through the request's encoding.
func sameValues(t *testing.T, a, b *Request) {
	t.Helper()
	if a.Model != b.Model || a.Stream != b.Stream || a.User != b.User {
		t.Errorf("model/stream/user %q %v %q became %q %v %q", a.Model, a.Stream, a.User, b.Model, b.Stream, b.User)
	}
	for name, p := range map[string][2]any{
		"max_tokens": {a.MaxTokens, b.MaxTokens}, "max_completion_tokens": {a.MaxCompletionTokens, b.MaxCompletionTokens},
		"n": {a.N, b.N}, "seed": {a.Seed, b.Seed}, "temperature": {a.Temperature, b.Temperature}, "top_p": {a.TopP, b.TopP},
		"stream_options": {a.StreamOptions, b.StreamOptions}, "tool_choice": {a.ToolChoice, b.ToolChoice},
		"parallel_tool_calls": {a.ParallelToolCalls, b.ParallelToolCalls},
	} {
		if !reflect.DeepEqual(p[0], p[1]) {
			t.Errorf("%s changed on a round trip: %v -> %v", name, deref(p[0]), deref(p[1]))
		}
	}
	// An empty metadata object is left out of the encoding (omitempty),
	// which means the same: no metadata.
	if len(a.Metadata) != len(b.Metadata) || (len(a.Metadata) > 0 && !reflect.DeepEqual(a.Metadata, b.Metadata)) {
		t.Errorf("metadata %v became %v", a.Metadata, b.Metadata)
	}
	if len(a.Stop) != len(b.Stop) || (len(a.Stop) > 0 && !reflect.DeepEqual(a.Stop, b.Stop)) {
		t.Errorf("stop %q became %q", a.Stop, b.Stop)
	}
	if len(a.Messages) != len(b.Messages) {
		t.Fatalf("%d messages became %d", len(a.Messages), len(b.Messages))
	}
	for i := range a.Messages {
		x, y := a.Messages[i], b.Messages[i]
		if x.Role != y.Role || x.Content.String() != y.Content.String() || x.Content.IsParts != y.Content.IsParts ||
			len(x.ToolCalls) != len(y.ToolCalls) || x.ToolCallID != y.ToolCallID {
			t.Errorf("messages[%d] %+v became %+v", i, x, y)
		}
	}
	if len(a.Tools) != len(b.Tools) || len(a.Extra) != len(b.Extra) {
		t.Errorf("tools/extra %d/%d became %d/%d", len(a.Tools), len(a.Extra), len(b.Tools), len(b.Extra))
	}
	for k := range a.Extra {
		if _, ok := b.Extra[k]; !ok {
			t.Errorf("extra field %q lost on a round trip", k)
		}
	}
}

func deref(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		return rv.Elem().Interface()
	}
	return v
}
