package condition

import "testing"

func TestMapVarsLookup(t *testing.T) {
	vars := MapVars{
		"user":       "alice",
		"a.b":        "flat",
		"a":          map[string]any{"b": "nested", "c": map[string]any{"d": 1.0}, "x.y": "dotted key"},
		"headers":    map[string]string{"x-team": "search"},
		"sub":        MapVars{"k": "v"},
		"leaf":       "text",
		"null":       nil,
		"p":          map[string]any{"q.r": map[string]any{"s": "deep dotted"}},
		"budget.m":   map[string]any{"remaining_pct": 40.0},
		"budget":     map[string]any{"other": map[string]any{"remaining_pct": 10.0}},
		"list":       []any{map[string]any{"k": "v"}},
		"empty.tail": map[string]any{},
	}
	tests := []struct {
		name   string
		want   any
		wantOK bool
	}{
		{"user", "alice", true},
		{"a.b", "flat", true}, // the flat key wins
		{"a.c.d", 1.0, true},
		{"a.x.y", "dotted key", true},
		{"headers.x-team", "search", true},
		{"headers.x-other", nil, false},
		{"sub.k", "v", true},
		{"null", nil, true},
		{"p.q.r.s", "deep dotted", true},
		{"budget.m.remaining_pct", 40.0, true},
		{"budget.other.remaining_pct", 10.0, true},
		{"absent", nil, false},
		{"leaf.deeper", nil, false},
		{"list.0.k", nil, false}, // lists are not indexed
		{"a.c.d.e", nil, false},
		{"empty.tail.x", nil, false},
		{"", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := vars.Lookup(tt.name)
			if ok != tt.wantOK || got != tt.want {
				t.Errorf("Lookup(%q) = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
