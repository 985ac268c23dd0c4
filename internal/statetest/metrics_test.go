package statetest

import (
	"context"
	"math"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/aggregate"
	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// timed is a provider that takes the next of its latencies on the test
// clock and answers with fixed usage, so latency figures are exact.
type timed struct {
	clk       *clock
	latencies []time.Duration
	n         atomic.Int64
}

func (p *timed) Complete(_ context.Context, c *provider.Call) (*chat.Response, error) {
	i := p.n.Add(1) - 1
	p.clk.Advance(p.latencies[int(i)%len(p.latencies)])
	return &chat.Response{ID: "x", Object: "chat.completion", Model: c.Model,
		Choices: []chat.Choice{{Message: chat.Message{Role: "assistant", Content: chat.TextContent("ok")}, FinishReason: "stop"}},
		Usage:   &chat.Usage{PromptTokens: 10, CompletionTokens: 20, TotalTokens: 30}}, nil
}

func (p *timed) Stream(context.Context, *provider.Call) (provider.Stream, error) {
	return nil, &provider.Error{Class: provider.ClassUnsupported, Message: "no streams"}
}

const metricsYAML = `
server:
  cooldown: {failures: -1}
providers:
  bad: {type: mock, fail_rate: 1, fail_status: 503}
  good: {type: mock}
models:
  good/m: {input_per_mtok: 1000, output_per_mtok: 2000}
routers:
  fb: {strategy: fallback, targets: [{model: bad/m}, {model: good/m}]}
`

// metricsBody is the part of GET /v1/metrics this test reads.
type metricsBody struct {
	Window  string                 `json:"window"`
	Targets map[string]metricsView `json:"targets"`
	Routers map[string]metricsView `json:"routers"`
}

type metricsView struct {
	Requests    int64   `json:"requests"`
	SuccessRate float64 `json:"success_rate"`
	Latency     struct {
		Avg float64 `json:"avg"`
		P50 float64 `json:"p50"`
		P95 float64 `json:"p95"`
	} `json:"latency_ms"`
	TokensPerSec float64          `json:"tokens_per_sec"`
	CostUSD      float64          `json:"cost_usd"`
	Fallbacks    int64            `json:"fallbacks"`
	FallbackRate float64          `json:"fallback_rate"`
	Errors       map[string]int64 `json:"errors"`
}

// TestMetricsEndToEnd: requests through two gateway instances write
// minute buckets to dynalite; the aggregator rolls them up there; GET
// /v1/metrics on either instance serves the figures.
func TestMetricsEndToEnd(t *testing.T) {
	st := newStore(t, testenv.Dynalite(t))
	push(t, st, metricsYAML)
	clk := newClock()
	// Nine quick answers and one slow one: p50 lies in the 35–50 ms
	// histogram bucket, p95 in the 750–1000 ms one.
	good := &timed{clk: clk, latencies: []time.Duration{
		40 * time.Millisecond, 40 * time.Millisecond, 40 * time.Millisecond, 40 * time.Millisecond, 900 * time.Millisecond,
		40 * time.Millisecond, 40 * time.Millisecond, 40 * time.Millisecond, 40 * time.Millisecond, 40 * time.Millisecond,
	}}
	gws := []*gateway{
		startGateway(t, st, clk, "instance-a", map[string]provider.Provider{"good": good}),
		startGateway(t, st, clk, "instance-b", map[string]provider.Provider{"good": good}),
	}
	for i := 0; i < 10; i++ {
		if code, errCode := gws[i%2].chat(t, "router/fb"); code != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, code, errCode)
		}
	}
	for _, g := range gws {
		eng := g.src.Engine()
		if err := eng.Flush(context.Background(), true); err != nil {
			t.Fatal(err)
		}
		if n := eng.Recorder().Written.Load(); n != 10 {
			t.Errorf("an instance wrote %d samples, want 10 (5 requests × 2 attempts)", n)
		}
	}
	if _, err := aggregate.Run(context.Background(), st, clk.Now()); err != nil {
		t.Fatalf("aggregate: %v", err)
	}

	const costPerRequest = (10*1000 + 20*2000) / 1e6 // USD
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-9 }
	for _, g := range gws {
		var m metricsBody
		g.get(t, "/v1/metrics?window=5m", &m)
		okT, badT, fb := m.Targets["good/m"], m.Targets["bad/m"], m.Routers["fb"]
		checks := []struct {
			name string
			ok   bool
			got  any
		}{
			{"window", m.Window == "5m", m.Window},
			{"good/m requests and success", okT.Requests == 10 && okT.SuccessRate == 1, okT},
			{"good/m latency avg", near(okT.Latency.Avg, (9*40+900)/10.0), okT.Latency},
			{"good/m p50 from the histogram", okT.Latency.P50 > 35 && okT.Latency.P50 <= 50, okT.Latency},
			{"good/m p95 from the histogram", okT.Latency.P95 > 750 && okT.Latency.P95 <= 1000, okT.Latency},
			{"good/m tokens per second", near(okT.TokensPerSec, 200/1.26), okT.TokensPerSec},
			{"good/m cost", near(okT.CostUSD, 10*costPerRequest), okT.CostUSD},
			{"bad/m failures by class", badT.Requests == 10 && badT.SuccessRate == 0 && badT.Errors["server_error"] == 10, badT},
			{"router fb requests", fb.Requests == 10 && fb.SuccessRate == 1, fb},
			{"router fb fallbacks", fb.Fallbacks == 10 && fb.FallbackRate == 1, fb},
		}
		for _, c := range checks {
			if !c.ok {
				t.Errorf("%s: got %+v", c.name, c.got)
			}
		}
	}
}
