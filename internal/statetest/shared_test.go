package statetest

import (
	"context"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

const cooldownYAML = `
server:
  cooldown: {failures: 2, duration: 30s}
providers:
  bad: {type: mock, fail_rate: 1, fail_status: 503}
  good: {type: mock, reply: "ok"}
routers:
  fb: {strategy: fallback, targets: [{model: bad/m}, {model: good/m}]}
`

// TestCooldownAcrossInstances: instance A's failures put a target in
// cooldown in the shared store; instance B keeps its cached view (no store
// read on a request's path) until its snapshot is refreshed, then skips the
// target too, and tries it again once the cooldown has passed.
func TestCooldownAcrossInstances(t *testing.T) {
	st := newStore(t, testenv.Dynalite(t))
	cfg := parse(t, cooldownYAML)
	clk := newClock()
	a := newEngine(t, cfg, st, clk, "instance-a", nil)
	b := newEngine(t, cfg, st, clk, "instance-b", nil)
	ctx := context.Background()

	// coolingInB is what B's cached view says of bad/m.
	coolingInB := func(t *testing.T) bool {
		t.Helper()
		plan, err := b.Explain(ctx, request("router/fb", 5))
		if err != nil {
			t.Fatalf("explain: %+v", err)
		}
		for _, c := range plan.Candidates {
			if c.Target == "bad/m" {
				return c.CoolingDown
			}
		}
		t.Fatal("bad/m is not a candidate")
		return false
	}
	serve := func(t *testing.T, e *engine.Engine) string {
		t.Helper()
		res, err := e.Complete(ctx, request("router/fb", 5))
		if err != nil {
			t.Fatalf("request failed: %+v", err)
		}
		return targets(res.Attempts)
	}

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"B starts with a fresh view", func(t *testing.T) {
			if coolingInB(t) {
				t.Fatal("bad/m cooling before any failure")
			}
		}},
		{"A's second failure cools bad/m down in the store", func(t *testing.T) {
			for i := 0; i < 2; i++ {
				if got := serve(t, a); got != "bad/m,good/m" {
					t.Fatalf("A request %d attempted %s, want bad/m,good/m", i+1, got)
				}
			}
			cds, err := st.Cooldowns(ctx, clk.Now())
			if err != nil {
				t.Fatal(err)
			}
			if until, ok := cds["bad/m"]; !ok || !until.Equal(clk.Now().Add(30*time.Second)) {
				t.Fatalf("stored cooldowns %v, want bad/m until now+30s", cds)
			}
			if got := serve(t, a); got != "good/m" {
				t.Errorf("A then attempted %s, want good/m only", got)
			}
		}},
		{"B's cached view does not know yet", func(t *testing.T) {
			if coolingInB(t) {
				t.Fatal("B saw the cooldown without refreshing: a store read on the request path")
			}
		}},
		{"after its refresh B skips bad/m", func(t *testing.T) {
			if err := b.RefreshSharedState(ctx); err != nil {
				t.Fatal(err)
			}
			if !coolingInB(t) {
				t.Fatal("B does not see A's cooldown after a refresh")
			}
			if got := serve(t, b); got != "good/m" {
				t.Errorf("B attempted %s, want good/m only", got)
			}
		}},
		{"after the cooldown B tries bad/m again", func(t *testing.T) {
			clk.Advance(31 * time.Second)
			if err := b.RefreshSharedState(ctx); err != nil {
				t.Fatal(err)
			}
			if got := serve(t, b); got != "bad/m,good/m" {
				t.Errorf("B attempted %s, want bad/m,good/m", got)
			}
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			return
		}
	}
}

// gate is a provider whose calls block until the test releases each one
// (or its context ends), so a test can hold requests in flight.
type gate struct {
	started chan call
}

// call is one blocked provider call.
type call struct {
	target  string
	release chan struct{}
}

func newGate() *gate { return &gate{started: make(chan call, 8)} }

func (g *gate) Complete(ctx context.Context, pc *provider.Call) (*chat.Response, error) {
	c := call{target: "p/" + pc.Model, release: make(chan struct{})}
	g.started <- c
	select {
	case <-c.release:
	case <-ctx.Done():
		return nil, provider.NetworkError(ctx, ctx.Err())
	}
	return &chat.Response{ID: "x", Object: "chat.completion", Model: pc.Model,
		Choices: []chat.Choice{{Message: chat.Message{Role: "assistant", Content: chat.TextContent("ok")}, FinishReason: "stop"}}}, nil
}

func (g *gate) Stream(context.Context, *provider.Call) (provider.Stream, error) {
	return nil, &provider.Error{Class: provider.ClassUnsupported, Message: "no streams"}
}

const leastLoadedYAML = `
providers:
  p: {type: mock}
routers:
  ll: {strategy: least_loaded, targets: [{model: p/a}, {model: p/b}]}
`

// TestLeastLoadedAcrossInstances: B routes away from the target A has a
// request in flight on, through the counts in dynalite; when A crashes
// with that request unfinished, its count expires on its own and B
// spreads its requests over both targets again.
func TestLeastLoadedAcrossInstances(t *testing.T) {
	st := newStore(t, testenv.Dynalite(t))
	cfg := parse(t, leastLoadedYAML)
	clk := newClock()
	g := newGate()
	a := newEngine(t, cfg, st, clk, "instance-a", map[string]provider.Provider{"p": g})
	b := newEngine(t, cfg, st, clk, "instance-b", map[string]provider.Provider{"p": g})
	ctx := context.Background()
	for _, e := range []*engine.Engine{a, b} {
		if err := e.RefreshSharedState(ctx); err != nil {
			t.Fatal(err)
		}
	}

	// A's request is left in flight: A "crashes" before finishing it.
	actx, crash := context.WithCancel(ctx)
	aDone := make(chan struct{})
	go func() {
		defer close(aDone)
		_, _ = a.Complete(actx, request("router/ll", 5))
	}()
	held := (<-g.started).target
	t.Cleanup(func() { crash(); <-aDone })
	other := map[string]string{"p/a": "p/b", "p/b": "p/a"}[held]

	// bTargets sends n requests through B, one at a time, and returns the
	// targets that served them.
	bTargets := func(t *testing.T, n int) map[string]int {
		t.Helper()
		got := map[string]int{}
		for i := 0; i < n; i++ {
			done := make(chan string, 1)
			go func() {
				res, err := b.Complete(ctx, request("router/ll", 5))
				if err != nil {
					t.Errorf("B: %+v", err)
					done <- ""
					return
				}
				done <- res.Target
			}()
			close((<-g.started).release)
			got[<-done]++
		}
		return got
	}

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"B sees A's request and avoids its target", func(t *testing.T) {
			if err := b.RefreshSharedState(ctx); err != nil {
				t.Fatal(err)
			}
			if got := bTargets(t, 3); got[other] != 3 {
				t.Errorf("B served %v, want all 3 on %s (A holds one on %s)", got, other, held)
			}
		}},
		{"a crashed instance's count expires", func(t *testing.T) {
			clk.Advance(5*time.Minute + time.Second)
			counts, err := st.InFlightCounts(ctx, clk.Now())
			if err != nil {
				t.Fatal(err)
			}
			if len(counts) != 0 {
				t.Fatalf("in-flight counts %v after A's entry expired, want none", counts)
			}
			if err := b.RefreshSharedState(ctx); err != nil {
				t.Fatal(err)
			}
			if got := bTargets(t, 2); got["p/a"] != 1 || got["p/b"] != 1 {
				t.Errorf("B served %v, want one on each target (ties in rotation)", got)
			}
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			return
		}
	}
}
