package engine_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// halfOpenConfig: t/bad first, t/good behind it; one failure cools t/bad
// down for 30 s.
const halfOpenConfig = `
server: {cooldown: {failures: 1, duration: 30s}}
providers:
  t: {type: mock}
routers:
  fb: {strategy: fallback, targets: [{model: t/bad}, {model: t/good}]}
`

// flaky serves t/good always and t/bad as told: failing (503) or not,
// and, when hold is set, each t/bad call waits for release.
type flaky struct {
	mu      sync.Mutex
	calls   map[string]int
	badOK   bool
	hold    bool
	entered chan int // the t/bad call's number, when hold is set
	release chan struct{}
}

func newFlaky() *flaky {
	return &flaky{calls: map[string]int{}, entered: make(chan int, 128), release: make(chan struct{})}
}

func (p *flaky) set(badOK, hold bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.badOK, p.hold = badOK, hold
}

func (p *flaky) badCalls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls["bad"]
}

func (p *flaky) Complete(ctx context.Context, c *provider.Call) (*chat.Response, error) {
	p.mu.Lock()
	p.calls[c.Model]++
	n, ok, hold := p.calls[c.Model], p.badOK, p.hold
	p.mu.Unlock()
	if c.Model == "bad" {
		if hold {
			p.entered <- n
			select {
			case <-p.release:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if !ok {
			return nil, &provider.Error{Class: provider.ClassServer, Status: 503, Message: "down"}
		}
	}
	return &chat.Response{Model: c.Model, Choices: []chat.Choice{{Message: chat.Message{Role: "assistant", Content: chat.TextContent("ok")}}}}, nil
}

func (p *flaky) Stream(context.Context, *provider.Call) (provider.Stream, error) {
	return nil, errors.New("not streamed in these tests")
}

// claimsFail is a store whose probe claims all fail: it cannot arbitrate
// between instances, so each process must still let one probe through.
type claimsFail struct{ store.Store }

func (claimsFail) ClaimProbe(context.Context, string, time.Time, time.Time) (bool, error) {
	return false, errors.New("store unreachable")
}

// cool fails one request on t/bad so that it cools down, and checks it.
func cool(t *testing.T, e *engine.Engine, p *flaky) {
	t.Helper()
	res, err := e.Complete(context.Background(), req("router/fb", "", 10))
	if err != nil || res.Target != "t/good" {
		t.Fatalf("cooling request: %+v %+v", res, err)
	}
	if got := served(t, e); got != "t/good" {
		t.Fatalf("during the cooldown the request attempted %s, want t/good only", got)
	}
}

// served makes one request and returns the targets it attempted.
func served(t *testing.T, e *engine.Engine) string {
	t.Helper()
	res, err := e.Complete(context.Background(), req("router/fb", "", 10))
	if err != nil {
		t.Fatalf("request failed: %+v", err)
	}
	var out []string
	for _, a := range res.Attempts {
		out = append(out, a.Target)
	}
	return strings.Join(out, ",")
}

// TestCooldownExpiryLetsOneProbeThrough: 64 requests arrive together just
// after t/bad's cooldown ends. Exactly one tries t/bad (the probe, held
// upstream until the others are done); the other 63 are served by t/good
// without touching t/bad. The probe fails, so the cooldown is renewed and
// the next request skips t/bad again. This holds too when the store
// cannot arbitrate the probe (each process still lets only one through).
func TestCooldownExpiryLetsOneProbeThrough(t *testing.T) {
	stores := []struct {
		name string
		st   func() store.Store
	}{
		{"store arbitrates", func() store.Store { return store.NewMemory() }},
		{"store claims fail", func() store.Store { return claimsFail{store.NewMemory()} }},
	}
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			clk := &testClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
			p := newFlaky()
			st := sc.st()
			e := newEngineWith(t, halfOpenConfig, clk, st, map[string]provider.Provider{"t": p})
			cool(t, e, p)
			before := p.badCalls()

			clk.advance(31 * time.Second)
			p.set(false, true)
			t.Cleanup(func() { close(p.release) })
			const n = 64
			type result struct {
				res *engine.Result
				err *engine.Error
			}
			results := make(chan result, n)
			for i := 0; i < n; i++ {
				go func() {
					res, err := e.Complete(context.Background(), req("router/fb", "", 10))
					results <- result{res, err}
				}()
			}
			<-p.entered // the probe is upstream, and stays there
			var byGood int
			for done := 0; done < n-1; {
				select {
				case r := <-results:
					done++
					// t/good is not the plan's first candidate: serving from it
					// is a fallback, though the only attempt.
					if r.err != nil || r.res.Target != "t/good" || len(r.res.Attempts) != 1 || !r.res.Fallback {
						t.Errorf("while the probe is out: %+v %+v, want served by t/good in one attempt, as a fallback", r.res, r.err)
					} else {
						byGood++
					}
				case k := <-p.entered:
					t.Fatalf("t/bad call %d started while the probe was out: every request tries the target at once", k-before)
				}
			}
			p.set(false, false)
			p.release <- struct{}{} // the probe fails
			probe := <-results
			if probe.err != nil || probe.res.Target != "t/good" || !probe.res.Fallback {
				t.Errorf("the probe's request: %+v %+v, want served by t/good after t/bad failed", probe.res, probe.err)
			}
			if got := p.badCalls() - before; got != 1 || byGood != n-1 {
				t.Errorf("%d calls to t/bad for %d requests (%d served by t/good at once), want 1 and %d", got, n, byGood, n-1)
			}
			// The probe's failure renewed the cooldown.
			cds, err := st.Cooldowns(context.Background(), clk.Now())
			if err != nil || !cds["t/bad"].Equal(clk.Now().Add(30*time.Second)) {
				t.Errorf("stored cooldowns %v (%v), want t/bad until now+30s", cds, err)
			}
			if got := served(t, e); got != "t/good" {
				t.Errorf("after the failed probe a request attempted %s, want t/good only", got)
			}
		})
	}
}

// TestProbeOutcomeAcrossInstances: A cools t/bad down; B, a second
// instance on the same store with no failures of its own, makes the probe
// when the cooldown ends. A failed probe renews the cooldown at once for
// both (B does not need a fresh run of failures); a successful one closes
// it, and both send t/bad traffic again.
func TestProbeOutcomeAcrossInstances(t *testing.T) {
	clk := &testClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	st := store.NewMemory()
	pa, pb := newFlaky(), newFlaky()
	const yml = `
server: {cooldown: {failures: 3, duration: 30s}}
providers:
  t: {type: mock}
routers:
  fb: {strategy: fallback, targets: [{model: t/bad}, {model: t/good}]}
`
	a := newEngineWith(t, yml, clk, st, map[string]provider.Provider{"t": pa})
	b := newEngineWith(t, yml, clk, st, map[string]provider.Provider{"t": pb})
	ctx := context.Background()
	refresh := func(t *testing.T, e *engine.Engine) {
		t.Helper()
		if err := e.RefreshSharedState(ctx); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name        string
		run         func(t *testing.T)
		onA, onB    string // targets attempted by a request on each, "" to skip
		badCallsOnB int
	}{
		{name: "A cools t/bad down after three failures", run: func(t *testing.T) {
			for i := 0; i < 3; i++ {
				if got := served(t, a); got != "t/bad,t/good" {
					t.Fatalf("A request %d attempted %s", i+1, got)
				}
			}
			refresh(t, b)
		}, onA: "t/good", onB: "t/good"},
		{name: "B's probe after the expiry fails: renewed at once", run: func(t *testing.T) {
			clk.advance(31 * time.Second)
			refresh(t, b)
			if got := served(t, b); got != "t/bad,t/good" {
				t.Fatalf("B's probe attempted %s, want t/bad,t/good", got)
			}
			refresh(t, a)
		}, onA: "t/good", onB: "t/good", badCallsOnB: 1},
		{name: "B's next probe succeeds: closed for both", run: func(t *testing.T) {
			clk.advance(31 * time.Second)
			pb.set(true, false)
			pa.set(true, false)
			refresh(t, a)
			refresh(t, b)
			if got := served(t, b); got != "t/bad" {
				t.Fatalf("B's probe attempted %s, want t/bad", got)
			}
			refresh(t, a)
			cds, err := st.Cooldowns(ctx, clk.Now().Add(-store.CooldownKeep))
			if err != nil || len(cds) != 0 {
				t.Fatalf("stored cooldowns after a successful probe: %v %v, want none", cds, err)
			}
		}, onA: "t/bad", onB: "t/bad", badCallsOnB: 3},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.run(t)
			if got := served(t, a); s.onA != "" && got != s.onA {
				t.Errorf("then A attempted %s, want %s", got, s.onA)
			}
			if got := served(t, b); s.onB != "" && got != s.onB {
				t.Errorf("then B attempted %s, want %s", got, s.onB)
			}
			if got := pb.badCalls(); got != s.badCallsOnB {
				t.Errorf("B called t/bad %d times, want %d", got, s.badCallsOnB)
			}
		})
	}
}

// TestProbeLeaseOfACrashedInstanceExpires: another instance claimed the
// probe and died without reporting. Until its lease (the cooldown's
// duration) ends, requests here keep t/bad at the back; then one of them
// probes it (at the latest 5 s later: a process that lost a claim asks
// the store again after that long).
func TestProbeLeaseOfACrashedInstanceExpires(t *testing.T) {
	clk := &testClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	st := store.NewMemory()
	p := newFlaky()
	e := newEngineWith(t, halfOpenConfig, clk, st, map[string]provider.Provider{"t": p})
	cool(t, e, p)
	before := p.badCalls()

	clk.advance(31 * time.Second)
	ctx := context.Background()
	if ok, err := st.ClaimProbe(ctx, "t/bad", clk.Now(), clk.Now().Add(30*time.Second)); !ok || err != nil {
		t.Fatalf("the crashed instance's claim: %v %v", ok, err)
	}
	claimed := clk.Now()
	for i, step := range []struct {
		advance time.Duration
		want    string
	}{
		{0, "t/good"},
		{6 * time.Second, "t/good"},  // past this process's recheck, not the lease
		{23 * time.Second, "t/good"}, // 1 s of the lease left: asks, and loses again
		// The lease has ended, and so has this process's wait after its
		// last lost claim (probeRecheck, 5 s).
		{6 * time.Second, "t/bad,t/good"},
	} {
		clk.advance(step.advance)
		if got := served(t, e); got != step.want {
			t.Errorf("step %d (lease %v old): attempted %s, want %s", i, clk.Now().Sub(claimed), got, step.want)
		}
	}
	if got := p.badCalls() - before; got != 1 {
		t.Errorf("%d calls to t/bad, want 1 (the probe after the lease ended)", got)
	}
}
