package statetest

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sync"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// proofYAML prices one mock model so that a request costs 13 tokens
// (8 in, 5 out, as the mock counts them) and reserves 21.5 (11 estimated
// in × pricing.WorstCaseInputFactor 1.5, max_tokens 5 out) at $1000 per
// million: $0.013 spent, $0.0215 held. The budget fits 100 settled
// requests of the 200 sent.
const proofYAML = `
providers:
  m: {type: mock, reply: "Once upon a time."}
models:
  m/story: {input_per_mtok: 1000, output_per_mtok: 1000}
routers:
  main: {strategy: fallback, targets: [{model: m/story}]}
budgets:
  - {name: proof, scope: "router:main", limit_usd: 1.3, period: day}
`

const (
	instances   = 4
	perInstance = 50
	limitMicros = 1_300_000
)

// TestBudgetAcrossInstances is the budget proof of issue 5: four gateway
// instances send 50 concurrent requests each through one dynalite against
// a budget that fits about half of them. Settled spend never passes the
// limit, the others get 429 budget_exceeded, and nothing is charged twice:
// the spend is exactly the served requests' cost.
func TestBudgetAcrossInstances(t *testing.T) {
	st := newStore(t, testenv.Dynalite(t))
	cfg := parse(t, proofYAML)
	clk := newClock()
	var engines []*engine.Engine
	for i := 0; i < instances; i++ {
		engines = append(engines, newEngine(t, cfg, st, clk, fmt.Sprintf("instance-%d", i), nil))
	}

	type outcome struct {
		cost float64
		err  *engine.Error
	}
	results := make(chan outcome, instances*perInstance)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, e := range engines {
		for j := 0; j < perInstance; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res, err := e.Complete(context.Background(), request("router/main", 5))
				if err != nil {
					results <- outcome{err: err}
					return
				}
				results <- outcome{cost: res.CostUSD}
			}()
		}
	}
	close(start)
	wg.Wait()
	close(results)

	served, rejected := 0, 0
	costs := map[float64]int{}
	for r := range results {
		switch {
		case r.err == nil:
			served++
			costs[r.cost]++
		case r.err.Status == http.StatusTooManyRequests && r.err.Code == "budget_exceeded" && r.err.Type == engine.TypeRateLimit:
			rejected++
		default:
			t.Errorf("unexpected error: %d %s %s", r.err.Status, r.err.Code, r.err.Message)
		}
	}
	// Settlement is folded into later reservations; write what is left.
	for _, e := range engines {
		if err := e.Flush(context.Background(), true); err != nil {
			t.Fatalf("Flush: %v", err)
		}
	}
	spent, err := st.Spent(context.Background(), "proof#2026-11-25")
	if err != nil {
		t.Fatalf("Spent: %v", err)
	}
	if len(costs) != 1 {
		t.Fatalf("served requests cost %v; want one price for identical requests", costs)
	}
	var perRequest int64
	for c := range costs {
		perRequest = int64(math.Ceil(c * 1e6)) // integer micro-USD, rounded up as the budget counts
	}
	t.Logf("served %d, rejected %d; spent %d of %d µUSD (%d per request)", served, rejected, spent, int64(limitMicros), perRequest)

	checks := []struct {
		name string
		ok   bool
		msg  string
	}{
		{"every request answered", served+rejected == instances*perInstance,
			fmt.Sprintf("%d served + %d rejected of %d", served, rejected, instances*perInstance)},
		{"some served, some refused", served > 0 && rejected > 0, fmt.Sprintf("served %d, rejected %d", served, rejected)},
		{"limit never passed", spent <= limitMicros, fmt.Sprintf("spent %d µUSD of a %d limit", spent, int64(limitMicros))},
		{"nothing charged twice", spent == int64(served)*perRequest,
			fmt.Sprintf("spent %d µUSD, but %d served × %d = %d", spent, served, perRequest, int64(served)*perRequest)},
		// Reservations hold the worst case (21 500 µUSD) until settled, so
		// at least limit / worst case requests fit.
		{"the budget is used", served >= limitMicros/21_500, fmt.Sprintf("only %d served", served)},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok {
				t.Error(c.msg)
			}
		})
	}
}
