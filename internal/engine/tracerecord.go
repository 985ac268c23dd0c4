package engine

import (
	"sort"
	"strings"
	"time"

	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/routing"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/tracestore"
)

// TraceSink keeps routed requests' records (a *tracestore.Store). Add is
// called on the request path, once per request as it ends: it must be
// quick and never block on I/O.
type TraceSink interface {
	Add(*tracestore.Record)
}

// MetricSink counts what the engine does, in process (package prom). Its
// labels arrive bounded by the config: routers are configured names,
// "direct" or "inline"; targets are metric targets (metricTarget), never a
// caller's raw model name. Calls come on the request path: they must be
// quick and never block on I/O.
type MetricSink interface {
	// Sample is one attempt's metric sample, as the store gets it.
	Sample(s store.Sample)
	// Request is one routed request's end: its operation (Request.Op:
	// one of Operations), the status its caller got, how long routing and
	// the answer took, and whether a later candidate served it.
	Request(router, operation string, status int, d time.Duration, fallback bool)
	// Cooldown is a target entering cooldown.
	Cooldown(target string)
}

// wireMetrics tees the engine's cooldowns to Deps.Metrics, and returns
// the tee of its samples (the recorder's Options.Tee); nil without it.
func (e *Engine) wireMetrics() func(store.Sample) {
	m := e.deps.Metrics
	if m == nil {
		return nil
	}
	e.state.onCool = func(key string) { m.Cooldown(e.MetricTarget(key)) }
	return func(s store.Sample) {
		s.Router = e.metricRouter(s.Router)
		m.Sample(s)
	}
}

// metricRouter bounds a router name for metric labels: configured routers
// and "direct" are themselves, anything else (inline routers, whatever
// they call themselves) is "inline".
func (e *Engine) metricRouter(name string) string {
	if _, ok := e.routers[name]; ok || name == "direct" {
		return name
	}
	return "inline"
}

// MetricTarget is the bounded metric name of a provider/model key (see
// metricTarget): what cooldown and in-flight gauges are labelled with.
func (e *Engine) MetricTarget(key string) string {
	prov, model, ok := strings.Cut(key, "/")
	if _, known := e.cfg.Providers[prov]; !ok || !known {
		return OtherModels
	}
	return e.metricTarget(routing.Leaf{Provider: prov, Model: model, Key: key})
}

// recordEnd hands a finished request to the metric and trace sinks. The
// trace record copies what it shows out of the run (no encoding, nothing
// kept alive but the record): the store clips it further.
func (e *Engine) recordEnd(ru *run, res *Result, start time.Time, err *Error) {
	if e.deps.Traces == nil && e.deps.Metrics == nil {
		return
	}
	d := e.deps.Now().Sub(start)
	status := statusOK
	if err != nil {
		status = err.Status
	}
	if m := e.deps.Metrics; m != nil {
		m.Request(e.metricRouter(ru.route.Name), ru.req.Op(), status, d, res.Fallback)
	}
	if e.deps.Traces == nil || res.TraceID == "" {
		return
	}
	rec := &tracestore.Record{TraceID: res.TraceID, RequestID: ru.req.ID, Time: start, DurationMs: ms(d),
		Router: ru.route.Name, Operation: ru.req.Op(), Strategy: ru.route.Router.Kind, Stream: ru.req.Chat.Stream, Status: status,
		Target: res.Target, Arm: res.Arm, Fallback: res.Fallback, CostUSD: res.CostUSD}
	if ru.rerouted {
		rec.ReroutedTo = ru.scope.router
	}
	if err != nil {
		rec.ErrorCode, rec.Error = err.Code, tracestore.Clip(err.Message, tracestore.MaxText)
	} else if n := len(res.Attempts); n > 0 && res.Attempts[n-1].Err != nil {
		// Served, then broken: a stream that failed after it started.
		last := res.Attempts[n-1]
		rec.ErrorCode = string(last.Class)
		rec.Error = "the stream failed after it started: " + reason(last.Err)
	}
	rec.Attempts = traceAttempts(res.Attempts, start)
	rec.Candidates = traceCandidates(ru.candidates)
	rec.Skipped = traceSkipped(ru)
	rec.Decisions = traceDecisions(ru.decisions)
	e.deps.Traces.Add(rec)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// reason is a failure's message for a trace: redacted (provider errors
// redact themselves; others may not) and clipped.
func reason(err error) string {
	return tracestore.Clip(provider.Redact(err.Error()), tracestore.MaxText)
}

func traceAttempts(atts []Attempt, start time.Time) []tracestore.Attempt {
	out := make([]tracestore.Attempt, min(len(atts), tracestore.MaxAttempts))
	for i := range out {
		a := &atts[i]
		t := tracestore.Attempt{Target: a.Target, Ms: float64(a.Ms), Status: a.Status, Class: string(a.Class),
			Retry: a.Retry, BudgetHeldUSD: float64(a.HeldMicros) / 1e6, UpstreamRequestID: a.UpstreamRequestID}
		if !a.Start.IsZero() {
			t.StartMs = ms(a.Start.Sub(start))
		}
		if a.Err != nil {
			t.Reason = reason(a.Err)
		}
		out[i] = t
	}
	return out
}

func traceCandidates(cands []routing.Candidate) []tracestore.Candidate {
	out := make([]tracestore.Candidate, min(len(cands), tracestore.MaxCandidates))
	for i := range out {
		out[i] = tracestore.Candidate{Target: cands[i].Key, Via: cands[i].Path, Arm: cands[i].Arm}
	}
	return out
}

// Why a target named by the plan was not tried in plan order.
const (
	skipCooling  = "cooling down"
	skipHalfOpen = "half-open: another request holds its probe, so it was moved to the back"
)

func traceSkipped(ru *run) []tracestore.Skip {
	if len(ru.cooling) == 0 && len(ru.deferred) == 0 && len(ru.quota) == 0 {
		return nil
	}
	out := make([]tracestore.Skip, 0, len(ru.cooling)+len(ru.deferred)+len(ru.quota))
	for _, q := range ru.quota {
		out = append(out, tracestore.Skip{Target: q.target, Reason: q.why})
	}
	for _, k := range ru.cooling {
		out = append(out, tracestore.Skip{Target: k, Reason: skipCooling})
	}
	deferred := make([]string, 0, len(ru.deferred))
	for k := range ru.deferred {
		deferred = append(deferred, k)
	}
	sort.Strings(deferred)
	for _, k := range deferred {
		out = append(out, tracestore.Skip{Target: k, Reason: skipHalfOpen})
	}
	return out
}

// traceDecisions copies each router's order and its scores, as explain
// shows them (a score is listed when it or its reason says something).
func traceDecisions(ds []routing.Decision) []tracestore.Decision {
	out := make([]tracestore.Decision, min(len(ds), tracestore.MaxDecisions))
	for i := range out {
		d := &ds[i]
		td := tracestore.Decision{Router: d.Router, Strategy: d.Strategy, Route: d.Route, Why: d.Why,
			Order: make([]string, 0, min(len(d.Order), tracestore.MaxCandidates))}
		for _, j := range d.Order {
			if len(td.Order) == cap(td.Order) {
				break
			}
			if j < len(d.Targets) {
				td.Order = append(td.Order, d.Targets[j].Name)
			}
		}
		for j, s := range d.Scores {
			if j >= len(d.Targets) || len(td.Scores) == tracestore.MaxScores {
				break
			}
			why := ""
			if j < len(d.Reasons) {
				why = d.Reasons[j]
			}
			if s != 0 || why != "" {
				td.Scores = append(td.Scores, tracestore.Score{Target: d.Targets[j].Name, Score: s, Reason: why})
			}
		}
		out[i] = td
	}
	return out
}
