package statetest

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/store"
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

// lostAnswers applies every reservation but, for every nth, reports a
// timeout: DynamoDB applied the write and the answer never came back, as
// happens under throttling and machine load.
type lostAnswers struct {
	store.Store
	every int64
	calls atomic.Int64
	lost  atomic.Int64
}

func (s *lostAnswers) Reserve(ctx context.Context, key string, micros, limit int64, expires time.Time) (int64, error) {
	total, err := s.Store.Reserve(ctx, key, micros, limit, expires)
	if err == nil && s.every > 0 && s.calls.Add(1)%s.every == 0 {
		s.lost.Add(1)
		return 0, fmt.Errorf("reserve on %s: %w", key, context.DeadlineExceeded)
	}
	return total, err
}

// TestBudgetAcrossInstances is the budget proof of issues 5 and 12: four
// gateway instances send 50 concurrent requests each through one dynalite
// against a hard budget that fits about half of them. The limit is never
// passed; the others get 429 budget_exceeded, or 503 budget_unavailable
// when their reservation's answer did not come back in time (the hard
// budget fails closed: before, those were served uncounted and the cap
// was passed under load); and spend is the served requests' cost, plus
// at most the worst case of each reservation whose answer was lost (it
// may have been applied: counted, never served).
func TestBudgetAcrossInstances(t *testing.T) {
	cases := []struct {
		name      string
		loseEvery int64
	}{
		{"DynamoDB as it answers", 0},
		{"every 10th reservation's answer lost", 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := &lostAnswers{Store: newStore(t, testenv.Dynalite(t)), every: c.loseEvery}
			proveBudget(t, st, func() int64 { return st.lost.Load() })
		})
	}
}

func proveBudget(t *testing.T, st store.Store, applied func() int64) {
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

	served, rejected, unavailable := 0, 0, 0
	costs := map[float64]int{}
	for r := range results {
		switch {
		case r.err == nil:
			served++
			costs[r.cost]++
		case r.err.Status == http.StatusTooManyRequests && r.err.Code == "budget_exceeded" && r.err.Type == engine.TypeRateLimit:
			rejected++
		case r.err.Status == http.StatusServiceUnavailable && r.err.Code == "budget_unavailable":
			unavailable++
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
	if len(costs) > 1 {
		t.Fatalf("served requests cost %v; want one price for identical requests", costs)
	}
	var perRequest int64
	for c := range costs {
		perRequest = int64(math.Ceil(c * 1e6)) // integer micro-USD, rounded up as the budget counts
	}
	// Reservations hold the worst case (11 estimated input tokens × 1.5,
	// 5 output, at $1000 per million) until settled.
	const worst = 21_500
	lost := applied()
	t.Logf("served %d, rejected %d, unavailable %d (%d answers lost after applying); spent %d of %d µUSD (%d per request)",
		served, rejected, unavailable, lost, spent, int64(limitMicros), perRequest)

	low := int64(served)*perRequest + lost*worst
	high := int64(served)*perRequest + int64(unavailable)*worst
	checks := []struct {
		name string
		ok   bool
		msg  string
	}{
		{"every request answered", served+rejected+unavailable == instances*perInstance,
			fmt.Sprintf("%d served + %d rejected + %d unavailable of %d", served, rejected, unavailable, instances*perInstance)},
		{"some served, some refused", served > 0 && rejected+unavailable > 0,
			fmt.Sprintf("served %d, rejected %d, unavailable %d", served, rejected, unavailable)},
		{"limit never passed", spent <= limitMicros, fmt.Sprintf("spent %d µUSD of a %d limit", spent, int64(limitMicros))},
		{"a lost answer is refused, never served uncounted", int64(unavailable) >= lost,
			fmt.Sprintf("%d reservations' answers lost, %d requests answered 503 budget_unavailable", lost, unavailable)},
		{"nothing charged twice or lost", low <= spent && spent <= high,
			fmt.Sprintf("spent %d µUSD, want %d served × %d + between %d and %d refused reservations × %d = %d..%d",
				spent, served, perRequest, lost, unavailable, worst, low, high)},
		// A 429 means the counter had less than a worst case left, and it
		// held only reservations (each at most a worst case) of requests
		// served or refused as unavailable.
		{"the budget is used", rejected == 0 || int64(served+unavailable)*worst > limitMicros-worst,
			fmt.Sprintf("only %d served and %d unavailable before a 429", served, unavailable)},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok {
				t.Error(c.msg)
			}
		})
	}
}
