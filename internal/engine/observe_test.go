package engine_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// clockedUpstream is a provider whose answers take a set time on a fake clock,
// per model, and fail when the model is listed in failing.
type clockedUpstream struct {
	now     *atomic.Int64
	latency map[string]time.Duration
	failing map[string]bool
}

func (c *clockedUpstream) Complete(_ context.Context, call *provider.Call) (*chat.Response, error) {
	c.now.Add(int64(c.latency[call.Model]))
	if c.failing[call.Model] {
		return nil, &provider.Error{Class: provider.ClassServer, Status: 503, Message: "overloaded"}
	}
	return &chat.Response{ID: "x", Object: "chat.completion", Model: call.Model,
		Choices: []chat.Choice{{Message: chat.Message{Role: "assistant", Content: chat.TextContent("ok")}, FinishReason: "stop"}},
		Usage:   &chat.Usage{PromptTokens: 10, CompletionTokens: 20, TotalTokens: 30}}, nil
}

func (c *clockedUpstream) Stream(context.Context, *provider.Call) (provider.Stream, error) {
	return nil, &provider.Error{Class: provider.ClassUnsupported, Message: "no streams"}
}

// TestOptimizedLearnsFromOwnRequests: an instance whose store has no
// rolled-up stats (no aggregator has run) still learns from its own
// requests: after trying each target once, a latency router sends nearly
// everything to the faster one, listed second; and when that one starts
// failing, a success_rate router leaves it within a few requests. Before
// issue 11 strategies read only the shared rollup, so every request went
// to the first listed target.
func TestOptimizedLearnsFromOwnRequests(t *testing.T) {
	// Cooldown off: it would set a failing target aside on its own, and
	// the point is that the router's figures do.
	yml := `
server: {cooldown: {failures: -1}}
providers:
  p: {type: mock}
routers:
  fast: {strategy: optimized, metric: latency, targets: [{model: p/slow}, {model: p/fast}]}
  reliable: {strategy: optimized, metric: success_rate, targets: [{model: p/good}, {model: p/flaky}]}
`
	cfg, err := config.Parse([]byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	var now atomic.Int64
	now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	up := &clockedUpstream{now: &now, failing: map[string]bool{},
		latency: map[string]time.Duration{"slow": 800 * time.Millisecond, "fast": 400 * time.Millisecond, "good": 300 * time.Millisecond, "flaky": 300 * time.Millisecond}}
	e, err := engine.New(cfg, engine.Deps{Store: store.NewMemory(), Logger: slog.New(slog.DiscardHandler), Seed: 11,
		Now: func() time.Time { return time.Unix(0, now.Load()) }, Providers: map[string]provider.Provider{"p": up}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	serve := func(router string, n int) map[string]int {
		got := map[string]int{}
		for range n {
			res, err := e.Complete(context.Background(), req("router/"+router, "", 0))
			if err != nil {
				t.Fatalf("%s: %+v", router, err)
			}
			got[res.Target]++
			now.Add(int64(time.Second))
		}
		return got
	}

	serve("fast", 2) // each target once: the listed one, then the unmeasured one
	if got := serve("fast", 30); got["p/fast"] < 27 {
		t.Errorf("after one request each, 30 requests went %v; want at least 90%% to p/fast (twice as fast)", got)
	}

	serve("reliable", 20)
	// Now p/good fails every time it is tried (and falls back to p/flaky,
	// which serves). Within a few requests p/good is left.
	up.failing["good"] = true
	attempts := 0
	for range 30 {
		res, err := e.Complete(context.Background(), req("router/reliable", "", 0))
		if err != nil {
			t.Fatalf("reliable: %+v", err)
		}
		if res.Attempts[0].Target == "p/good" {
			attempts++
		}
		now.Add(int64(time.Second))
	}
	if attempts > 8 {
		t.Errorf("p/good, failing every request, was still tried first %d times in 30", attempts)
	}
}
