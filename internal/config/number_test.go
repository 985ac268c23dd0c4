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

// TestNonFiniteNumbersRefused: YAML's .nan and .inf are refused where a
// config holds a number (a NaN price made every cost NaN, which no budget
// limit catches) and inside params and conditions, which must have a JSON
// form (params go upstream as JSON; config pull writes JSON). Found by
// FuzzParse: such configs validated, then Document could not be encoded.
func TestNonFiniteNumbersRefused(t *testing.T) {
	const base = "providers: {p: {type: mock}}\nmodels: {p/m: {input_per_mtok: 1, output_per_mtok: 2}}\n"
	const fallback = "routers: {r: {strategy: fallback, targets: [p/m]}}\n"
	tests := []struct {
		name, doc string
		want      []wantErr
	}{
		{"NaN price", "providers: {p: {type: mock}}\nmodels: {p/m: {input_per_mtok: .nan, output_per_mtok: 2}}\n" + fallback,
			[]wantErr{{"models.p/m.input_per_mtok", "must be a finite number, not the number NaN"}}},
		{"infinite weight", base + "routers: {r: {strategy: weighted, targets: [{model: p/m, weight: .inf}, {model: p/m, weight: 1}]}}\n",
			[]wantErr{{"routers.r.targets[0].weight", "must be a finite number, not the number +Inf"}}},
		{"negative infinite budget", base + fallback + "budgets: [{name: b, scope: global, limit_usd: -.inf, period: day}]\n",
			[]wantErr{{"budgets[0].limit_usd", "must be a finite number, not the number -Inf"}}},
		{"NaN in params", base + "routers: {r: {strategy: fallback, targets: [{model: p/m, params: {temperature: .nan}}]}}\n",
			[]wantErr{{"routers.r.targets[0].params.temperature", "must not hold .nan or .inf"}}},
		{"infinity in a condition", base + "routers:\n  r:\n    strategy: conditional\n    routes: [{name: a, when: {\"metadata.x\": {\"$in\": [1, .inf]}}, targets: [p/m]}]\n    default: {model: p/m}\n",
			[]wantErr{{"routers.r.routes[0].when", "must not hold .nan or .inf"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { parseErrors(t, tt.doc, tt.want) })
	}
}
