package httpapi

import (
	"net/http"
	"sort"
	"time"

	"github.com/switchyard-llm/switchyard/internal/aggregate"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// seriesStep is the width of one point of GET /v1/metrics?view=series for
// each window: per minute up to an hour (the buckets' own resolution), per
// quarter hour over a day (96 points).
var seriesStep = map[string]time.Duration{
	"5m": time.Minute, "15m": time.Minute, "1h": time.Minute, "24h": 15 * time.Minute,
}

// seriesPoint is one step of a target's series: its figures over
// [T, T+step), counted as GET /v1/metrics counts a target.
type seriesPoint struct {
	T string `json:"t"`
	metricsView
}

// metricsSeries serves GET /v1/metrics?window=W&view=series: per target
// (as the caller's key may see them), the window cut into steps, one point
// per step that had traffic (a step without any has no point, rather than
// a success rate of 0). Each point is rolled up from that step's
// per-minute buckets by the aggregator's own Rollup, so a point's figures
// mean what /v1/metrics' figures mean. The buckets are read from the
// store, not from a cache: the console's charts show what the store holds.
func (s *Server) metricsSeries(w http.ResponseWriter, r *http.Request, sc *scope, window string) {
	step := seriesStep[window]
	var length time.Duration
	for _, win := range aggregate.Windows {
		if win.Name == window {
			length = win.Length
		}
	}
	end := s.opts.Now().UTC().Truncate(step).Add(step)
	from := end.Add(-length)
	buckets, err := s.opts.Store.Buckets(r.Context(), from, end)
	if err != nil {
		writeError(w, errf(http.StatusServiceUnavailable, engine.TypeUpstream, "metrics_unavailable", "cannot read metric buckets: "+err.Error()))
		return
	}
	byStep := map[time.Time][]store.Bucket{}
	for _, b := range buckets {
		t := b.Minute.UTC().Truncate(step)
		byStep[t] = append(byStep[t], b)
	}
	steps := make([]time.Time, 0, len(byStep))
	for t := range byStep {
		steps = append(steps, t)
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i].Before(steps[j]) })
	// The shortest window as long as the step holds all of a step's
	// buckets, rolled up as of the step's last minute.
	within := aggregate.Windows[len(aggregate.Windows)-1].Name
	for _, win := range aggregate.Windows {
		if win.Length >= step {
			within = win.Name
			break
		}
	}
	targets := map[string][]seriesPoint{}
	for _, t := range steps {
		for _, st := range aggregate.Rollup(byStep[t], t.Add(step-time.Minute)) {
			if st.Window != within || st.Requests == 0 {
				continue
			}
			target, router, arm := store.ParseStatsSubject(st.Subject)
			if _, isProvider := store.ParseProviderSubject(st.Subject); isProvider || router != "" || arm != "" || !sc.target(target) {
				continue
			}
			targets[target] = append(targets[target], seriesPoint{T: t.Format(time.RFC3339), metricsView: viewOf(st)})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"window": window, "view": "series", "step_seconds": int(step.Seconds()),
		"from": from.Format(time.RFC3339), "to": end.Format(time.RFC3339), "targets": targets})
}
