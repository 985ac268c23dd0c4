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
	"github.com/switchyard-llm/switchyard/internal/trace"
)

const tracedConfig = `
providers:
  m: {type: mock, reply: "Once upon a time."}
models:
  m/a: {input_per_mtok: 1, output_per_mtok: 2}
  m/b: {input_per_mtok: 1, output_per_mtok: 2}
routers:
  outer: {strategy: fallback, targets: [{router: ab}, {model: m/b}]}
  ab:
    strategy: percentage
    targets: [{model: m/a, weight: 1, name: treatment}]
`

// TestRoutingSpanAnnotations: the request's routing span carries what an
// on-call engineer filters X-Ray on: the router, the arm assigned (even
// when the A/B router is nested under another), the target that served,
// attempts, fallback and the cost.
func TestRoutingSpanAnnotations(t *testing.T) {
	cfg, err := config.Parse([]byte(tracedConfig))
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
	res, cerr := e.Complete(context.Background(), req("router/outer", "", 10))
	if cerr != nil {
		t.Fatal(cerr)
	}
	var routing *trace.Recorded
	for _, s := range rec.Spans() {
		if s.Name == "routing" {
			routing = &s
		}
	}
	if routing == nil {
		t.Fatalf("no routing span in %+v", rec.Spans())
	}
	want := map[string]any{"router": "outer", "strategy": "fallback", "route": "treatment", "target": "m/a",
		"attempts": 1, "fallback": false, "cost_usd": res.CostUSD}
	for k, v := range want {
		if routing.Annotations[k] != v {
			t.Errorf("annotation %s = %#v, want %#v", k, routing.Annotations[k], v)
		}
	}
	if res.CostUSD <= 0 {
		t.Errorf("cost %v: the mock's usage should be priced", res.CostUSD)
	}
}

// TestInlineArmsStayOutOfMetrics: a caller's inline A/B router names its
// own arms; they are reported in the header (Result.Arm) but not written
// as metric subjects, which must stay bounded by the config.
func TestInlineArmsStayOutOfMetrics(t *testing.T) {
	st := store.NewMemory()
	e := newEngine(t, tracedConfig, st)
	for i := 0; i < 3; i++ {
		r := req("x", "", 10)
		r.Chat.Extra = map[string]json.RawMessage{"router": json.RawMessage(
			`{"strategy": "percentage", "targets": [{"model": "m/a", "weight": 1, "name": "caller-arm-` + string(rune('a'+i)) + `"}]}`)}
		res, err := e.Complete(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(res.Arm, "caller-arm-") {
			t.Errorf("arm %q: the caller should still see its arm", res.Arm)
		}
	}
	// A configured router's arm is a metric subject.
	if _, err := e.Complete(context.Background(), req("router/ab", "", 10)); err != nil {
		t.Fatal(err)
	}
	if err := e.Flush(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	buckets, err := st.Buckets(context.Background(), at.Add(-time.Hour), at.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, b := range buckets {
		subjects = append(subjects, b.Subject)
		if strings.Contains(b.Subject, "caller-arm") {
			t.Errorf("metric subject %q holds a caller-chosen arm name", b.Subject)
		}
	}
	if !strings.Contains(strings.Join(subjects, " "), "m/a|ab|treatment") {
		t.Errorf("subjects %v: the configured router's arm is missing", subjects)
	}
}
