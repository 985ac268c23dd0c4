package engine_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// testClock is the engine's clock in these tests: attempts and backoffs
// move it, nothing waits.
type testClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *testClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

// slowFailing takes `took` on the test clock per call and fails with err.
type slowFailing struct {
	clk   *testClock
	took  time.Duration
	err   *provider.Error
	mu    sync.Mutex
	calls map[string]int
}

func (p *slowFailing) Complete(_ context.Context, c *provider.Call) (*chat.Response, error) {
	p.mu.Lock()
	p.calls[c.Model]++
	p.mu.Unlock()
	p.clk.advance(p.took)
	return nil, p.err
}

func (p *slowFailing) Stream(context.Context, *provider.Call) (provider.Stream, error) {
	return nil, p.err
}

func newClockedEngine(t *testing.T, yml string, clk *testClock, p provider.Provider) *engine.Engine {
	t.Helper()
	return newEngineWith(t, yml, clk, store.NewMemory(), map[string]provider.Provider{"t": p})
}

// newClockedEngineOn is an engine on st whose providers come from yml.
func newClockedEngineOn(t *testing.T, yml string, clk *testClock, st store.Store) *engine.Engine {
	t.Helper()
	return newEngineWith(t, yml, clk, st, nil)
}

func newEngineWith(t *testing.T, yml string, clk *testClock, st store.Store, providers map[string]provider.Provider) *engine.Engine {
	t.Helper()
	cfg, err := config.Parse([]byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(cfg, engine.Deps{Store: st, Logger: slog.New(slog.DiscardHandler), Seed: 3,
		Now: clk.Now, Sleep: clk.Sleep, Providers: providers, InstanceID: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// TestNoAttemptStartsThatCannotFinish: once less than the minimum attempt
// time is left before the request's deadline, the next candidate is not
// tried; the caller gets 504 deadline_exceeded with the attempts made.
func TestNoAttemptStartsThatCannotFinish(t *testing.T) {
	const yml = `
server: {cooldown: {failures: -1}}
providers:
  t: {type: mock}
routers:
  tight: {strategy: fallback, targets: [{model: t/a}, {model: t/b}], timeout: 1s}
`
	clk := &testClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	// The first target fails after 960 ms: 40 ms are left, under the
	// 50 ms an attempt needs at least.
	p := &slowFailing{clk: clk, took: 960 * time.Millisecond, calls: map[string]int{},
		err: &provider.Error{Class: provider.ClassServer, Status: 503, Message: "overloaded"}}
	e := newClockedEngine(t, yml, clk, p)
	_, err := e.Complete(context.Background(), req("router/tight", "", 10))
	if err == nil || err.Status != 504 || err.Code != "deadline_exceeded" {
		t.Fatalf("error %+v, want 504 deadline_exceeded", err)
	}
	if len(err.Attempts) != 1 || p.calls["b"] != 0 {
		t.Errorf("attempts %+v, calls %v: t/b must not be tried with 40 ms left", err.Attempts, p.calls)
	}

	// With time left, the next target is tried.
	clk2 := &testClock{now: clk.now}
	p2 := &slowFailing{clk: clk2, took: 900 * time.Millisecond, calls: map[string]int{}, err: p.err}
	e2 := newClockedEngine(t, yml, clk2, p2)
	if _, err := e2.Complete(context.Background(), req("router/tight", "", 10)); err == nil || p2.calls["b"] != 1 {
		t.Errorf("with 100 ms left t/b should be tried once; calls %v, err %+v", p2.calls, err)
	}
}

// TestBackoffCappedByMaxBackoff: exponential backoff between retries of a
// rate-limited target (no Retry-After) never waits longer than
// max_backoff, however many retries.
func TestBackoffCappedByMaxBackoff(t *testing.T) {
	const yml = `
server: {cooldown: {failures: -1}}
providers:
  t: {type: mock}
routers:
  patient:
    strategy: fallback
    targets: [{model: t/a}]
    timeout: 10m
    max_attempts: 10
    retry: {max_retries: 9, initial_backoff: 500ms, max_backoff: 2s}
`
	clk := &testClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	p := &slowFailing{clk: clk, took: 10 * time.Millisecond, calls: map[string]int{},
		err: &provider.Error{Class: provider.ClassRateLimit, Status: 429, Message: "slow down"}}
	e := newClockedEngine(t, yml, clk, p)
	_, err := e.Complete(context.Background(), req("router/patient", "", 10))
	if err == nil || err.Status != 429 {
		t.Fatalf("error %+v, want 429 after the retries", err)
	}
	if p.calls["a"] != 10 || len(clk.sleeps) != 9 {
		t.Fatalf("%d calls, %d sleeps; want 10 and 9", p.calls["a"], len(clk.sleeps))
	}
	var longest time.Duration
	for _, d := range clk.sleeps {
		if d < 0 || d > 2*time.Second {
			t.Errorf("backoff %v outside [0, max_backoff 2s] (all: %v)", d, clk.sleeps)
		}
		longest = max(longest, d)
	}
	// Jitter is uniform below the cap: over the later retries (whose
	// uncapped backoff would be 4 s to 128 s) some wait must come near it.
	if longest < time.Second {
		t.Errorf("longest backoff %v: the later retries should wait up to the 2s cap (all: %v)", longest, clk.sleeps)
	}
}
