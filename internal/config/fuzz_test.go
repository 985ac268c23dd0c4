package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse: whatever a config file holds, Parse either refuses it with
// Errors that list each problem, the same way every time (the order is
// part of `gateway validate`'s contract), or returns a config that config
// pull can encode (Document, then JSON, a YAML subset) and push can read
// back to an equal config.
func FuzzParse(f *testing.F) {
	var seeds []string
	for _, pattern := range []string{"testdata/*.yaml", "testdata/*.json", "testdata/vllora/*.json",
		"../cli/testdata/*.yaml", "../cli/testdata/*.json", "../../examples/*.yaml"} {
		m, _ := filepath.Glob(pattern)
		seeds = append(seeds, m...)
	}
	for _, path := range seeds {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		if (cfg == nil) == (err == nil) {
			t.Fatalf("Parse = %v, %v: want exactly one", cfg, err)
		}
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %v (%T) is not a non-empty config.Errors", err, err)
			}
			for _, e := range errs {
				if e.Msg == "" {
					t.Errorf("an error at %q has no message", e.Path)
				}
			}
			if _, again := Parse(data); again == nil || again.Error() != err.Error() {
				t.Errorf("Parse is not deterministic:\nfirst:  %v\nsecond: %v", err, again)
			}
			return
		}
		doc, err := cfg.Document()
		if err != nil {
			t.Fatalf("Document of a valid config: %v", err)
		}
		back, err := FromDocument(doc)
		if err != nil {
			t.Fatalf("FromDocument(Document()) of a valid config: %v\ninput: %.300q", err, data)
		}
		if !reflect.DeepEqual(back, cfg) {
			t.Errorf("Document round trip changed the config:\nbefore %+v\nafter  %+v\ninput: %.300q", cfg, back, data)
		}
		raw, err := json.Marshal(doc)
		if err != nil {
			t.Fatalf("a valid config's document does not encode as JSON: %v\ninput: %.300q", err, data)
		}
		again, err := Parse(raw)
		if err != nil {
			t.Fatalf("the JSON encoding of a valid config does not parse: %v\nencoded: %.300s\ninput: %.300q", err, raw, data)
		}
		if !reflect.DeepEqual(again, cfg) {
			t.Errorf("JSON round trip changed the config:\nbefore %+v\nafter  %+v\nencoded: %.300s", cfg, again, raw)
		}
	})
}
