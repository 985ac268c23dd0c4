package condition

import (
	"encoding/json"
	"testing"
)

// parse decodes a JSON condition the way the config loader hands it over
// (numbers as float64).
func parse(t testing.TB, s string) any {
	t.Helper()
	var doc any
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return doc
}

func mustCompile(t testing.TB, doc any) *Expr {
	t.Helper()
	e, err := Compile(doc)
	if err != nil {
		t.Fatalf("Compile(%v): %v", doc, err)
	}
	return e
}

// requestVars resembles what the router builds for one request, with the
// mix of Go number types different decoders produce.
func requestVars() MapVars {
	return MapVars{
		"user": "alice",
		"metadata": map[string]any{
			"tier":    "premium",
			"team.id": "t-1",
			"tags":    []any{"beta", "eu", 3.0},
			"score":   7.5,
			"nothing": nil,
			"nested":  map[string]any{"k": "v"},
			"ids":     []string{"a", "b"},
			"big":     int64(1<<62 + 1),
		},
		"headers": map[string]any{"x-team": "search"},
		"params": map[string]any{
			"model":       "gpt-4o",
			"temperature": 0.2,
			"max_tokens":  1024, // int, as from YAML
			"stream":      true,
		},
		"request": map[string]any{
			"input_tokens": int64(12000),
			"has_tools":    false,
			"has_images":   true,
			"messages":     json.Number("4"),
		},
		"budget.monthly.remaining_pct": 12.5, // a flat dotted key
		"geo":                          map[string]any{"country": "DE"},
		"time":                         map[string]any{"hour_utc": uint8(14), "weekday": "tuesday"},
	}
}
