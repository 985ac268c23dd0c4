package statetest

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"path/filepath"
	"sync"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// regionsYAML: one global budget of $5 homed in us-east-1, leased in
// chunks of $0.50; a request costs $0.013 and reserves $0.0215.
const regionsYAML = `
providers:
  m: {type: mock, reply: "Once upon a time."}
models:
  m/story: {input_per_mtok: 1000, output_per_mtok: 1000}
routers:
  main: {strategy: fallback, targets: [{model: m/story}]}
budgets:
  - {name: world, scope: global, limit_usd: 5, period: day, lease_usd: 0.5, home_region: us-east-1}
`

const worldCounter = "world#2026-11-25"

// TestBudgetAcrossRegions is issue 12 point 4 on DynamoDB: two dynalites
// stand for us-east-1 and eu-west-1, each with its own tables (of
// different names, as two stacks have) and two gateway instances. The
// eu-west-1 instances reach us-east-1's state table the way a deployed
// gateway does (dynamo.HomeStores: SWITCHYARD_REGION_STATE_TABLES and a
// per-region endpoint), counting their calls. Both regions serve
// concurrently until the budget refuses: spend across both stays within
// the one limit and equals what was served once leases come back,
// eu-west-1's own table holds none of it, and eu-west-1 made a few
// calls to us-east-1 per lease, not one per request.
func TestBudgetAcrossRegions(t *testing.T) {
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "credentials"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL_DYNAMODB": "",
	} {
		t.Setenv(k, v)
	}
	eastEndpoint, westEndpoint := testenv.Dynalite(t), testenv.Dynalite(t)
	east := noSamples{newStore(t, eastEndpoint)}
	west := noSamples{newStore(t, westEndpoint)}
	remote := &dynamo.CallCounter{}
	env := map[string]string{
		dynamo.EnvRegionStateTables:              "us-east-1=" + east.Store.(*dynamo.Store).Tables().State,
		"SWITCHYARD_DYNAMODB_ENDPOINT_US_EAST_1": eastEndpoint,
	}
	homes := dynamo.NewHomeStores(func(k string) string { return env[k] }, remote.Options)
	cfg := parse(t, regionsYAML)
	clk := newClock()
	const perRegion, inFlight, perGo = 2, 8, 25
	type inst struct {
		e    *engine.Engine
		west bool
	}
	var all []inst
	for i := 0; i < perRegion; i++ {
		for _, isWest := range []bool{false, true} {
			deps := engine.Deps{Store: east, Region: "us-east-1", Now: clk.Now, Seed: 11, InstanceID: fmt.Sprintf("east-%d", i),
				Logger: slog.New(slog.DiscardHandler)}
			if isWest {
				deps.Store, deps.Region, deps.InstanceID, deps.HomeStore = west, "eu-west-1", fmt.Sprintf("west-%d", i), homes.Open
			}
			e, err := engine.New(cfg, deps)
			if err != nil {
				t.Fatalf("engine: %v", err)
			}
			all = append(all, inst{e, isWest})
		}
	}
	var mu sync.Mutex
	served, refused := map[bool]int{}, map[bool]int{}
	costs := map[float64]bool{}
	var wg sync.WaitGroup
	for _, in := range all {
		for g := 0; g < inFlight; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; k < perGo; k++ {
					out, err := in.e.Complete(context.Background(), request("router/main", 5))
					mu.Lock()
					switch {
					case err == nil:
						served[in.west]++
						costs[out.CostUSD] = true
					case err.Status == http.StatusTooManyRequests && err.Code == "budget_exceeded":
						refused[in.west]++
					default:
						t.Errorf("unexpected %d %s: %s", err.Status, err.Code, err.Message)
					}
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	calls := remote.Total()
	ops := remote.Snapshot()
	for _, in := range all {
		if err := in.e.Flush(context.Background(), true); err != nil {
			t.Fatalf("Flush: %v", err)
		}
		in.e.Close()
	}
	if len(costs) != 1 {
		t.Fatalf("costs %v: want one price", costs)
	}
	var perRequest int64
	for c := range costs {
		perRequest = int64(math.Ceil(c * 1e6))
	}
	spent, err := east.Spent(context.Background(), worldCounter)
	if err != nil {
		t.Fatal(err)
	}
	westSpent, err := west.Spent(context.Background(), worldCounter)
	if err != nil {
		t.Fatal(err)
	}
	total := served[false] + served[true]
	t.Logf("served us-east-1 %d eu-west-1 %d; refused %d / %d; spent %d µUSD of 5000000; eu-west-1 → us-east-1: %d calls %v",
		served[false], served[true], refused[false], refused[true], spent, calls, ops)
	if spent > 5_000_000 {
		t.Errorf("spent %d µUSD across regions, past the 5000000 limit", spent)
	}
	if spent != int64(total)*perRequest {
		t.Errorf("spent %d µUSD, want %d served × %d: a lease leaked or was counted twice", spent, total, perRequest)
	}
	if westSpent != 0 {
		t.Errorf("eu-west-1's own table counts %d µUSD: the budget is counted per region", westSpent)
	}
	if served[true] == 0 || refused[true] == 0 {
		t.Errorf("eu-west-1 served %d, refused %d: it should spend the budget and reach its limit", served[true], refused[true])
	}
	// Without leases each request would cost at least one call (a
	// reservation; its settlement folded into the next). A $0.50 lease
	// serves ~38 requests for a take, a return and a few mark reports.
	if westRequests := int64(served[true] + refused[true]); calls*2 > westRequests {
		t.Errorf("eu-west-1 made %d calls to us-east-1 for %d requests: want a few per lease, not one per request", calls, westRequests)
	}
}

var _ store.Store = noSamples{}
