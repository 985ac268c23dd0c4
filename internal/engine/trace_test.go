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
	want := map[string]any{"operation": "chat", "router": "outer", "strategy": "fallback", "route": "treatment", "target": "m/a",
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

// TestAttemptSpanCarriesTheAnswer: the attempt span names the provider's
// type, the model asked for and the one that answered, the tokens and the
// finish reasons (OpenTelemetry's gen_ai.* attributes come from these),
// and the routing span the model the caller asked for.
func TestAttemptSpanCarriesTheAnswer(t *testing.T) {
	cfg, err := config.Parse([]byte(tracedConfig))
	if err != nil {
		t.Fatal(err)
	}
	rec := &trace.Recorder{}
	e, err := engine.New(cfg, engine.Deps{Store: store.NewMemory(), Logger: slog.New(slog.DiscardHandler), Seed: 7, Tracer: rec})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	res, cerr := e.Complete(context.Background(), req("router/outer", "", 10))
	if cerr != nil {
		t.Fatal(cerr)
	}
	byName := map[string]trace.Recorded{}
	for _, s := range rec.Spans() {
		byName[s.Name] = s
	}
	att, routing := byName["attempt"], byName["routing"]
	u := res.Response.Usage
	if u == nil || len(res.Response.Choices) == 0 {
		t.Fatalf("the mock answered no usage or choices: %+v", res.Response)
	}
	for k, v := range map[string]any{"provider_type": "mock", "model": "a", "response_model": res.Response.Model,
		"input_tokens": u.PromptTokens, "output_tokens": u.CompletionTokens} {
		if att.Annotations[k] != v {
			t.Errorf("attempt annotation %s = %#v, want %#v", k, att.Annotations[k], v)
		}
	}
	if got, _ := att.Metadata["finish_reasons"].([]string); len(got) != 1 || got[0] != res.Response.Choices[0].FinishReason {
		t.Errorf("attempt finish_reasons = %#v, want [%q]", att.Metadata["finish_reasons"], res.Response.Choices[0].FinishReason)
	}
	if routing.Annotations["request_model"] != "router/outer" || routing.Annotations["provider_type"] != "mock" {
		t.Errorf("routing annotations %v, want request_model router/outer and provider_type mock", routing.Annotations)
	}
	if d, ok := routing.Metadata["decisions"]; !ok || d == nil {
		t.Error("routing span has no decisions metadata")
	}

	// A stream's finish reasons and model come from its chunks.
	r := req("router/outer", "", 10)
	r.Chat.Stream = true
	if _, serr := e.Stream(context.Background(), r, &recordingWriter{}); serr != nil {
		t.Fatal(serr)
	}
	spans := rec.Spans()
	last := spans[len(spans)-2] // the stream's attempt, ended before its routing span
	if last.Name != "attempt" {
		t.Fatalf("span %q, want the stream's attempt", last.Name)
	}
	if got, _ := last.Metadata["finish_reasons"].([]string); len(got) != 1 || got[0] != "stop" {
		t.Errorf("streamed attempt finish_reasons = %#v, want [stop]", last.Metadata["finish_reasons"])
	}
	if last.Annotations["response_model"] == nil || last.Annotations["input_tokens"] == nil {
		t.Errorf("streamed attempt annotations %v, want response_model and input_tokens", last.Annotations)
	}
}
