package config

import (
	"encoding/json"
	"testing"
)

// TestLargeIntegersKeepTheirDigits: a seed or id past 2^53 in a target's
// params, from YAML or an inline JSON router, reaches the upstream as
// written, not rounded to the nearest float64.
func TestLargeIntegersKeepTheirDigits(t *testing.T) {
	const seed = "9007199254740993" // 2^53 + 1
	cfg, err := Parse([]byte("providers: {p: {type: mock}}\nrouters:\n  r: {strategy: fallback, targets: [{model: p/m, params: {seed: " + seed + ", temperature: 0.5, n: 2}}]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	inline, err := DecodeRouterJSON(json.RawMessage(`{"strategy": "fallback", "targets": [{"model": "p/m", "params": {"seed": `+seed+`, "temperature": 0.5, "n": 2}}]}`), "router")
	if err != nil {
		t.Fatal(err)
	}
	for name, params := range map[string]map[string]any{"yaml": cfg.Routers["r"].Targets[0].Params, "inline": inline.Targets[0].Params} {
		out, err := json.Marshal(params)
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"n":2,"seed":` + seed + `,"temperature":0.5}`; string(out) != want {
			t.Errorf("%s params marshal to %s, want %s", name, out, want)
		}
		// Small numbers stay float64, the one representation conditions and
		// validation compare.
		if _, ok := params["n"].(float64); !ok {
			t.Errorf("%s: n is %T, want float64", name, params["n"])
		}
	}
}
