package engine_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// inlineReq is a request whose body carries the inline router raw.
func inlineReq(raw string) *engine.Request {
	r := req("", "", 10)
	r.Chat.Extra = map[string]json.RawMessage{"router": json.RawMessage(raw)}
	return r
}

// subjects returns the requests counted per "router|arm" in st's buckets.
func subjects(t *testing.T, e *engine.Engine, st store.Store) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	if err := e.Flush(ctx, true); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	buckets, err := st.Buckets(ctx, at.Add(-time.Hour), at.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, b := range buckets {
		_, router, arm := store.SplitSubject(b.Subject)
		out[router+"|"+arm] += b.Requests
	}
	return out
}

const inlineNamesConfig = `
providers:
  m: {type: mock, models: [a, b]}
server:
  inline: {max_names: 2}
`

// abRouter is an inline A/B router as vLLora's users write it, named name.
func abRouter(name string) string {
	return `{"name": "` + name + `", "type": "percentage", "targets_percentages": [50, 50],
		"targets": [{"model": "m/a", "name": "control"}, {"model": "m/b", "name": "treatment"}]}`
}

// TestNamedInlineRouterGetsItsOwnMetrics: an inline router with a name
// counts under inline:<name> with its arms (an A/B test run inline can be
// read from /v1/metrics), while x-switchyard-router still says inline. An
// unnamed one still counts under inline, without arms.
func TestNamedInlineRouterGetsItsOwnMetrics(t *testing.T) {
	st := store.NewMemory()
	e := newEngine(t, inlineNamesConfig, st)
	ctx := context.Background()
	arms := map[string]int64{}
	for range 40 {
		res, err := e.Complete(ctx, inlineReq(abRouter("exp1")))
		if err != nil {
			t.Fatalf("%+v", err)
		}
		if res.Router != "inline" {
			t.Fatalf("x-switchyard-router %q, want inline", res.Router)
		}
		arms[res.Arm]++
	}
	unnamed := `{"type": "percentage", "targets_percentages": [1, 1], "targets": [{"model": "m/a", "name": "x"}, {"model": "m/b", "name": "y"}]}`
	for range 3 {
		if _, err := e.Complete(ctx, inlineReq(unnamed)); err != nil {
			t.Fatalf("%+v", err)
		}
	}
	got := subjects(t, e, st)
	want := map[string]int64{"inline:exp1|control": arms["control"], "inline:exp1|treatment": arms["treatment"], "inline|": 3}
	if arms["control"] == 0 || arms["treatment"] == 0 {
		t.Fatalf("arms served %v: the split should reach both in 40 requests", arms)
	}
	if len(got) != len(want) {
		t.Errorf("metric subjects %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d requests, want %d (all: %v)", k, got[k], n, got)
		}
	}
}

// TestInlineNamesAreBounded: past server.inline.max_names distinct names,
// further names count under plain inline, explain says so, and the set of
// kept names is shared by the engines of a process (a reload does not
// admit a fresh set).
func TestInlineNamesAreBounded(t *testing.T) {
	st := store.NewMemory()
	names := &engine.InlineNames{}
	build := func() *engine.Engine {
		cfg, err := config.Parse([]byte(inlineNamesConfig))
		if err != nil {
			t.Fatal(err)
		}
		e, err := engine.New(cfg, engine.Deps{Store: st, Logger: slog.New(slog.DiscardHandler), Seed: 7, InlineNames: names,
			Now: func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(e.Close)
		return e
	}
	e := build()
	ctx := context.Background()
	for _, n := range []string{"n1", "n2", "n3", "n1"} {
		if _, err := e.Complete(ctx, inlineReq(abRouter(n))); err != nil {
			t.Fatalf("%s: %+v", n, err)
		}
	}
	reloaded := build()
	if _, err := reloaded.Complete(ctx, inlineReq(abRouter("n4"))); err != nil {
		t.Fatal(err)
	}
	if err := reloaded.Flush(ctx, true); err != nil {
		t.Fatal(err)
	}
	routers := map[string]int64{}
	for k, n := range subjects(t, e, st) {
		router, _, _ := strings.Cut(k, "|")
		routers[router] += n
	}
	// n3 (the third name) and n4 (the fourth, after the reload) are past
	// max_names: 2.
	want := map[string]int64{"inline:n1": 2, "inline:n2": 1, "inline": 2}
	if len(routers) != len(want) || routers["inline:n1"] != 2 || routers["inline:n2"] != 1 || routers["inline"] != 2 {
		t.Errorf("metric routers %v, want %v", routers, want)
	}
	for name, wantPlan := range map[string]engine.PlanMetrics{
		"n2": {Router: "inline:n2"},
		"n5": {Router: "inline", Note: "this gateway instance already keeps metrics for server.inline.max_names (2) inline router names; this one counts under inline"},
	} {
		p, err := reloaded.Explain(ctx, inlineReq(abRouter(name)))
		if err != nil {
			t.Fatal(err)
		}
		if p.Metrics == nil || p.Metrics.Router != wantPlan.Router || p.Metrics.Note != wantPlan.Note {
			t.Errorf("explain of %s: metrics %+v, want %+v", name, p.Metrics, wantPlan)
		}
	}
}

// TestInlineRouterNameRefused: a name that does not fit the pattern (it
// becomes part of metric subjects) is a 400 naming router.name.
func TestInlineRouterNameRefused(t *testing.T) {
	e := newEngine(t, inlineNamesConfig, nil)
	for _, name := range []string{"a/b", "x|y", "inline:z", "has space", strings.Repeat("n", 65), ""} {
		_, err := e.Complete(context.Background(), inlineReq(abRouter(name)))
		if err == nil || err.Status != 400 || err.Code != "invalid_router" || err.Param != "router.name" {
			t.Errorf("name %q: %+v, want 400 invalid_router on router.name", name, err)
		}
	}
}

// TestDrainedTargetNeverServes: a weight of 0 drains a target: it serves
// no request, first or as a fallback, and explain lists it as drained.
func TestDrainedTargetNeverServes(t *testing.T) {
	const yml = `
providers:
  m: {type: mock}
  down: {type: mock, fail_rate: 1}
routers:
  ab: {strategy: percentage, targets: [{model: down/x, weight: 1, name: flaky}, {model: m/a, weight: 0, name: old}, {model: m/b, weight: 1, name: new}]}
  wrr: {strategy: weighted, targets: [{model: m/a, weight: 0}, {model: m/b}]}
`
	e := newEngine(t, yml, nil)
	ctx := context.Background()
	for i := range 20 {
		for _, r := range []string{"ab", "wrr"} {
			res, err := e.Complete(ctx, req("router/"+r, "", 10))
			if err != nil {
				t.Fatalf("%s: %+v", r, err)
			}
			if res.Target == "m/a" {
				t.Fatalf("%s request %d served by the drained m/a", r, i)
			}
		}
	}
	p, err := e.Explain(ctx, req("router/ab", "", 10))
	if err != nil {
		t.Fatal(err)
	}
	d := p.Decisions[0]
	if len(d.Drained) != 1 || d.Drained[0] != "old" || strings.Contains(strings.Join(d.Order, " "), "old") {
		t.Errorf("explain: order %v drained %v, want old drained and not in the order", d.Order, d.Drained)
	}
	for _, c := range p.Candidates {
		if c.Target == "m/a" {
			t.Errorf("explain lists the drained m/a as a candidate: %+v", p.Candidates)
		}
	}
}
