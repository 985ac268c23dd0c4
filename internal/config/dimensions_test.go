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
