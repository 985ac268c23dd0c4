package engine_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// lifecycleYAML prices p/m at $1000 per million tokens: the holder's
// usage (8 in, 5 out) costs $0.013, while max_tokens 1000 reserves about
// $1.01 — issue 12's "≈ $0.96 reserved vs $0.01 spent" shape.
const lifecycleYAML = `
providers:
  p: {type: mock}
models:
  p/m: {input_per_mtok: 1000, output_per_mtok: 1000}
routers:
  main: {strategy: fallback, targets: [{model: p/m}]}
  spare: {strategy: fallback, targets: [{model: p/m}]}
budgets:
  - %s
`

const (
	lifecycleCounter = "b#2026-11-25"
	requestMicros    = 13_000
)

// lifecycleEngine is one instance (a container when lambda) on st. The
// caller closes it, or not: a killed container never does.
func lifecycleEngine(t *testing.T, budget string, st store.Store, clk *testClock, id string, lambda bool) *engine.Engine {
	t.Helper()
	return lifecycleEngineWith(t, budget, st, clk, id, lambda, &holder{usage: chat.Usage{PromptTokens: 8, CompletionTokens: 5, TotalTokens: 13}})
}

func lifecycleEngineWith(t *testing.T, budget string, st store.Store, clk *testClock, id string, lambda bool, p provider.Provider) *engine.Engine {
	t.Helper()
	cfg, err := config.Parse(fmt.Appendf(nil, lifecycleYAML, budget))
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(cfg, engine.Deps{Store: st, Logger: slog.New(slog.DiscardHandler), Seed: 7, Now: clk.Now,
		Sleep: clk.Sleep, InstanceID: id, SettleEachRequest: lambda, Providers: map[string]provider.Provider{"p": p}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func spentOn(t *testing.T, st store.Store) int64 {
	t.Helper()
	n, err := st.Spent(context.Background(), lifecycleCounter)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLambdaContainerLifecycle is issue 12's point 3: a Lambda container
// may be frozen for good, or reaped, right after its response. With
// SettleEachRequest (what functions/gateway sets) every request's
// settlement is written before it returns, so with each container killed
// after one request — no Flush, no Close — or one container frozen
// between requests for longer than any flush timer, the counter holds the
// real spend. Without it each request left reservation − cost (≈ $1 here)
// as phantom spend.
func TestLambdaContainerLifecycle(t *testing.T) {
	const budget = `{name: b, scope: "router:main", limit_usd: 100, period: day}`
	const n = 5
	cases := []struct {
		name      string
		lambda    bool
		wantExact bool
	}{
		{"SettleEachRequest: settled spend is real spend", true, true},
		{"folded settlement (local server): reservations outlive the process", false, false},
	}
	for _, c := range cases {
		t.Run(c.name+"/killed after each request", func(t *testing.T) {
			st := store.NewMemory()
			clk := &testClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
			for i := 0; i < n; i++ {
				e := lifecycleEngine(t, budget, st, clk, fmt.Sprintf("container-%d", i), c.lambda)
				if _, err := e.Complete(context.Background(), req("router/main", "", 1000)); err != nil {
					t.Fatalf("request %d: %d %s", i, err.Status, err.Message)
				}
				// Killed: neither Flush nor Close ever runs.
			}
			got := spentOn(t, st)
			if exact := got == n*requestMicros; exact != c.wantExact {
				t.Errorf("spent %d µUSD after %d requests of %d each; exact = %v, want %v", got, n, requestMicros, exact, c.wantExact)
			}
		})
		t.Run(c.name+"/frozen between requests", func(t *testing.T) {
			st := store.NewMemory()
			clk := &testClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
			e := lifecycleEngine(t, budget, st, clk, "container", c.lambda)
			for i := 1; i <= n; i++ {
				if _, err := e.Complete(context.Background(), req("router/main", "", 1000)); err != nil {
					t.Fatalf("request %d: %d %s", i, err.Status, err.Message)
				}
				// Frozen: an hour passes with no flush timer running.
				clk.advance(time.Hour)
				got := spentOn(t, st)
				if exact := got == int64(i)*requestMicros; exact != c.wantExact {
					t.Errorf("after request %d: spent %d µUSD; exact = %v, want %v", i, got, exact, c.wantExact)
				}
			}
		})
	}
}

// failingLedger fails every budget write, as DynamoDB does when it
// throttles the counter's item.
type failingLedger struct{ *store.Memory }

var errThrottled = errors.New("ThrottlingException: rate of requests exceeds the allowed throughput")

func (failingLedger) Reserve(context.Context, string, int64, int64, time.Time) (int64, error) {
	return 0, errThrottled
}

func (failingLedger) TakeLease(context.Context, store.Lease, int64) (int64, error) {
	return 0, errThrottled
}

// TestHardBudgetsFailClosed: when the ledger cannot be written, a hard
// budget (on_exceed reject, the default) now refuses with 503
// budget_unavailable unless it says on_store_error: allow; a reroute
// budget, a soft one, still serves by default. Before, every budget
// served such requests uncounted, so a throttled hard cap stopped
// counting.
func TestHardBudgetsFailClosed(t *testing.T) {
	cases := []struct {
		name   string
		budget string
		served bool
	}{
		{"hard budget, default", `{name: b, scope: "router:main", limit_usd: 100, period: day}`, false},
		{"hard budget with leases, default", `{name: b, scope: "router:main", limit_usd: 100, period: day, lease_usd: 5}`, false},
		{"hard budget, on_store_error: reject", `{name: b, scope: "router:main", limit_usd: 100, period: day, on_store_error: reject}`, false},
		{"hard budget, on_store_error: allow", `{name: b, scope: "router:main", limit_usd: 100, period: day, on_store_error: allow}`, true},
		{"reroute budget, default", `{name: b, scope: "router:main", limit_usd: 100, period: day, on_exceed: "reroute:spare"}`, true},
		{"reroute budget, on_store_error: reject", `{name: b, scope: "router:main", limit_usd: 100, period: day, on_exceed: "reroute:spare", on_store_error: reject}`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clk := &testClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
			e := lifecycleEngine(t, c.budget, failingLedger{store.NewMemory()}, clk, "i", false)
			t.Cleanup(e.Close)
			_, err := e.Complete(context.Background(), req("router/main", "", 1000))
			switch {
			case c.served && err != nil:
				t.Errorf("refused %d %s: %s; want served", err.Status, err.Code, err.Message)
			case !c.served && err == nil:
				t.Error("served with the ledger down; want 503 budget_unavailable")
			case !c.served && (err.Status != http.StatusServiceUnavailable || err.Code != "budget_unavailable"):
				t.Errorf("refused %d %s: %s; want 503 budget_unavailable", err.Status, err.Code, err.Message)
			}
		})
	}
}
