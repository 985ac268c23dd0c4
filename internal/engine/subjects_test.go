package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// TestDirectModelsNamedByCallersDoNotGrowMetrics: metric subjects are
// shared state (one DynamoDB set, stats per subject), so a model a caller
// names directly is counted as itself only when the config or the price
// catalog knows it; any other is "<provider>/other". Overlong model names
// are refused.
func TestDirectModelsNamedByCallersDoNotGrowMetrics(t *testing.T) {
	const yml = `
providers:
  oa: {type: mock, models: [listed-model]}
models:
  oa/priced-here: {input_per_mtok: 1, output_per_mtok: 1}
routers:
  r: {strategy: fallback, targets: [{model: oa/in-a-router}]}
`
	st := store.NewMemory()
	e := newEngine(t, yml, st)
	ctx := context.Background()
	for _, model := range []string{"oa/in-a-router", "oa/priced-here", "listed-model", "oa/made-up-1", "oa/made-up-2"} {
		if _, err := e.Complete(ctx, req(model, "", 10)); err != nil {
			t.Fatalf("%s: %+v", model, err)
		}
	}
	if _, err := e.Complete(ctx, req("oa/"+strings.Repeat("x", 300), "", 10)); err == nil || err.Status != 400 || err.Code != "invalid_model" {
		t.Errorf("an overlong model name got %+v, want 400 invalid_model", err)
	}
	if err := e.Flush(ctx, true); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	buckets, err := st.Buckets(ctx, at.Add(-time.Hour), at.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string]int64{}
	for _, b := range buckets {
		target, _, _ := store.SplitSubject(b.Subject)
		targets[target] += b.Requests
	}
	want := map[string]int64{"oa/in-a-router": 1, "oa/priced-here": 1, "oa/listed-model": 1, "oa/other": 2}
	if len(targets) != len(want) {
		t.Errorf("metric targets %v, want %v", targets, want)
	}
	for k, n := range want {
		if targets[k] != n {
			t.Errorf("metric target %s: %d requests, want %d (all: %v)", k, targets[k], n, targets)
		}
	}
}

// TestDirectModelsCountUnderTheirCatalogFamily: the catalog matches model
// names loosely (dated snapshots, case, any suffix), so a directly named
// model is counted under the catalog entry it resolves to, never under
// the caller's spelling.
func TestDirectModelsCountUnderTheirCatalogFamily(t *testing.T) {
	t.Setenv("OA_TEST_API_KEY", "sk-oa-test-key-0000")
	const yml = `
providers:
  oa: {type: openai, api_key: env:OA_TEST_API_KEY}
`
	clk := &testClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	st := store.NewMemory()
	e := newEngineWith(t, yml, clk, st, map[string]provider.Provider{"oa": noUsage{}})
	ctx := context.Background()
	for _, model := range []string{"oa/gpt-4o-2024-08-06", "oa/GPT-4o", "oa/gpt-4o-junk-1", "oa/gpt-4o-junk-2", "oa/made-up"} {
		if _, err := e.Complete(ctx, req(model, "", 10)); err != nil {
			t.Fatalf("%s: %+v", model, err)
		}
	}
	if err := e.Flush(ctx, true); err != nil {
		t.Fatal(err)
	}
	buckets, err := st.Buckets(ctx, clk.Now().Add(-time.Hour), clk.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string]int64{}
	for _, b := range buckets {
		target, _, _ := store.SplitSubject(b.Subject)
		targets[target] += b.Requests
	}
	if len(targets) != 2 || targets["oa/gpt-4o"] != 4 || targets["oa/other"] != 1 {
		t.Errorf("metric targets %v, want oa/gpt-4o ×4 and oa/other ×1", targets)
	}
}
