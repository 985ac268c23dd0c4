package engine_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// remoteView is another region's budget store as one region's gateways
// reach it: every call counted (a cross-region round trip each), and all
// of them failing while down.
type remoteView struct {
	store.Budgets
	mu    sync.Mutex
	calls map[string]int
	down  atomic.Bool
}

var errRegionDown = errors.New("home region unreachable")

func newRemoteView(st store.Budgets) *remoteView {
	return &remoteView{Budgets: st, calls: map[string]int{}}
}

func (r *remoteView) call(op string) error {
	r.mu.Lock()
	r.calls[op]++
	r.mu.Unlock()
	if r.down.Load() {
		return errRegionDown
	}
	return nil
}

func (r *remoteView) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.calls {
		n += c
	}
	return n
}

func (r *remoteView) Reserve(ctx context.Context, key string, micros, limit int64, expires time.Time) (int64, error) {
	if err := r.call("Reserve"); err != nil {
		return 0, err
	}
	return r.Budgets.Reserve(ctx, key, micros, limit, expires)
}

func (r *remoteView) Adjust(ctx context.Context, key string, delta int64, expires time.Time) error {
	if err := r.call("Adjust"); err != nil {
		return err
	}
	return r.Budgets.Adjust(ctx, key, delta, expires)
}

func (r *remoteView) Spent(ctx context.Context, key string) (int64, error) {
	if err := r.call("Spent"); err != nil {
		return 0, err
	}
	return r.Budgets.Spent(ctx, key)
}

func (r *remoteView) TakeLease(ctx context.Context, l store.Lease, limit int64) (int64, error) {
	if err := r.call("TakeLease"); err != nil {
		return 0, err
	}
	return r.Budgets.TakeLease(ctx, l, limit)
}

func (r *remoteView) ReportLease(ctx context.Context, l store.Lease) error {
	if err := r.call("ReportLease"); err != nil {
		return err
	}
	return r.Budgets.ReportLease(ctx, l)
}

func (r *remoteView) ReturnLease(ctx context.Context, l store.Lease) error {
	if err := r.call("ReturnLease"); err != nil {
		return err
	}
	return r.Budgets.ReturnLease(ctx, l)
}

func (r *remoteView) OpenLeases(ctx context.Context, counter string) ([]store.Lease, error) {
	if err := r.call("OpenLeases"); err != nil {
		return nil, err
	}
	return r.Budgets.OpenLeases(ctx, counter)
}

// regionEngine is one gateway instance in region, its own state in st,
// reaching the home region (us-east-1) through home when it is another.
func regionEngine(t *testing.T, budget string, st store.Store, home store.Budgets, region, id string, clk *testClock) *engine.Engine {
	t.Helper()
	cfg, err := config.Parse(fmt.Appendf(nil, lifecycleYAML, budget))
	if err != nil {
		t.Fatal(err)
	}
	deps := engine.Deps{Store: st, Logger: slog.New(slog.DiscardHandler), Seed: 7, Now: clk.Now, Sleep: clk.Sleep, InstanceID: id,
		Region: region, Providers: map[string]provider.Provider{"p": &holder{usage: chat.Usage{PromptTokens: 8, CompletionTokens: 5, TotalTokens: 13}}}}
	if home != nil {
		deps.HomeStore = func(r string) (store.Budgets, error) {
			if r != "us-east-1" {
				return nil, fmt.Errorf("no region %s", r)
			}
			return home, nil
		}
	}
	e, err := engine.New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestHomeRegionHoldsOneLimit is issue 12 point 4: two regions, each with
// its own state store and two instances, spend one global budget homed
// in us-east-1 with eight requests in flight per instance until it
// refuses them. Spend across both regions stays within the one limit
// (with a counter per region it was twice the limit), eu-west-1's own
// store holds no spend, and eu-west-1 reaches us-east-1 a few times per
// lease, never per request, and never with a counter reservation.
func TestHomeRegionHoldsOneLimit(t *testing.T) {
	const (
		limit    = 5_000_000
		lease    = 500_000
		perReg   = 2
		inFlight = 8
		perGo    = 30
	)
	budget := `{name: b, scope: "router:main", limit_usd: 5, period: day, lease_usd: 0.5, home_region: us-east-1}`
	east, west := store.NewMemory(), store.NewMemory()
	view := newRemoteView(east)
	clk := &testClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	type inst struct {
		e      *engine.Engine
		remote bool
	}
	var es []inst
	for i := 0; i < perReg; i++ {
		es = append(es, inst{regionEngine(t, budget, east, nil, "us-east-1", fmt.Sprintf("east-%d", i), clk), false})
		es = append(es, inst{regionEngine(t, budget, west, view, "eu-west-1", fmt.Sprintf("west-%d", i), clk), true})
	}
	var mu sync.Mutex
	served := map[bool]int{}
	refused := map[bool]int{}
	var wg sync.WaitGroup
	for _, in := range es {
		for g := 0; g < inFlight; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; k < perGo; k++ {
					_, err := in.e.Complete(context.Background(), req("router/main", "", 10))
					mu.Lock()
					switch {
					case err == nil:
						served[in.remote]++
					case err.Status == http.StatusTooManyRequests && err.Code == "budget_exceeded":
						refused[in.remote]++
					default:
						t.Errorf("unexpected %d %s: %s", err.Status, err.Code, err.Message)
					}
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	calls := view.total()
	for _, in := range es {
		in.e.Close()
	}
	spent := spentOn(t, east)
	total := served[false] + served[true]
	t.Logf("served east %d west %d, refused east %d west %d; spent %d of %d µUSD; west→east calls %d %v",
		served[false], served[true], refused[false], refused[true], spent, int64(limit), calls, view.calls)
	if spent > limit {
		t.Errorf("spent %d µUSD past the %d limit across regions", spent, int64(limit))
	}
	if spent != int64(total)*requestMicros {
		t.Errorf("spent %d µUSD, want served %d × %d = %d", spent, total, requestMicros, int64(total)*requestMicros)
	}
	if w := spentOn(t, west); w != 0 {
		t.Errorf("eu-west-1's own store holds %d µUSD: the budget is counted per region", w)
	}
	if served[true] == 0 || refused[true] == 0 || refused[false] == 0 {
		t.Errorf("served %v refused %v: both regions should spend the budget and reach its limit", served, refused)
	}
	if floor := int64(limit) - 2*perReg*(lease+inFlight*worstMicros(10)); spent < floor {
		t.Errorf("spent %d µUSD: the budget was left unused below %d", spent, floor)
	}
	// A lease of $0.50 covers ~38 requests of $0.013 and costs a take, a
	// return and about four mark reports.
	if calls*4 > served[true]+refused[true] {
		t.Errorf("%d calls to the home region for %d served and %d refused remote requests: want a few per lease, not per request",
			calls, served[true], refused[true])
	}
	if n := view.calls["Reserve"]; n != 0 {
		t.Errorf("%d counter reservations across regions: remote regions spend only through leases", n)
	}
}

// TestHomeRegionOutage: when the home region cannot be reached, a remote
// region's hard budget refuses (503 budget_unavailable) and a budget set
// to on_store_error: allow serves uncounted; the home region itself keeps
// serving.
func TestHomeRegionOutage(t *testing.T) {
	clk := &testClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	for _, c := range []struct {
		name, extra string
		wantCode    string
	}{
		{"hard budget fails closed", "", "budget_unavailable"},
		{"allow serves", ", on_store_error: allow", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			budget := `{name: b, scope: "router:main", limit_usd: 5, period: day, lease_usd: 0.5, home_region: us-east-1` + c.extra + `}`
			east := store.NewMemory()
			view := newRemoteView(east)
			view.down.Store(true)
			west := regionEngine(t, budget, store.NewMemory(), view, "eu-west-1", "west", clk)
			defer west.Close()
			_, err := west.Complete(context.Background(), req("router/main", "", 10))
			switch {
			case c.wantCode == "" && err != nil:
				t.Fatalf("%d %s: %s, want served", err.Status, err.Code, err.Message)
			case c.wantCode != "" && (err == nil || err.Code != c.wantCode || err.Status != http.StatusServiceUnavailable):
				t.Fatalf("got %+v, want 503 %s", err, c.wantCode)
			}
			home := regionEngine(t, budget, east, nil, "us-east-1", "east", clk)
			defer home.Close()
			if _, err := home.Complete(context.Background(), req("router/main", "", 10)); err != nil {
				t.Fatalf("home region: %d %s", err.Status, err.Message)
			}
		})
	}
}

// TestHomeRegionWiring: a budget homed in another region needs a way to
// reach it (the engine is refused with the field's path); a gateway that
// does not know its region, or runs in the home region, keeps the budget
// in its own store.
func TestHomeRegionWiring(t *testing.T) {
	budget := `{name: b, scope: "router:main", limit_usd: 5, period: day, lease_usd: 0.5, home_region: us-east-1}`
	cfg, err := config.Parse(fmt.Appendf(nil, lifecycleYAML, budget))
	if err != nil {
		t.Fatal(err)
	}
	_, err = engine.New(cfg, engine.Deps{Region: "eu-west-1", Logger: slog.New(slog.DiscardHandler)})
	if err == nil || !strings.Contains(err.Error(), "budgets[0].home_region") || !strings.Contains(err.Error(), "no store for region us-east-1") {
		t.Fatalf("New without HomeStore in eu-west-1: %v, want a budgets[0].home_region error", err)
	}
	clk := &testClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	for _, region := range []string{"", "us-east-1"} {
		st := store.NewMemory()
		e := regionEngine(t, budget, st, nil, region, "local", clk)
		if _, err := e.Complete(context.Background(), req("router/main", "", 10)); err != nil {
			t.Fatalf("region %q: %d %s", region, err.Status, err.Message)
		}
		e.Close()
		if got := spentOn(t, st); got != requestMicros {
			t.Errorf("region %q: own store spent %d, want %d", region, got, requestMicros)
		}
	}
}

// TestHomeRegionLambdaCallsPerLease: under SettleEachRequest (Lambda) a
// local lease's mark is lowered to the exact spend after each request and
// raised again before the next — two writes per request, which for a
// budget homed in another region would be two cross-region calls per
// request. A remote lease keeps its mark up to a quarter lease ahead, so
// the home region sees a few calls per lease; spend is still exact once
// the lease comes back.
func TestHomeRegionLambdaCallsPerLease(t *testing.T) {
	budget := `{name: b, scope: "router:main", limit_usd: 5, period: day, lease_usd: 0.5, home_region: us-east-1}`
	clk := &testClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	east := store.NewMemory()
	view := newRemoteView(east)
	cfg, err := config.Parse(fmt.Appendf(nil, lifecycleYAML, budget))
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(cfg, engine.Deps{Store: store.NewMemory(), Logger: slog.New(slog.DiscardHandler), Seed: 7, Now: clk.Now, Sleep: clk.Sleep,
		InstanceID: "container", Region: "eu-west-1", SettleEachRequest: true,
		HomeStore: func(string) (store.Budgets, error) { return view, nil },
		Providers: map[string]provider.Provider{"p": &holder{usage: chat.Usage{PromptTokens: 8, CompletionTokens: 5, TotalTokens: 13}}}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 100
	for i := 0; i < n; i++ {
		if _, err := e.Complete(context.Background(), req("router/main", "", 10)); err != nil {
			t.Fatalf("request %d: %d %s", i, err.Status, err.Message)
		}
		_ = e.Flush(context.Background(), false) // what functions/gateway does after each invocation
	}
	calls := view.total()
	e.Close()
	t.Logf("%d requests, %d calls to the home region %v", n, calls, view.calls)
	if calls*4 > n {
		t.Errorf("%d calls to the home region for %d requests: want a few per lease, not per request", calls, n)
	}
	if got := spentOn(t, east); got != n*requestMicros {
		t.Errorf("spent %d µUSD, want %d", got, n*requestMicros)
	}
}
