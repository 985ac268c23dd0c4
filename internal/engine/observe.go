package engine

import (
	"time"

	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/routing"
)

// localStats is this instance's own view of its targets, blended into the
// stats strategies read. The shared stats reach a strategy through the
// store, the aggregator's rollup and a cache refreshed every few seconds,
// so they lag by up to a minute; fed by every attempt as it ends, the
// local figures let optimized and latency learn from an instance's first
// requests and leave a target that turns bad within a few (see
// routing.Recent, docs/strategies.md). They live as long as the engine: a
// config reload starts again from the shared figures.
type localStats struct {
	recent *routing.Recent
	stats  *routing.Blended // what Input.Stats serves
}

func newLocalStats(shared routing.StatsSource, now func() time.Time) localStats {
	r := routing.NewRecent()
	return localStats{recent: r, stats: &routing.Blended{Shared: shared, Local: r, Now: now}}
}

// observe records one finished attempt under its metric target. Failures
// that are not the target's doing (the caller's request was invalid or
// too long, the caller went away) say nothing about it and are left out,
// as the cooldown tracker leaves them out.
func (e *Engine) observe(target string, at time.Time, att Attempt, out attemptOut, costMicros int64) {
	if out.err != nil && !out.committed {
		switch provider.ClassOf(out.err) {
		case provider.ClassInvalidRequest, provider.ClassUnsupported, provider.ClassCanceled, provider.ClassContextLength:
			return
		}
	}
	latency := out.elapsed // full resolution: a sub-millisecond upstream is not 0
	if latency == 0 {
		latency = time.Duration(att.Ms) * time.Millisecond
	}
	o := routing.Observation{OK: out.err == nil || (out.committed && !out.brokeAfterCommit), Latency: latency, TTFT: out.ttft,
		CostUSD: float64(costMicros) / 1e6}
	if out.usage != nil {
		o.TokensOut = int64(out.usage.CompletionTokens)
		o.Gen = latency - out.ttft
	}
	e.local.recent.Observe(target, at, o)
}
