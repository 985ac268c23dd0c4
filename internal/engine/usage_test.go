package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// noUsage answers without usage, as some OpenAI-compatible servers do.
type noUsage struct{}

func (noUsage) Complete(_ context.Context, c *provider.Call) (*chat.Response, error) {
	return &chat.Response{ID: "x", Object: "chat.completion", Model: c.Model,
		Choices: []chat.Choice{{Message: chat.Message{Role: "assistant", Content: chat.TextContent("ok")}, FinishReason: "stop"}}}, nil
}

func (noUsage) Stream(context.Context, *provider.Call) (provider.Stream, error) {
	return nil, &provider.Error{Class: provider.ClassUnsupported, Message: "no streams"}
}

// TestAnswerWithoutUsageIsChargedItsReservation: a budget must bound spend
// even when an upstream reports no usage, so such an answer is charged the
// worst case reserved for it, not $0 — and the next request sees that.
func TestAnswerWithoutUsageIsChargedItsReservation(t *testing.T) {
	const yml = `
providers:
  t: {type: mock}
models:
  t/a: {input_per_mtok: 1000, output_per_mtok: 1000}
routers:
  r: {strategy: fallback, targets: [{model: t/a}]}
budgets:
  - {name: cap, scope: global, limit_usd: 1, period: day}
`
	clk := &testClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	st := store.NewMemory()
	e := newEngineWith(t, yml, clk, st, map[string]provider.Provider{"t": noUsage{}})
	res, err := e.Complete(context.Background(), req("router/r", "", 100))
	if err != nil {
		t.Fatal(err)
	}
	if res.CostUSD <= 0.1 { // 100 output tokens alone are $0.1 at $1000/MTok
		t.Fatalf("cost %v: an answer without usage must be charged its reservation", res.CostUSD)
	}
	if err := e.Flush(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	spent, serr := st.Spent(context.Background(), "cap#2026-11-25")
	if serr != nil || spent != int64(res.CostUSD*1e6+0.5) {
		t.Errorf("spent %d µUSD (%v), want the charged %v", spent, serr, res.CostUSD)
	}
}

// TestChargeWithoutUsageIsExactlyTheReservation: the reservation is an
// integer of micro-USD; charging it back through a float must not round it
// up past a budget it exactly fills (123 µUSD is one value that would).
func TestChargeWithoutUsageIsExactlyTheReservation(t *testing.T) {
	const yml = `
providers:
  t: {type: mock}
models:
  t/a: {input_per_mtok: 0.000001, output_per_mtok: 122}
routers:
  r: {strategy: fallback, targets: [{model: t/a}]}
budgets:
  - {name: cap, scope: global, limit_usd: 0.000123, period: day}
`
	clk := &testClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	st := store.NewMemory()
	e := newEngineWith(t, yml, clk, st, map[string]provider.Provider{"t": noUsage{}})
	if _, err := e.Complete(context.Background(), req("router/r", "", 1)); err != nil {
		t.Fatal(err)
	}
	if err := e.Flush(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	spent, err := st.Spent(context.Background(), "cap#2026-11-25")
	if err != nil || spent != 123 {
		t.Errorf("spent %d µUSD (%v), want exactly the 123 reserved (122 output and a fraction of input, rounded up)", spent, err)
	}
}
