package sim

import (
	"time"

	"github.com/switchyard-llm/switchyard/internal/routing"
)

// outcome is one finished simulated request.
type outcome struct {
	at        time.Time
	ok        bool
	latency   time.Duration
	tokensOut int64
	gen       time.Duration // time generating tokens (latency minus TTFT)
	costUSD   float64
}

// rollup stands in for store → aggregate → the engine's stats cache: it
// keeps every outcome, and a snapshot taken at a refresh covers the
// outcomes in the strategy's window before that refresh, computed as the
// aggregator computes them. Between refreshes strategies see the old
// snapshot, which is the lag the issue is about.
type rollup struct {
	window time.Duration
	log    map[string][]outcome
	snap   snapshot
}

func newRollup(window time.Duration) *rollup {
	return &rollup{window: window, log: map[string][]outcome{}, snap: snapshot{}}
}

func (r *rollup) add(key string, o outcome) { r.log[key] = append(r.log[key], o) }

// refresh recomputes the snapshot over (now-window, now].
func (r *rollup) refresh(now time.Time) {
	next := make(snapshot, len(r.log))
	from := now.Add(-r.window)
	for key, list := range r.log {
		var st routing.TargetStats
		var successes, tokens int64
		var latency, gen time.Duration
		var cost float64
		for _, o := range list {
			if !o.at.After(from) || o.at.After(now) {
				continue
			}
			st.Requests++
			latency += o.latency
			cost += o.costUSD
			if o.ok {
				successes++
				tokens += o.tokensOut
				gen += o.gen
			}
		}
		if st.Requests == 0 {
			continue
		}
		n := float64(st.Requests)
		st.SuccessRate = float64(successes) / n
		st.LatencyAvgMs = float64(latency.Microseconds()) / 1000 / n
		st.CostUSD = cost / n
		if gen > 0 {
			st.TokensPerSec = float64(tokens) / gen.Seconds()
		}
		next[key] = st
	}
	r.snap = next
}

// snapshot is a frozen set of rolled-up stats (routing.StatsSource).
type snapshot map[string]routing.TargetStats

func (s snapshot) TargetStats(key string, _ time.Duration) (routing.TargetStats, bool) {
	st, ok := s[key]
	return st, ok
}
