package config

import (
	"reflect"
	"testing"
)

// TestDecodeAndValidationErrorsTogether: one run reports every problem —
// a bad duration and an unknown field do not hide an unknown provider or
// a cycle elsewhere — but not the echoes of a decode error (a router
// whose only target failed to decode is not also "without targets").
func TestDecodeAndValidationErrorsTogether(t *testing.T) {
	yml := `
providers:
  x: {type: mock, latency: fast}
routers:
  r: {strategy: fallback, targets: [{model: y/z}], bogus: 1}
  c1: {strategy: fallback, targets: [{router: c2}]}
  c2: {strategy: fallback, targets: [{router: c1}]}
  broken: {strategy: fallback, targets: [{model: x/a, weight: heavy}]}
`
	_, err := Parse([]byte(yml))
	errs, ok := err.(Errors)
	if !ok {
		t.Fatalf("Parse = %v, want Errors", err)
	}
	var paths []string
	for _, e := range errs {
		paths = append(paths, e.Path)
	}
	want := []string{
		"providers.x.latency",              // decode: bad duration
		"routers.broken.targets[0].weight", // decode: wrong type
		"routers.r.bogus",                  // decode: unknown field
		"routers.r.targets[0].model",       // validation: unknown provider
		"routers.c1",                       // validation: cycle
	}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("error paths\n got %v\nwant %v\n%v", paths, want, err)
	}
}

func TestPathWithin(t *testing.T) {
	cases := []struct {
		path, base string
		want       bool
	}{
		{"a.b", "a.b", true}, {"a.b.c", "a.b", true}, {"a.b[0].c", "a.b", true}, {"a.b[0]", "a.b[0]", true},
		{"a.bc", "a.b", false}, {"a", "a.b", false}, {"x", "", true},
	}
	for _, c := range cases {
		if got := pathWithin(c.path, c.base); got != c.want {
			t.Errorf("pathWithin(%q, %q) = %v", c.path, c.base, got)
		}
	}
}
