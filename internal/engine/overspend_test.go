package engine_test

import (
	"context"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// tinyBudgetConfig is issue 10's setup: a $0.001 hard budget on one
// priced model.
const tinyBudgetConfig = `
providers:
  p: {type: mock}
models:
  p/m: {input_per_mtok: 1, output_per_mtok: 2}
routers:
  main: {strategy: fallback, targets: [{model: p/m}]}
budgets:
  - {name: tiny, scope: "router:main", limit_usd: 0.001, period: day}
`

const tinyCounter = "tiny#2026-11-25"

// holder answers at once with the usage it is given, except that it holds
// a request from user "mallory" open (a slow upstream) until released.
type holder struct {
	usage   chat.Usage
	held    chan struct{}
	release chan struct{}
}

func (h *holder) Complete(ctx context.Context, call *provider.Call) (*chat.Response, error) {
	if call.Request.User == "mallory" {
		h.held <- struct{}{}
		select {
		case <-h.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	u := h.usage
	return &chat.Response{ID: "x", Object: "chat.completion", Model: call.Model, Usage: &u,
		Choices: []chat.Choice{{Message: chat.Message{Role: "assistant", Content: chat.TextContent("ok")}, FinishReason: "stop"}}}, nil
}

func (h *holder) Stream(context.Context, *provider.Call) (provider.Stream, error) {
	return nil, &provider.Error{Class: provider.ClassUnsupported, Message: "no streams"}
}

func holderEngine(t *testing.T, st store.Store, h *holder) *engine.Engine {
	t.Helper()
	cfg, err := config.Parse([]byte(tinyBudgetConfig))
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(cfg, engine.Deps{Store: st, Logger: slog.New(slog.DiscardHandler), Seed: 7,
		Now:       func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) },
		Providers: map[string]provider.Provider{"p": h}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// TestOverflowingRequestCannotOpenAnExhaustedBudget is issue 10's attack,
// with the request built past the HTTP door's checks (as another surface
// or a future caller of the engine could): with the $0.001 budget spent,
// a request whose worst case wraps int64 (n × max_tokens, or max_tokens ×
// price) is refused like any other, so it cannot lower the counter while
// a slow upstream holds it, and the requests after it are refused too.
// Before, its reservation was negative: it was let through and, while it
// was held, so were the next hundreds.
func TestOverflowingRequestCannotOpenAnExhaustedBudget(t *testing.T) {
	hostile := []struct {
		name string
		req  func(*chat.Request)
	}{
		{"n past int64 with max_tokens 2", func(r *chat.Request) {
			r.MaxTokens, r.N = chat.Ptr(2), chat.Ptr(9098372036854775807)
		}},
		{"max_tokens 2^62", func(r *chat.Request) { r.MaxTokens = chat.Ptr(4611686018427387904) }},
		{"max_completion_tokens MaxInt", func(r *chat.Request) { r.MaxCompletionTokens = chat.Ptr(math.MaxInt) }},
	}
	for _, tt := range hostile {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st := store.NewMemory()
			if err := st.Adjust(ctx, tinyCounter, 1000, time.Time{}); err != nil { // $0.001: exhausted
				t.Fatal(err)
			}
			h := &holder{usage: chat.Usage{PromptTokens: 10, CompletionTokens: 2},
				held: make(chan struct{}, 1), release: make(chan struct{})}
			e := holderEngine(t, st, h)

			r := req("router/main", "mallory", 0)
			tt.req(r.Chat)
			done := make(chan *engine.Error, 1)
			go func() {
				_, err := e.Complete(ctx, r)
				done <- err
			}()
			finished := false
			select {
			case <-h.held:
				t.Error("the overflowing request passed the exhausted budget and reached the upstream")
			case err := <-done:
				finished = true
				if err == nil || err.Status != 429 || err.Code != "budget_exceeded" {
					t.Errorf("overflowing request: %+v, want 429 budget_exceeded", err)
				}
			}

			served := 0
			for i := 0; i < 20; i++ {
				if _, err := e.Complete(ctx, req("router/main", "", 2)); err == nil {
					served++
				} else if err.Code != "budget_exceeded" {
					t.Fatalf("request %d: %+v", i, err)
				}
			}
			if served > 0 {
				t.Errorf("%d requests served past the exhausted budget", served)
			}
			close(h.release)
			if !finished {
				<-done // the held request, answered now
			}
			if err := e.Flush(ctx, true); err != nil {
				t.Fatal(err)
			}
			if spent, _ := st.Spent(ctx, tinyCounter); spent != 1000 {
				t.Errorf("spent %d micro-USD, want 1000: nothing charged past the limit", spent)
			}
		})
	}
}

// TestOverspendIsReported: an answer that costs more than its reservation
// (usage past max_tokens; a reservation is an estimate) takes the counter
// past the limit, and the budget status shows the real spend rather than
// the limit, on this instance and on another reading the store.
func TestOverspendIsReported(t *testing.T) {
	ctx := context.Background()
	st := store.NewMemory()
	// 10 in × $1 + 1000 out × $2 per million: $0.00201, twice the limit,
	// for a request reserved at max_tokens 1 (a few micro-USD).
	h := &holder{usage: chat.Usage{PromptTokens: 10, CompletionTokens: 1000}}
	e := holderEngine(t, st, h)
	if _, err := e.Complete(ctx, req("router/main", "", 1)); err != nil {
		t.Fatalf("request: %+v", err)
	}
	if err := e.Flush(ctx, true); err != nil {
		t.Fatal(err)
	}
	if spent, _ := st.Spent(ctx, tinyCounter); spent != 2010 {
		t.Fatalf("counter %d micro-USD, want 2010 (the real cost)", spent)
	}
	for name, eng := range map[string]*engine.Engine{"same instance": e, "another instance": holderEngine(t, st, h)} {
		plan, err := eng.Explain(ctx, req("router/main", "", 1))
		if err != nil {
			t.Fatalf("%s: explain: %+v", name, err)
		}
		if len(plan.Budgets) != 1 {
			t.Fatalf("%s: budgets %+v, want tiny", name, plan.Budgets)
		}
		b := plan.Budgets[0]
		if math.Abs(b.SpentUSD-0.00201) > 1e-12 || b.LimitUSD != 0.001 || b.RemainingPct != 0 {
			t.Errorf("%s: spent $%g of $%g, %g%% remaining; want the real $0.00201 of $0.001, 0%%", name, b.SpentUSD, b.LimitUSD, b.RemainingPct)
		}
	}
}
