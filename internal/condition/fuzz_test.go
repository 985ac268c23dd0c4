package condition

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

// FuzzCompileEval: whatever document a config holds, Compile either rejects
// it or yields an Expr whose Eval does not panic. The seeds run in every
// `go test`; `go test -fuzz FuzzCompileEval` explores further.
func FuzzCompileEval(f *testing.F) {
	for _, r := range routes {
		f.Add(r, false)
	}
	for _, s := range []string{
		`{}`, `null`, `[]`, `{"$not": {}}`, `{"metadata.a": {"$in": [[1], {"b": null}]}}`,
		`{"metadata.tags": {"$eq": ["beta", "eu", 3]}}`, `{"metadata.big": {"$gt": 1e400}}`,
		`{"request.messages": {"$lte": 4.0000000001}}`, `{"metadata.nested": {"$eq": {"k": "v"}}}`,
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	vars := requestVars()
	f.Fuzz(func(t *testing.T, src string, useNumber bool) {
		dec := json.NewDecoder(bytes.NewReader([]byte(src)))
		if useNumber {
			dec.UseNumber()
		}
		var doc any
		if dec.Decode(&doc) != nil {
			return
		}
		e, err := Compile(doc)
		if (e == nil) == (err == nil) {
			t.Fatalf("Compile(%s) = %v, %v: want exactly one", src, e, err)
		}
		if e == nil {
			return
		}
		e.Eval(vars)
		e.Eval(nil)
		if v := e.Variables(); !slices.IsSorted(v) || len(slices.Compact(slices.Clone(v))) != len(v) {
			t.Errorf("Variables() = %q: not sorted and unique", v)
		}
	})
}
