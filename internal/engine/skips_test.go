package engine_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/trace"
)

const skipsConfig = `
providers:
  m: {type: mock, reply: "Once upon a time."}
routers:
  fb: {strategy: fallback, targets: [{model: m/a}, {model: m/b}, {model: m/c}]}
`

// TestCooldownSkipsCountOnlyTargetsPassedOver: a request to [a, b, c]
// with a and c cooling down is served by b. It is a fallback (a, the
// plan's first, did not serve), a counts one cooldown skip, and c none:
// the request would not have tried it anyway.
func TestCooldownSkipsCountOnlyTargetsPassedOver(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	st := store.NewMemory()
	for _, target := range []string{"m/a", "m/c"} {
		if err := st.SetCooldown(ctx, target, at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	e := newEngine(t, skipsConfig, st)
	if err := e.RefreshSharedState(ctx); err != nil {
		t.Fatal(err)
	}
	res, cerr := e.Complete(ctx, req("router/fb", "", 10))
	if cerr != nil {
		t.Fatal(cerr)
	}
	if res.Target != "m/b" || !res.Fallback || len(res.Attempts) != 1 {
		t.Errorf("served by %s, fallback %v, %d attempts; want m/b, a fallback, in 1 attempt", res.Target, res.Fallback, len(res.Attempts))
	}
	if err := e.Flush(ctx, true); err != nil {
		t.Fatal(err)
	}
	buckets, err := st.Buckets(ctx, at.Add(-time.Hour), at.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]int64{} // subject → requests, skips
	for _, b := range buckets {
		got[b.Subject] = [2]int64{b.Requests, b.Skips}
	}
	want := map[string][2]int64{"m/a|fb": {0, 1}, "m/b|fb": {1, 0}}
	if len(got) != len(want) || got["m/a|fb"] != want["m/a|fb"] || got["m/b|fb"] != want["m/b|fb"] {
		t.Errorf("buckets (requests, skips) %v, want %v", got, want)
	}
}

const rerouteConfig = `
providers:
  m: {type: mock, reply: "Once upon a time."}
models:
  m/pricey: {input_per_mtok: 0, output_per_mtok: 1000, max_output_tokens: 100000}
  m/cheap: {input_per_mtok: 1, output_per_mtok: 2}
routers:
  main: {strategy: fallback, targets: [{model: m/pricey}]}
  cheap: {strategy: fallback, targets: [{model: m/cheap}]}
budgets:
  - {name: cap, scope: global, limit_usd: 1.30, period: day, on_exceed: "reroute:cheap"}
`

// TestBudgetRerouteOnTheSpan: a budget reroute is on the result (for the
// header and the log line) and on the routing span, where X-Ray filters
// find it.
func TestBudgetRerouteOnTheSpan(t *testing.T) {
	cfg, err := config.Parse([]byte(rerouteConfig))
	if err != nil {
		t.Fatal(err)
	}
	rec := &trace.Recorder{}
	e, err := engine.New(cfg, engine.Deps{Store: store.NewMemory(), Logger: slog.New(slog.DiscardHandler), Seed: 7,
		Tracer: rec, Now: func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	res, cerr := e.Complete(context.Background(), req("router/main", "", 0))
	if cerr != nil {
		t.Fatal(cerr)
	}
	if res.Target != "m/cheap" || res.Reroute != engine.RerouteBudget || !res.Fallback {
		t.Errorf("served by %s, reroute %q, fallback %v; want m/cheap, budget, true", res.Target, res.Reroute, res.Fallback)
	}
	for _, s := range rec.Spans() {
		if s.Name == "routing" {
			if got := s.Annotations["reroute"]; got != "budget" {
				t.Errorf("routing span reroute = %#v, want \"budget\" (annotations %v)", got, s.Annotations)
			}
			return
		}
	}
	t.Fatalf("no routing span in %+v", rec.Spans())
}
