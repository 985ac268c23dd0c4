package sim

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/routing"
)

// Upstream is how one simulated target behaves: the mean of each figure.
// Every request draws its own values around these means (see Scenario.Noise).
type Upstream struct {
	LatencyMs    float64 // mean latency of a request
	Success      float64 // probability a request succeeds
	CostUSD      float64 // mean cost of a successful request
	TokensPerSec float64 // mean output tokens per second
}

// Scenario is one learning run: a router over 2–4 targets, one request at
// a time, each outcome reaching the shared stats only at the next refresh.
type Scenario struct {
	Name string
	// Router is the router under test (strategy optimized or latency);
	// its unset fields take the strategy's defaults, as in a config.
	Router    config.Router
	Upstreams []Upstream
	Requests  int
	// DegradeAt > 0 makes Upstreams behave as Degraded from that request
	// on (1-based): the good target turns bad mid-run.
	DegradeAt int
	Degraded  []Upstream
	// Noise is the spread of a request's latency, cost (through its
	// output tokens) and tokens/s: log-normal with this sigma (0.5: the
	// middle 90% of latencies span 0.4x to 2.1x the median). Default 0.5.
	Noise float64
	// Step is the time between requests (default 1 s).
	Step time.Duration
	// RefreshEvery is how many requests pass between shared snapshots
	// (default 60: one request a second against a one-minute rollup).
	RefreshEvery int
	// Window is the sliding window, in requests, in which a target
	// "leads" (has strictly the most first choices). Default 20.
	Window int
	// Local, when set, is the instance's own view of recent outcomes:
	// it sees each outcome at once and is what the strategy reads,
	// blended over the shared snapshot. Nil: shared stats only.
	Local func() Local
}

// Local is an instance's own recent figures blended over shared stats.
type Local interface {
	Observe(key string, at time.Time, o routing.Observation)
	Blend(shared routing.StatsSource, now time.Time) routing.StatsSource
}

// Result is one run's figures.
type Result struct {
	// Firsts[i] is the target request i+1 went to first.
	Firsts []int
	// Switch is the number of requests after which the best target leads
	// in every later window (until DegradeAt); Requests+1 if never.
	Switch int
	// OtherShare is the largest share of any other target among the
	// requests after Switch (until DegradeAt).
	OtherShare float64
	// Regret is the mean, per request, of how much worse the chosen
	// target's expected figure was than the oracle's pick (metric units),
	// and RegretRel the same relative to the oracle's figure.
	Regret, RegretRel float64
	// Noticed is the number of requests after DegradeAt until the new
	// best target leads for good; -1 without degradation.
	Noticed int
}

func (s *Scenario) defaults() {
	if s.Noise == 0 {
		s.Noise = 0.5
	}
	if s.Step == 0 {
		s.Step = time.Second
	}
	if s.RefreshEvery == 0 {
		s.RefreshEvery = 60
	}
	if s.Window == 0 {
		s.Window = 20
	}
}

// start is the simulated clock's origin.
var start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Run plays the scenario with one seed.
func (s Scenario) Run(seed uint64) Result {
	s.defaults()
	n := len(s.Upstreams)
	targets := make([]routing.TargetInfo, n)
	for i := range targets {
		targets[i] = routing.TargetInfo{Key: key(i), Name: key(i), Leaf: true}
	}
	r := s.Router
	strat := build(r, targets)
	pick := rand.New(rand.NewPCG(seed, 1))
	world := rand.New(rand.NewPCG(seed, 2))
	metric := r.Metric
	if metric == "" {
		metric = routing.DefaultMetric
	}
	window := r.Window.D()
	if window == 0 {
		window = routing.DefaultWindow
	}
	shared := newRollup(window)
	var local Local
	if s.Local != nil {
		local = s.Local()
	}
	res := Result{Firsts: make([]int, 0, s.Requests), Noticed: -1}
	var p routing.Plan
	in := routing.Input{Rand: pick}
	var regret, regretRel float64
	for i := 1; i <= s.Requests; i++ {
		now := start.Add(time.Duration(i) * s.Step)
		if (i-1)%s.RefreshEvery == 0 {
			shared.refresh(now)
		}
		ups := s.Upstreams
		if s.DegradeAt > 0 && i >= s.DegradeAt {
			ups = s.Degraded
		}
		in.Now = now
		in.Stats = shared.snap
		if local != nil {
			in.Stats = local.Blend(shared.snap, now)
		}
		p.Reset()
		strat.Order(&in, targets, &p)
		t := p.Order[0]
		res.Firsts = append(res.Firsts, t)
		best := oracle(metric, ups)
		d := math.Abs(figure(metric, ups[t]) - figure(metric, ups[best]))
		regret += d
		regretRel += d / figure(metric, ups[best])

		o := draw(world, ups[t], s.Noise)
		done := now.Add(o.latency)
		o.at = done
		shared.add(key(t), o)
		if local != nil {
			local.Observe(key(t), done, routing.Observation{OK: o.ok, Latency: o.latency, TokensOut: o.tokensOut,
				Gen: o.gen, CostUSD: o.costUSD})
		}
	}
	res.Regret, res.RegretRel = regret/float64(s.Requests), regretRel/float64(s.Requests)
	end := s.Requests
	if s.DegradeAt > 0 {
		end = s.DegradeAt - 1
	}
	best := oracle(metric, s.Upstreams)
	res.Switch = leadsFrom(res.Firsts, best, 0, end, s.Window)
	after := res.Firsts[:end] // never led: the whole phase
	if res.Switch <= end {
		after = res.Firsts[res.Switch:end]
	}
	res.OtherShare = otherShare(after, best, n)
	if s.DegradeAt > 0 {
		res.Noticed = leadsFrom(res.Firsts, oracle(metric, s.Degraded), s.DegradeAt-1, s.Requests, s.Window)
	}
	return res
}

func key(i int) string { return "p/t" + string(rune('0'+i)) }

// draw is one request's outcome on u.
func draw(r *rand.Rand, u Upstream, sigma float64) outcome {
	ln := func(sd float64) float64 { return math.Exp(sd*r.NormFloat64() - sd*sd/2) } // mean 1
	o := outcome{ok: r.Float64() < u.Success, latency: time.Duration(u.LatencyMs * ln(sigma) * float64(time.Millisecond))}
	if o.ok {
		const meanTokens = 300
		tokens := meanTokens * ln(sigma)
		o.tokensOut = int64(math.Max(1, math.Round(tokens)))
		o.costUSD = u.CostUSD * tokens / meanTokens
		o.gen = time.Duration(float64(o.tokensOut) / (u.TokensPerSec * ln(sigma/2)) * float64(time.Second))
	}
	return o
}

// figure is the upstream's expected value of the metric.
func figure(metric string, u Upstream) float64 {
	switch metric {
	case "cost":
		return u.CostUSD
	case "success_rate":
		return u.Success
	case "throughput", "tps":
		return u.TokensPerSec
	}
	return u.LatencyMs
}

// oracle is the target an all-knowing router would pick.
func oracle(metric string, ups []Upstream) int {
	higher := metric == "success_rate" || metric == "throughput" || metric == "tps"
	best := 0
	for i, u := range ups {
		if v, b := figure(metric, u), figure(metric, ups[best]); (higher && v > b) || (!higher && v < b) {
			best = i
		}
	}
	return best
}

// leadsFrom is how many requests after from (0-based index) pass until
// best leads in every window up to end: the window of a request holds it
// and up to w-1 before it, none before from. It is end-from+1 if best
// does not lead at the end.
func leadsFrom(firsts []int, best, from, end, w int) int {
	last := end - from + 1 // never
	var counts [8]int
	for i := from; i < end; i++ {
		counts[firsts[i]]++
		if i-w >= from {
			counts[firsts[i-w]]--
		}
		lead := true
		for t, c := range counts {
			lead = lead && (t == best || c < counts[best])
		}
		switch {
		case !lead:
			last = end - from + 1
		case last == end-from+1:
			last = i - from + 1
		}
	}
	return last
}

// otherShare is the largest share of a target other than best in firsts.
func otherShare(firsts []int, best, n int) float64 {
	if len(firsts) == 0 {
		return 0
	}
	counts := make([]int, n)
	for _, t := range firsts {
		counts[t]++
	}
	top := 0
	for t, c := range counts {
		if t != best {
			top = max(top, c)
		}
	}
	return float64(top) / float64(len(firsts))
}

// Recent is the engine's local view: a routing.Recent blended over the
// shared snapshot, as engine.observe wires it.
func Recent() Local { return recentLocal{routing.NewRecent()} }

type recentLocal struct{ r *routing.Recent }

func (l recentLocal) Observe(key string, at time.Time, o routing.Observation) {
	l.r.Observe(key, at, o)
}

func (l recentLocal) Blend(shared routing.StatsSource, now time.Time) routing.StatsSource {
	return &routing.Blended{Shared: shared, Local: l.r, Now: func() time.Time { return now }}
}
