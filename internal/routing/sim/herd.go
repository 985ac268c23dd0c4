package sim

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/routing"
)

// Herd is many gateway instances (Lambda containers) routing over
// identical targets through one shared store. Each instance sees the
// store's in-flight counts and stats as of the last refresh, plus its own
// in-flight changes since (as the engine's snapshot does); the ideal is an
// even split.
type Herd struct {
	Name      string
	Router    config.Router // least_loaded, optimized or latency
	Instances int           // default 16
	Targets   int           // default 4
	Steps     int           // default 3000
	// Arrival is the chance an instance gets a request in a step
	// (default 0.5), Hold the mean steps a request stays in flight
	// (geometric; default 20). Step is a step's length (default 100 ms).
	Arrival float64
	Hold    int
	Step    time.Duration
	// RefreshEvery is how many steps pass between shared snapshots
	// (default 50: 5 s, the engine's refreshEvery).
	RefreshEvery int
	Warmup       int // steps not measured, default 500
	// Slow, when > 1, makes requests to the first target last that many
	// times longer: a target that answers slowly piles up requests, and
	// only a load-aware strategy evens the in-flight counts out.
	Slow float64
	// Local, when set, gives each instance its own recent view (see
	// Scenario.Local).
	Local func() Local
}

// HerdResult is how far load strayed from the even split.
type HerdResult struct {
	// CV is the mean over steps of the coefficient of variation of the
	// targets' in-flight counts (0: even). MaxShare is the mean over
	// steps of the busiest target's share of in-flight requests, and
	// PeakShare its largest value (ideal for both: 1/Targets).
	CV, MaxShare, PeakShare float64
}

func (h *Herd) defaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&h.Instances, 16)
	def(&h.Targets, 4)
	def(&h.Steps, 3000)
	def(&h.Hold, 20)
	def(&h.RefreshEvery, 50)
	def(&h.Warmup, 500)
	if h.Arrival == 0 {
		h.Arrival = 0.5
	}
	if h.Step == 0 {
		h.Step = 100 * time.Millisecond
	}
}

// instance is one gateway process.
type instance struct {
	strat routing.Strategy
	rand  *rand.Rand
	own   map[string]int64 // in flight now
	atRef map[string]int64 // in flight at the last refresh
	local Local
	load  load
}

// load is an instance's view: the store's counts at the last refresh plus
// its own change since (routing.LoadSource).
type load struct {
	store map[string]int64
	own   map[string]int64
	atRef map[string]int64
}

func (l load) InFlight(key string) int64 { return l.store[key] + l.own[key] - l.atRef[key] }

type flight struct {
	inst, target int
	started      int
}

// Run plays the scenario with one seed.
func (h Herd) Run(seed uint64) HerdResult {
	h.defaults()
	targets := make([]routing.TargetInfo, h.Targets)
	for i := range targets {
		targets[i] = routing.TargetInfo{Key: key(i), Name: key(i), Leaf: true}
	}
	world := rand.New(rand.NewPCG(seed, 3))
	window := h.Router.Window.D()
	if window == 0 {
		window = routing.DefaultWindow
	}
	shared := newRollup(window)
	store := map[string]int64{}
	insts := make([]*instance, h.Instances)
	for i := range insts {
		s := build(h.Router, targets)
		in := &instance{strat: s, rand: rand.New(rand.NewPCG(seed, uint64(10+i))), own: map[string]int64{}, atRef: map[string]int64{}}
		if h.Local != nil {
			in.local = h.Local()
		}
		insts[i] = in
	}
	ends := map[int][]flight{} // by end step
	total := make([]int64, h.Targets)
	var res HerdResult
	var p routing.Plan
	measured := 0
	for step := 0; step < h.Steps; step++ {
		now := start.Add(time.Duration(step) * h.Step)
		for _, f := range ends[step] {
			in := insts[f.inst]
			in.own[key(f.target)]--
			total[f.target]--
			lat := time.Duration(step-f.started) * h.Step
			o := outcome{at: now, ok: true, latency: lat, tokensOut: 300, gen: lat, costUSD: 0.002}
			shared.add(key(f.target), o)
			if in.local != nil {
				in.local.Observe(key(f.target), now, routing.Observation{OK: true, Latency: lat, TokensOut: 300, Gen: lat, CostUSD: 0.002})
			}
		}
		delete(ends, step)
		if step%h.RefreshEvery == 0 {
			shared.refresh(now)
			for t := range total {
				store[key(t)] = total[t]
			}
			for _, in := range insts {
				for k, v := range in.own {
					in.atRef[k] = v
				}
			}
		}
		for i, in := range insts {
			if world.Float64() >= h.Arrival {
				continue
			}
			input := routing.Input{Rand: in.rand, Now: now, Load: load{store, in.own, in.atRef}, Stats: shared.snap}
			if in.local != nil {
				input.Stats = in.local.Blend(shared.snap, now)
			}
			p.Reset()
			in.strat.Order(&input, targets, &p)
			t := p.Order[0]
			in.own[key(t)]++
			total[t]++
			// Geometric hold with mean Hold steps, at least one.
			mean := float64(h.Hold)
			if t == 0 && h.Slow > 1 {
				mean *= h.Slow
			}
			hold := 1 + int(math.Floor(math.Log(1-world.Float64())/math.Log(1-1/mean)))
			ends[step+hold] = append(ends[step+hold], flight{i, t, step})
		}
		if step < h.Warmup {
			continue
		}
		var sum, sq float64
		var top int64
		for _, n := range total {
			sum += float64(n)
			sq += float64(n) * float64(n)
			top = max(top, n)
		}
		if sum == 0 {
			continue
		}
		k := float64(len(total))
		mean := sum / k
		res.CV += math.Sqrt(math.Max(0, sq/k-mean*mean)) / mean
		share := float64(top) / sum
		res.MaxShare += share
		res.PeakShare = math.Max(res.PeakShare, share)
		measured++
	}
	res.CV /= float64(measured)
	res.MaxShare /= float64(measured)
	return res
}

// build makes the strategy under test; scenarios are fixed in code, so a
// bad one is a programming error.
func build(r config.Router, targets []routing.TargetInfo) routing.Strategy {
	var s routing.Strategy
	var err error
	switch r.Strategy {
	case "least_loaded":
		s, err = routing.NewLeastLoaded(&r, targets)
	case "latency":
		s, err = routing.NewLatency(&r, targets)
	case "random":
		s, err = routing.NewRandom(&r, targets)
	default:
		s, err = routing.NewOptimized(&r, targets)
	}
	if err != nil {
		panic("sim: " + err.Error())
	}
	return s
}
