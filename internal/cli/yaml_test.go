package cli

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestWriteYAMLRoundTrip: what config pull prints parses back to the same
// document, including strings yaml.v3 would otherwise mangle.
func TestWriteYAMLRoundTrip(t *testing.T) {
	doc := map[string]any{
		"routers": map[string]any{"r": map[string]any{"strategy": "fallback",
			"targets": []any{map[string]any{"model": "p/m", "params": map[string]any{"stop": []any{"\n", " lead", "a\nb"}, "temperature": 0.2, "n": 1}}}}},
		"providers": map[string]any{"p": map[string]any{"type": "mock", "fail_rate": 0.5, "headers": map[string]any{"x": "tab\there"}}},
	}
	var out bytes.Buffer
	if err := writeYAML(&out, doc); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := yaml.Unmarshal(out.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, doc) {
		t.Errorf("round trip changed the document:\n%s\ngot  %#v\nwant %#v", out.String(), back, doc)
	}
	if strings.Index(out.String(), "providers:") > strings.Index(out.String(), "routers:") {
		t.Error("sections are not in schema order")
	}
}

func TestHelpFlags(t *testing.T) {
	for _, arg := range []string{"-h", "--help", "help"} {
		var out, errOut bytes.Buffer
		if code := Main(context.Background(), []string{arg}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "usage: gateway") {
			t.Errorf("%s: exit %d, stdout %q", arg, code, out.String())
		}
	}
}
