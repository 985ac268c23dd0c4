package statetest

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// scaleYAML is proofYAML's model ($0.013 a request, $0.0215 reserved)
// under a $10,000 daily budget, with or without leases. The lease follows
// docs/scale.md's lease rule: limit ÷ (8 × instances), here
// 10,000 ÷ (8 × 10) = $125.
const scaleYAML = `
providers:
  m: {type: mock, reply: "Once upon a time."}
models:
  m/story: {input_per_mtok: 1000, output_per_mtok: 1000}
routers:
  main: {strategy: fallback, targets: [{model: m/story}]}
budgets:
  - {name: scale, scope: "router:main", limit_usd: 10000, period: day%s}
`

const scaleCounter = "budget/scale#2026-11-25"

// noSamples drops metric samples and their sums: the simulation counts
// budget writes, and metric writes would only slow it down.
type noSamples struct{ store.Store }

func (noSamples) AddSample(context.Context, store.Sample) error    { return nil }
func (noSamples) AddBuckets(context.Context, []store.Bucket) error { return nil }

// scaleRun is one simulated load: rate requests per simulated second for
// seconds, spread over instances long-lived instances that flush every 5
// simulated seconds as the local server does — or, with lambda, over
// containers that each serve one request at a time and settle and flush
// after each (functions/gateway).
type scaleRun struct {
	rate, seconds int
	lease         string // lease_usd field, "" for none
	instances     int
	lambda        bool
}

// scaleResult is what a run wrote.
type scaleResult struct {
	served      int
	counterRate float64 // writes per simulated second on the counter item
	hottestRate float64 // on the lease records of the instance that wrote its own most
	spent       int64
	perRequest  int64
}

func simulate(t *testing.T, endpoint string, run scaleRun) scaleResult {
	t.Helper()
	calls := &dynamo.CallCounter{}
	st := noSamples{newStore(t, endpoint, calls.Options)}
	cfg := parse(t, fmt.Sprintf(scaleYAML, run.lease))
	clk := newClock()
	var engines []*engine.Engine
	for i := 0; i < run.instances; i++ {
		e, err := engine.New(cfg, engine.Deps{Store: st, Now: clk.Now, Seed: 11, InstanceID: fmt.Sprintf("instance-%d", i),
			Logger: slog.New(slog.DiscardHandler), SettleEachRequest: run.lambda})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(e.Close)
		engines = append(engines, e)
	}
	var mu sync.Mutex
	var res scaleResult
	costs := map[float64]int{}
	for sec := 0; sec < run.seconds; sec++ {
		var wg sync.WaitGroup
		for i, e := range engines {
			n := run.rate / run.instances
			if i < run.rate%run.instances {
				n++
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; k < n; k++ {
					out, err := e.Complete(context.Background(), request("router/main", 5))
					mu.Lock()
					if err != nil {
						t.Errorf("request refused: %d %s %s", err.Status, err.Code, err.Message)
					} else {
						res.served++
						costs[out.CostUSD]++
					}
					mu.Unlock()
					if run.lambda {
						_ = e.Flush(context.Background(), false)
					}
				}
			}()
		}
		wg.Wait()
		clk.Advance(time.Second)
		if (sec+1)%5 == 0 {
			for _, e := range engines {
				_ = e.Flush(context.Background(), false)
			}
		}
	}
	// Counted while the instances serve: the final returns are a
	// one-off of instances stopping.
	writes := calls.KeyWrites()
	res.counterRate = float64(writes[scaleCounter]) / float64(run.seconds)
	perHolder := map[string]int64{}
	for k, n := range writes {
		if strings.HasPrefix(k, "lease#") {
			// Lease records: "lease#<counter>/<instance>/<nonce>#<n>";
			// an instance's successive leases are one writer.
			perHolder[k[:strings.LastIndex(k, "#")]] += n
		}
	}
	for _, n := range perHolder {
		res.hottestRate = max(res.hottestRate, float64(n)/float64(run.seconds))
	}
	for _, e := range engines {
		if err := e.Flush(context.Background(), true); err != nil {
			t.Fatalf("Flush: %v", err)
		}
	}
	spent, err := st.Spent(context.Background(), "scale#2026-11-25")
	if err != nil {
		t.Fatal(err)
	}
	res.spent = spent
	if len(costs) != 1 {
		t.Fatalf("costs %v: want one price", costs)
	}
	for c := range costs {
		res.perRequest = int64(math.Ceil(c * 1e6))
	}
	return res
}

// TestBudgetWritesPerKey is issue 12's simulation: ten instances on one
// dynalite serve 100, 1,000 and 10,000 requests per simulated second
// under one global budget. Without leases the counter item takes a write
// per request, so at 1,000 requests/s it reaches DynamoDB's per-item
// ceiling (about 1,000 writes/s). With lease_usd every instance writes
// the counter about twice per lease, so the hottest item takes a few
// writes per second whatever the rate, and spend is exact once the
// instances return their leases. docs/scale.md (Budgets) has the figures.
func TestBudgetWritesPerKey(t *testing.T) {
	endpoint := testenv.Dynalite(t)
	runs := []struct {
		scaleRun
		maxCounterRate float64
	}{
		// Without leases: one write per request (settlements folded in).
		{scaleRun{rate: 100, seconds: 3, instances: 10}, 101},
		{scaleRun{rate: 1000, seconds: 2, instances: 10}, 1001},
		// With leases, over windows long enough for lease terms (1 min)
		// to turn over: the first lease of each instance is included.
		{scaleRun{rate: 100, seconds: 180, instances: 10, lease: ", lease_usd: 125"}, 1},
		{scaleRun{rate: 1000, seconds: 70, instances: 10, lease: ", lease_usd: 125"}, 1},
		{scaleRun{rate: 10000, seconds: 15, instances: 10, lease: ", lease_usd: 125"}, 5},
		// Lambda: one container per request in flight (100 at 100
		// requests/s of 1 s each), the lease by the same rule:
		// 10,000 ÷ (8 × 100). Each container writes its own lease record
		// twice per request (the mark raised before the attempt, lowered
		// to the exact spend after it); the counter sees the leases.
		{scaleRun{rate: 100, seconds: 65, instances: 100, lambda: true, lease: ", lease_usd: 12.5"}, 5},
	}
	var table []string
	for _, r := range runs {
		name := fmt.Sprintf("%d/s for %ds on %d instances (lambda %v), lease %q", r.rate, r.seconds, r.instances, r.lambda, r.lease)
		t.Run(name, func(t *testing.T) {
			res := simulate(t, endpoint, r.scaleRun)
			line := fmt.Sprintf("%6d req/s, %3d instances, lambda %-5v, lease%-17s: counter %7.1f writes/s, busiest instance's lease records %6.1f writes/s; %d served, spent %d µUSD",
				r.rate, r.instances, r.lambda, r.lease, res.counterRate, res.hottestRate, res.served, res.spent)
			table = append(table, line)
			if want := r.rate * r.seconds; res.served != want {
				t.Errorf("served %d of %d", res.served, want)
			}
			if res.spent != int64(res.served)*res.perRequest {
				t.Errorf("spent %d µUSD, want %d served × %d: a lease leaked or counted twice", res.spent, res.served, res.perRequest)
			}
			if res.counterRate > r.maxCounterRate {
				t.Errorf("%.1f writes/s on the counter item, want at most %.0f", res.counterRate, r.maxCounterRate)
			}
			if r.lease == "" && res.counterRate < float64(r.rate)*0.9 {
				t.Errorf("%.1f counter writes/s without leases at %d requests/s: the baseline is one per request", res.counterRate, r.rate)
			}
		})
	}
	sort.Strings(table)
	for _, l := range table {
		t.Log(l)
	}
}
