package responses

import (
	"encoding/json"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// FuzzDecode: no body makes Decode, the translation to chat or the
// encoder panic; a translation Decode accepted stays within chat's limits
// and marshals.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"model":"m","input":"hi"}`,
		`{"model":"m","input":[{"role":"user","content":[{"type":"input_text","text":"a"},{"type":"input_image","image_url":"data:image/png;base64,AA"}]},{"type":"function_call","call_id":"c","name":"f","arguments":"{}"},{"type":"function_call_output","call_id":"c","output":[{"type":"input_text","text":"x"}]}],"tools":[{"type":"function","name":"f"},{"type":"web_search"}],"tool_choice":{"type":"function","name":"f"},"text":{"format":{"type":"json_schema","name":"n","schema":{}}},"max_output_tokens":5}`,
		`{"model":"m","input":[{"role":"assistant","content":[{"type":"refusal","refusal":"no"}]}],"instructions":null,"reasoning":{"effort":"high"}}`,
		`{"input":[[[[[]]]]]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := Decode(body)
		if err != nil {
			if _, ok := err.(*chat.FieldError); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		req, _ := r.ToChat()
		if req == nil {
			t.Fatal("an accepted request has no chat form")
		}
		if fe := req.CheckLimits(); fe != nil {
			t.Fatalf("translation out of limits: %v", fe)
		}
		if _, err := req.MarshalJSON(); err != nil {
			t.Fatalf("translation does not marshal: %v", err)
		}
		enc := NewEncoder(r, func(string, []byte) error { return nil })
		_ = enc.Begin("resp_1", r.Model, 0)
		s := "x"
		_ = enc.Chunk(&chat.Chunk{Choices: []chat.ChunkChoice{{Delta: chat.Delta{Content: &s}}}})
		if err := enc.End(); err != nil {
			t.Fatal(err)
		}
		if _, err := json.Marshal(enc.Response()); err != nil {
			t.Fatal(err)
		}
	})
}
