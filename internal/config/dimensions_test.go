package config

import "testing"

// TestDimensionsMustAgree: a router whose embedding targets' known
// dimensions differ is refused at its path, naming each target and where
// its size comes from; equal or unknown dimensions pass.
func TestDimensionsMustAgree(t *testing.T) {
	const head = `
providers:
  p: {type: mock}
models:
  p/small: {dimensions: 1536}
  p/large: {dimensions: 3072}
  p/small2: {dimensions: 1536}
  p/chat: {input_per_mtok: 1}
routers:
`
	tests := []struct {
		name    string
		routers string
		want    []wantErr
	}{
		{"equal dimensions", `  r: {strategy: fallback, targets: [{model: p/small}, {model: p/small2}]}`, nil},
		{"unknown dimensions are not compared", `  r: {strategy: fallback, targets: [{model: p/small}, {model: p/chat}]}`, nil},
		{"models differ", `  r: {strategy: fallback, targets: [{model: p/small}, {model: p/large}]}`, []wantErr{{"routers.r",
			"embedding targets must agree on dimensions so that a fallback never mixes vector spaces; found 1536: p/small (models.p/small.dimensions); 3072: p/large (models.p/large.dimensions)"}}},
		{"params make them agree", `  r: {strategy: fallback, targets: [{model: p/small}, {model: p/large, params: {dimensions: 1536}}]}`, nil},
		{"through a nested router", `  inner: {strategy: fallback, targets: [{model: p/large}]}
  r: {strategy: fallback, targets: [{model: p/small}, {router: inner}]}`, []wantErr{{"routers.r", "1536: p/small (models.p/small.dimensions); 3072: p/large (models.p/large.dimensions)"}}},
		{"params on the nested router's target apply inside it", `  inner: {strategy: fallback, targets: [{model: p/large}]}
  r: {strategy: fallback, targets: [{model: p/small}, {router: inner, params: {dimensions: 256}}]}`, []wantErr{{"routers.r", "256: p/large (params.dimensions); 1536: p/small"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { parseErrors(t, head+tc.routers+"\n", tc.want) })
	}
	parseErrors(t, `
providers:
  p: {type: mock}
models:
  p/m: {dimensions: -1}
`, []wantErr{{"models.p/m.dimensions", "must be > 0"}})
}

// TestEmbeddingTargets: a router's targets are all embedding models when
// every model it reaches has known dimensions, through nested routers
// too; some when only some have.
func TestEmbeddingTargets(t *testing.T) {
	c, err := Parse([]byte(`
providers:
  p: {type: mock}
models:
  p/small: {dimensions: 1536}
  p/small2: {dimensions: 1536}
  p/chat: {input_per_mtok: 1}
routers:
  emb: {strategy: fallback, targets: [{model: p/small}, {model: p/small2}]}
  mixed: {strategy: fallback, targets: [{model: p/small}, {model: p/chat}]}
  pinned: {strategy: fallback, targets: [{model: p/other, params: {dimensions: 1536}}]}
  nested: {strategy: fallback, targets: [{router: emb}, {router: pinned}]}
  chat: {strategy: fallback, targets: [{model: p/chat}]}
`))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][2]bool{"emb": {true, true}, "mixed": {false, true}, "pinned": {true, true},
		"nested": {true, true}, "chat": {false, false}, "missing": {false, false}} {
		if all, some := c.EmbeddingTargets(name); all != want[0] || some != want[1] {
			t.Errorf("EmbeddingTargets(%s) = %v, %v, want %v", name, all, some, want)
		}
	}
	if !c.EmbeddingModel("p/small") || c.EmbeddingModel("p/chat") || c.EmbeddingModel("p/none") {
		t.Error("EmbeddingModel: only p/small declares dimensions")
	}
}
