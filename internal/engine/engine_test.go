package engine_test

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
	_ "github.com/switchyard-llm/switchyard/internal/provider/mock"
	"github.com/switchyard-llm/switchyard/internal/store"
)

func newEngine(t *testing.T, yml string, st store.Store) *engine.Engine {
	t.Helper()
	cfg, err := config.Parse([]byte(yml))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	if st == nil {
		st = store.NewMemory()
	}
	e, err := engine.New(cfg, engine.Deps{Store: st, Logger: slog.New(slog.DiscardHandler), Seed: 7,
		Now: func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	t.Cleanup(e.Close)
	return e
}

func req(model, user string, maxTokens int) *engine.Request {
	r := &chat.Request{Model: model, User: user,
		Messages: []chat.Message{{Role: "user", Content: chat.TextContent("Tell me a short story about a switchyard.")}}}
	if maxTokens > 0 {
		r.MaxTokens = chat.Ptr(maxTokens)
	}
	return &engine.Request{Chat: r, ID: "t", Headers: http.Header{}}
}

const budgetConfig = `
providers:
  m: {type: mock, reply: "Once upon a time."}
models:
  m/pricey: {input_per_mtok: 1000, output_per_mtok: 1000}
  m/cheap:  {input_per_mtok: 1, output_per_mtok: 1}
routers:
  main: {strategy: fallback, targets: [{model: m/pricey}]}
  cheap: {strategy: fallback, targets: [{model: m/cheap}]}
  rerouting: {strategy: fallback, targets: [{model: m/pricey}]}
  tiered:
    strategy: conditional
    routes:
      - name: plenty
        when: {budget.daily.remaining_pct: {$gt: 50}}
        targets: [{model: m/pricey}]
    default: [{model: m/cheap}]
budgets:
  - {name: daily, scope: "router:main", limit_usd: 1.0, period: day}
  - {name: spill, scope: "router:rerouting", limit_usd: 0.000001, period: day, on_exceed: "reroute:cheap"}
  - {name: per-user, scope: user, limit_usd: 0.2, period: day}
`

// TestBudgetNeverExceededUnderConcurrency: 100 concurrent requests against
// a budget that fits about half of them. Settled spend never passes the
// limit; the others get 429 budget_exceeded.
func TestBudgetNeverExceededUnderConcurrency(t *testing.T) {
	st := store.NewMemory()
	e := newEngine(t, budgetConfig, st)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, rejected := 0, 0
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Worst case ≈ (14 input + 30 output) tokens × $1000/Mtok ≈ $0.044.
			_, err := e.Complete(context.Background(), req("router/main", "", 30))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case err.Code == "budget_exceeded" && err.Status == 429:
				rejected++
			default:
				t.Errorf("unexpected error: %+v", err)
			}
		}()
	}
	wg.Wait()
	// Corrections are folded into later reservations; write the rest.
	if err := e.Flush(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	spent, _ := st.Spent(context.Background(), "daily#2026-11-25")
	if spent > 1_000_000 {
		t.Fatalf("spent %d micro-USD, over the 1 USD limit", spent)
	}
	if ok == 0 || rejected == 0 || ok+rejected != 100 {
		t.Fatalf("ok=%d rejected=%d; want both > 0 and 100 in all", ok, rejected)
	}
	// Every served request's real cost was settled: spend equals the sum
	// of real costs, not of reservations.
	perRequest := spent / int64(ok)
	if spent%int64(ok) != 0 || perRequest <= 0 {
		t.Errorf("spend %d is not %d equal settled costs", spent, ok)
	}
	t.Logf("served %d, rejected %d, spent %d µUSD (%d each)", ok, rejected, spent, perRequest)
}

func TestBudgetReroute(t *testing.T) {
	e := newEngine(t, budgetConfig, nil)
	res, err := e.Complete(context.Background(), req("router/rerouting", "", 10))
	if err != nil {
		t.Fatalf("reroute failed: %+v", err)
	}
	if res.Target != "m/cheap" {
		t.Errorf("served by %s, want the reroute router's m/cheap", res.Target)
	}
}

func TestBudgetPerUser(t *testing.T) {
	e := newEngine(t, budgetConfig, nil)
	// Each call costs a few cents on m/pricey via the direct route; user
	// budgets apply to every route.
	served := 0
	for i := 0; i < 20; i++ {
		_, err := e.Complete(context.Background(), req("m/pricey", "alice", 20))
		if err != nil {
			if err.Code != "budget_exceeded" {
				t.Fatalf("unexpected %+v", err)
			}
			break
		}
		served++
	}
	if served == 0 || served == 20 {
		t.Fatalf("alice served %d times; the per-user budget should stop her part way", served)
	}
	if _, err := e.Complete(context.Background(), req("m/pricey", "bob", 20)); err != nil {
		t.Errorf("bob has his own budget: %+v", err)
	}
}

// TestBudgetRemainingPctCondition: "route to cheaper models when the
// budget runs low" is one conditional router.
func TestBudgetRemainingPctCondition(t *testing.T) {
	st := store.NewMemory()
	e := newEngine(t, budgetConfig, st)
	res, err := e.Complete(context.Background(), req("router/tiered", "", 10))
	if err != nil || res.Target != "m/pricey" {
		t.Fatalf("full budget: %v %+v", res, err)
	}
	// Spend 60% of the daily budget elsewhere; a new engine reads it.
	if err := st.Adjust(context.Background(), "daily#2026-11-25", 600_000, time.Time{}); err != nil {
		t.Fatal(err)
	}
	e2 := newEngine(t, budgetConfig, st)
	res, err2 := e2.Complete(context.Background(), req("router/tiered", "", 10))
	if err2 != nil || res.Target != "m/cheap" {
		t.Fatalf("low budget: %v %+v", res, err2)
	}
}

// TestExplainMatchesCall: explain returns the candidates the real call
// then tries, without calling a provider.
func TestExplainMatchesCall(t *testing.T) {
	e := newEngine(t, budgetConfig, nil)
	plan, err := e.Explain(context.Background(), req("router/tiered", "", 10))
	if err != nil {
		t.Fatal(err)
	}
	if plan.Router != "tiered" || plan.Route != "plenty" || len(plan.Candidates) != 1 || plan.Candidates[0].Target != "m/pricey" {
		t.Fatalf("plan %+v", plan)
	}
	if len(plan.Budgets) != 0 {
		t.Errorf("tiered has no budget scoped to it; got %+v", plan.Budgets)
	}
	res, cerr := e.Complete(context.Background(), req("router/tiered", "", 10))
	if cerr != nil || res.Target != plan.Candidates[0].Target || res.Arm != plan.Route {
		t.Errorf("call went to %s (arm %s), explain said %s (%s)", res.Target, res.Arm, plan.Candidates[0].Target, plan.Route)
	}
}

func timeNow() time.Time { return time.Now() }
