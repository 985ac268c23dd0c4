package engine_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/aggregate"
	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// fakeClock is the engine's clock; upstreams advance it by their latency.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// clocked answers after its model's latency on the fake clock, with 10
// output tokens.
type clocked struct {
	clock   *fakeClock
	latency map[string]time.Duration
}

func (c *clocked) Complete(_ context.Context, call *provider.Call) (*chat.Response, error) {
	c.clock.Advance(c.latency[call.Model])
	return &chat.Response{ID: "x", Object: "chat.completion", Model: call.Model,
		Choices: []chat.Choice{{Message: chat.Message{Role: "assistant", Content: chat.TextContent("ok")}, FinishReason: "stop"}},
		Usage:   &chat.Usage{PromptTokens: 5, CompletionTokens: 10, TotalTokens: 15}}, nil
}

func (c *clocked) Stream(context.Context, *provider.Call) (provider.Stream, error) {
	return nil, &provider.Error{Class: provider.ClassUnsupported, Message: "no streams"}
}

// TestSubMillisecondUpstreamRanksFirst: a 0.3 ms upstream is measured as
// 0.3 ms (not 0, "unmeasured") with a throughput, so latency and
// throughput routers rank it ahead of a 5 ms one.
func TestSubMillisecondUpstreamRanksFirst(t *testing.T) {
	cfg, err := config.Parse([]byte(`
providers:
  p: {type: mock}
routers:
  by_latency:    {strategy: optimized, metric: latency,    min_samples: 3, explore: 0, targets: [{model: p/slow}, {model: p/sub}]}
  by_throughput: {strategy: optimized, metric: throughput, min_samples: 3, explore: 0, targets: [{model: p/slow}, {model: p/sub}]}
`))
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	st := store.NewMemory()
	up := &clocked{clock: clock, latency: map[string]time.Duration{"slow": 5 * time.Millisecond, "sub": 300 * time.Microsecond}}
	e, err := engine.New(cfg, engine.Deps{Store: st, Logger: slog.New(slog.DiscardHandler), Seed: 1, Now: clock.Now,
		Providers: map[string]provider.Provider{"p": up}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		for _, model := range []string{"p/slow", "p/sub"} {
			if _, err := e.Complete(ctx, req(model, "", 0)); err != nil {
				t.Fatalf("%s: %+v", model, err)
			}
		}
	}
	if err := e.Flush(ctx, true); err != nil {
		t.Fatal(err)
	}
	stats, err := aggregate.Run(ctx, st, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stats {
		if s.Subject == "p/sub" && s.Window == "15m" {
			if s.LatencyAvgMs != 0.3 || s.LatencyP50Ms < 0.29 || s.LatencyP50Ms > 0.31 || s.TokensPerSec < 33333 || s.TokensPerSec > 33334 {
				t.Errorf("p/sub: latency avg %v ms, p50 %v ms, %v tokens/s; want 0.3, 0.3 ±2%%, 33333.3", s.LatencyAvgMs, s.LatencyP50Ms, s.TokensPerSec)
			}
		}
	}
	if err := e.RefreshSharedState(ctx); err != nil {
		t.Fatal(err)
	}
	for _, router := range []string{"by_latency", "by_throughput"} {
		res, err := e.Complete(ctx, req("router/"+router, "", 0))
		if err != nil {
			t.Fatalf("%s: %+v", router, err)
		}
		if res.Target != "p/sub" {
			t.Errorf("%s served by %s, want p/sub (0.3 ms, 33k tokens/s, against 5 ms, 2k tokens/s)", router, res.Target)
		}
	}
}
