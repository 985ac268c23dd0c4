package provider

import (
	"encoding/json"
	"testing"
)

// FuzzEmbedInputs: a caller's embeddings body, whatever it holds, either
// fails to decode or to read (an error naming what is wrong), or yields
// a non-empty list in exactly one of the two shapes, whose items are not
// empty; and reading is deterministic.
func FuzzEmbedInputs(f *testing.F) {
	for _, seed := range []string{
		`{"model":"m","input":"hello"}`,
		`{"model":"m","input":["a","b"]}`,
		`{"model":"m","input":[1,2,3]}`,
		`{"model":"m","input":[[1,2],[3]]}`,
		`{"model":"m","input":[]}`,
		`{"model":"m","input":""}`,
		`{"model":"m","input":[[]]}`,
		`{"model":"m","input":null}`,
		`{"model":"m","input":[1,"a"]}`,
		`{"model":"m","input":[-1, 9223372036854775808]}`,
		`{"model":"m","input":{"x":1}}`,
		`{"model":"m","input":"\u0000\ud800"}`,
		`{"model":"m","input":[1.5]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req EmbedRequest
		if err := json.Unmarshal(body, &req); err != nil {
			return
		}
		in, err := req.Inputs()
		again, err2 := req.Inputs()
		if (err == nil) != (err2 == nil) || in.Len() != again.Len() {
			t.Fatalf("Inputs is not deterministic: %v/%v, %d/%d", err, err2, in.Len(), again.Len())
		}
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an input error with no message")
			}
			return
		}
		if in.Len() == 0 {
			t.Fatalf("no error and no input for %s", body)
		}
		if len(in.Texts) > 0 && len(in.Tokens) > 0 {
			t.Fatalf("texts and token arrays at once for %s", body)
		}
		for i, s := range in.Texts {
			if s == "" {
				t.Fatalf("text %d is empty for %s", i, body)
			}
		}
		for i, toks := range in.Tokens {
			if len(toks) == 0 {
				t.Fatalf("token array %d is empty for %s", i, body)
			}
		}
	})
}
