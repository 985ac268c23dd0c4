package engine

import (
	"time"

	"github.com/switchyard-llm/switchyard/internal/routing"
	"github.com/switchyard-llm/switchyard/internal/samples"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// Recorder buffers metric samples and writes their per-minute sums to the
// store off the request path (package samples).
type Recorder = samples.Recorder

// DefaultMetricsFlushEvery is how often the recorder writes its sums
// unless Deps.MetricsFlushEvery says otherwise.
const DefaultMetricsFlushEvery = samples.DefaultFlushEvery

// outcomes is the recorder as the attempt loop sees it: where it reports
// each finished attempt and, once, the request's end. The implementation
// is engineOutcomes; tests put a fake in Engine.outcomes.
type outcomes interface {
	// attempt records one finished attempt of candidate c: its metric
	// sample and this instance's local stats. final says it was the
	// request's last attempt, fallback that a target other than the
	// plan's first served; costMicros is what it was charged.
	attempt(ru *run, c routing.Candidate, rec Attempt, out attemptOut, final, fallback bool, costMicros int64)
	// end records the request as it ends (err nil: served): the plan's
	// targets it passed over, the request metric and its trace record.
	end(ru *run, res *Result, start time.Time, err *Error)
}

// engineOutcomes records to the engine's sinks: samples to the metric
// Recorder (and Deps.Metrics through its tee), observations to the local
// stats (observe.go), request metrics and trace records to Deps.Metrics
// and Deps.Traces (tracerecord.go).
type engineOutcomes struct{ e *Engine }

func (o engineOutcomes) attempt(ru *run, c routing.Candidate, rec Attempt, out attemptOut, final, fallback bool, costMicros int64) {
	if ru.req.counting {
		return // not an answer: kept out of the targets' stats (Request.counting)
	}
	o.e.sample(ru, c, rec, out, final, fallback, costMicros)
}

func (o engineOutcomes) end(ru *run, res *Result, start time.Time, err *Error) {
	if !ru.req.counting {
		o.e.recordSkips(ru, res)
	}
	o.e.recordEnd(ru, res, start, err)
}

// sample records one attempt's metric sample and local observation.
func (e *Engine) sample(ru *run, c routing.Candidate, att Attempt, out attemptOut, final, fallback bool, costMicros int64) {
	sub := e.metricSubject(ru.route, ru.first().Arm, false)
	s := store.Sample{Target: e.metricTarget(c.Leaf), Router: sub.router, Arm: sub.arm, Operation: ru.req.Op(), Time: e.deps.Now(), Success: out.err == nil || (out.committed && !out.brokeAfterCommit),
		Final: final, LatencyMs: float64(out.elapsed.Microseconds()) / 1000, TTFTMs: float64(out.ttft.Microseconds()) / 1000,
		CostMicros: costMicros}
	// A fallback is a request another target served: one whose stream
	// broke after commit failed, and counts as that.
	s.Fallback = fallback && s.Success
	if !s.Success {
		s.ErrorClass = string(att.Class)
	}
	if out.usage != nil {
		s.TokensIn, s.TokensOut = int64(out.usage.PromptTokens), int64(out.usage.CompletionTokens)
	}
	e.recorder.Record(s)
	e.observe(s.Target, s.Time, att, out, costMicros)
}

// recordSkips counts, once per request, each target the request passed
// over because it was cooling down or half-open under another request's
// probe: those before the furthest plan position the loop reached that
// were never attempted. A cooling-down target after the one that served
// is not a skip: the request would not have tried it anyway.
func (e *Engine) recordSkips(ru *run, res *Result) {
	if ru.reach == 0 {
		return // the plan's first was reached: nothing was passed over (the common case, no allocation)
	}
	tried := make(map[string]bool, len(res.Attempts))
	for _, a := range res.Attempts {
		tried[a.Target] = true
	}
	now := e.deps.Now()
	for _, c := range ru.plan[:min(ru.reach, len(ru.plan))] {
		if tried[c.Key] {
			continue
		}
		tried[c.Key] = true // a target the reroute plan repeats is one skip
		// The arm the request's samples count for is its plan's first
		// candidate's, whichever target served (metricSubject bounds an
		// inline router's names).
		sub := e.metricSubject(ru.route, ru.first().Arm, false)
		e.recorder.Record(store.Sample{Target: e.metricTarget(c.Leaf), Router: sub.router, Arm: sub.arm, Operation: ru.req.Op(),
			Time: now, Skipped: true})
	}
}

// metricSubject is the router and arm a sample of route is counted under:
// the route's own, but for an inline router the name it carries, within
// the bounds InlineNames keeps (metric dimensions must stay bounded, and
// an inline router's names are the caller's). peek (explain) decides
// without admitting a new name.
func (e *Engine) metricSubject(route *Route, arm string, peek bool) metricSubject {
	if route.Name != InlineRouter {
		return metricSubject{router: route.Name, arm: arm}
	}
	return e.inlineNames.subject(route.InlineName, arm, e.cfg.Server.Inline.Effective().MaxNames, peek, e.deps.Logger)
}

// metricTarget is the target a sample is counted under. A model the config
// names is counted as itself; another model a caller names directly is
// counted under the price catalog's entry it resolves to
// ("openai/gpt-4o" for "openai/gpt-4o-2024-08-06" or "openai/GPT-4o"),
// and one the catalog does not know as "<provider>/other". So callers
// cannot grow the shared metric subjects (one DynamoDB item set, stats per
// subject) beyond the config and the catalog.
func (e *Engine) metricTarget(l routing.Leaf) string {
	if e.knownModels[l.Key] {
		return l.Key
	}
	if family, ok := e.catalog.Family(e.cfg.Providers[l.Provider].Type, l.Model); ok {
		return l.Provider + "/" + family
	}
	return l.Provider + "/" + OtherModels
}

// OtherModels names the metrics of models neither config nor catalog knows.
const OtherModels = "other"
