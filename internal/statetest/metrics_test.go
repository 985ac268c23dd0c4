package statetest

import (
	"context"
	"math"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/aggregate"
	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/store"
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
	// Nine quick answers and one slow one: p50 is 40 ms and p95 900 ms,
	// each within the histogram's 1.96%.
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
			{"good/m p50 from the histogram", math.Abs(okT.Latency.P50-40) <= 40*store.LatencyRelativeError, okT.Latency},
			{"good/m p95 from the histogram", math.Abs(okT.Latency.P95-900) <= 900*store.LatencyRelativeError, okT.Latency},
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

const armsYAML = `
server:
  cooldown: {failures: -1}
providers:
  bad: {type: mock, fail_rate: 1, fail_status: 503}
  good: {type: mock}
routers:
  ab:
    strategy: percentage
    targets: [{model: good/m, weight: 50, name: control}, {model: bad/m, weight: 50, name: treatment}]
`

// TestArmMetricsEndToEnd: a percentage router's arms get figures of their
// own in GET /v1/metrics ("arms"), counted by the arm each request was
// assigned (the x-switchyard-arm header the caller saw). The treatment
// arm's target always fails, so each treatment request falls back to the
// control target and shows as a treatment fallback, not a control request
// and not a success of treatment's own target.
func TestArmMetricsEndToEnd(t *testing.T) {
	st := newStore(t, testenv.Dynalite(t))
	push(t, st, armsYAML)
	clk := newClock()
	good := &timed{clk: clk, latencies: []time.Duration{40 * time.Millisecond}}
	gws := []*gateway{
		startGateway(t, st, clk, "instance-a", map[string]provider.Provider{"good": good}),
		startGateway(t, st, clk, "instance-b", map[string]provider.Provider{"good": good}),
	}
	const n = 40
	seen := map[string]int64{}
	for i := 0; i < n; i++ {
		body := `{"model": "router/ab", "max_tokens": 5, "messages": [{"role": "user", "content": "Tell me a story."}]}`
		resp, err := guardClient.Post(gws[i%2].srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
		seen[resp.Header.Get("x-switchyard-arm")]++
	}
	if seen["control"] == 0 || seen["treatment"] == 0 || seen["control"]+seen["treatment"] != n {
		t.Fatalf("arms served %v; want both arms and nothing else (seeded, 50/50)", seen)
	}
	for _, g := range gws {
		if err := g.src.Engine().Flush(context.Background(), true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := aggregate.Run(context.Background(), st, clk.Now()); err != nil {
		t.Fatalf("aggregate: %v", err)
	}
	var m struct {
		Arms    map[string]map[string]metricsView `json:"arms"`
		Routers map[string]metricsView            `json:"routers"`
		Targets map[string]metricsView            `json:"targets"`
	}
	gws[0].get(t, "/v1/metrics?window=5m", &m)
	control, treatment := m.Arms["ab"]["control"], m.Arms["ab"]["treatment"]
	checks := []struct {
		name string
		ok   bool
		got  any
	}{
		{"only the two arms", len(m.Arms) == 1 && len(m.Arms["ab"]) == 2, m.Arms},
		{"control: its requests, all served, no fallbacks",
			control.Requests == seen["control"] && control.SuccessRate == 1 && control.Fallbacks == 0, control},
		{"treatment: its requests, served by falling back",
			treatment.Requests == seen["treatment"] && treatment.SuccessRate == 0 && treatment.Fallbacks == seen["treatment"] &&
				treatment.FallbackRate == 1 && treatment.Errors["server_error"] == seen["treatment"], treatment},
		{"router ab: every request", m.Routers["ab"].Requests == n, m.Routers["ab"]},
		{"target good/m: every request's last attempt", m.Targets["good/m"].Requests == n, m.Targets["good/m"]},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: got %+v (arms seen %v)", c.name, c.got, seen)
		}
	}
}
