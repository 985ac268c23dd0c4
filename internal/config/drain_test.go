package config

import (
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"
)

// drained lists, per target path, whether r's targets (nested routers'
// included) are drained.
func drained(r *Router, path string, out map[string]bool) {
	walk := func(p string, ts []Target) {
		for i, t := range ts {
			tp := index(p, i)
			out[tp] = t.Drained
			if t.Inline != nil {
				drained(t.Inline, tp, out)
			}
		}
	}
	walk(path+".targets", r.Targets)
	walk(path+".default", r.Default)
	for i, rt := range r.Routes {
		walk(index(path+".routes", i)+".targets", rt.Targets)
	}
}

// TestExplicitZeroWeightDrains: weighted takes an unset weight as 1, so an
// explicit weight: 0 must be told apart: on a router whose strategy reads
// weights it drains the target (DESIGN §9); elsewhere weights are not
// read and it means nothing.
func TestExplicitZeroWeightDrains(t *testing.T) {
	tests := []struct {
		name, doc string
		want      map[string]bool // only the drained targets
	}{
		{"weighted", router("{strategy: weighted, targets: [{model: p/x, weight: 3}, {model: o/y, weight: 0}]}"),
			map[string]bool{"r.targets[1]": true}},
		{"weighted with 0.0", router("{strategy: weighted, targets: [{model: p/x, weight: 0.0}, o/y]}"),
			map[string]bool{"r.targets[0]": true}},
		{"weighted unset is not drained", router("{strategy: weighted, targets: [p/x, {model: o/y, weight: 2}]}"), nil},
		{"percentage", router("{strategy: percentage, targets: [{model: p/x, weight: 70}, {model: o/y, weight: 0}]}"),
			map[string]bool{"r.targets[1]": true}},
		{"vLLora type spelling", router("{type: a_b_testing, targets: [{model: p/x, weight: 0}, {model: o/y, weight: 1}]}"),
			map[string]bool{"r.targets[0]": true}},
		{"named router target", provs + "routers:\n  r: {strategy: weighted, targets: [p/x, {router: s, weight: 0}]}\n  s: {strategy: fallback, targets: [o/y]}\n",
			map[string]bool{"r.targets[1]": true}},
		{"inline router target", router("{strategy: weighted, targets: [p/x, {strategy: fallback, weight: 0, targets: [o/y]}]}"),
			map[string]bool{"r.targets[1]": true}},
		{"in targets_percentages", router("{targets_percentages: [100, 0], targets: [p/x, o/y]}"),
			map[string]bool{"r.targets[1]": true}},
		{"nested weighted router inside a fallback", router("{strategy: fallback, targets: [{strategy: weighted, targets: [{model: p/x, weight: 0}, o/y]}]}"),
			map[string]bool{"r.targets[0].targets[0]": true}},
		{"weight 0 where weights are not read", router("{strategy: fallback, targets: [{model: p/x, weight: 0}, {strategy: weighted, targets: [p/x]}]}"), nil},
		{"a conditional route inside a weighted router", router("{strategy: weighted, targets: [{strategy: conditional, default: {model: p/x, weight: 0}}]}"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tt.doc))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := map[string]bool{}
			drained(cfg.Routers["r"], "r", got)
			for p, d := range got {
				if d != tt.want[p] {
					t.Errorf("%s drained = %v, want %v", p, d, tt.want[p])
				}
			}
			// A drained target stays drained through config push/pull
			// (Document, FromDocument) and YAML.
			doc, err := cfg.Document()
			if err != nil {
				t.Fatal(err)
			}
			back, err := FromDocument(doc)
			if err != nil {
				t.Fatalf("FromDocument: %v", err)
			}
			if !reflect.DeepEqual(back.Routers["r"], cfg.Routers["r"]) {
				t.Errorf("after Document/FromDocument: %+v\nwant %+v", back.Routers["r"], cfg.Routers["r"])
			}
			y, err := yaml.Marshal(cfg)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Parse(y)
			if err != nil {
				t.Fatalf("Parse of marshalled YAML: %v\n%s", err, y)
			}
			if !reflect.DeepEqual(again.Routers["r"], cfg.Routers["r"]) {
				t.Errorf("after YAML: %+v\nwant %+v\n%s", again.Routers["r"], cfg.Routers["r"], y)
			}
		})
	}
}

// TestDecodeRouterExplicitZeroWeight: inline routers of request bodies
// drain the same way.
func TestDecodeRouterExplicitZeroWeight(t *testing.T) {
	r, err := DecodeRouter(map[string]any{"type": "weighted", "targets": []any{
		map[string]any{"model": "p/x", "weight": 0.0}, map[string]any{"model": "p/y", "temperature": 0.0},
	}}, "router")
	if err != nil {
		t.Fatal(err)
	}
	if !r.Targets[0].Drained || r.Targets[1].Drained {
		t.Errorf("drained = %v, %v; want true, false", r.Targets[0].Drained, r.Targets[1].Drained)
	}
}
