package engine

import (
	"context"
	"errors"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/routing"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/trace"
)

// Complete serves a non-streamed request.
func (e *Engine) Complete(ctx context.Context, r *Request) (*Result, *Error) {
	var resp *chat.Response
	res, err := e.serve(ctx, r, func(ctx context.Context, _ *run, att attempt) attemptOut {
		out, err := e.providers[att.cand.Provider].Complete(ctx, att.call)
		if err != nil {
			return attemptOut{err: err}
		}
		resp = out
		return attemptOut{usage: out.Usage, upstreamID: out.UpstreamRequestID, model: out.Model, choices: out.Choices, raw: out.Raw}
	})
	if res != nil {
		res.Response = resp
	}
	return res, err
}

// serve runs the attempt loop of DESIGN §5 over the request's candidates:
//
//   - candidates are tried in plan order, those cooling down skipped
//     (counted as skips) and half-open ones deferred; max_attempts bounds
//     retries and fallbacks together;
//   - a request served by any target but the plan's first is a fallback,
//     and counts for the arm of the plan's first;
//   - the policy step (Policy.next, attempt.go) decides after each
//     failure: retry the same target after a backoff (rate limits), move
//     to the next, or stop;
//   - no attempt starts with less than minAttemptTime before the
//     deadline, and no backoff sleeps past it (Policy.startable, next);
//   - each attempt reserves its worst-case cost against the budgets
//     first and settles the real cost after;
//   - every attempt is traced and counted in metrics; failures feed the
//     cooldown of their target.
func (e *Engine) serve(ctx context.Context, r *Request, fn attemptFunc) (*Result, *Error) {
	ru, perr := e.prepare(ctx, r, true)
	if perr != nil {
		return nil, perr
	}
	pol := ru.route.Policy
	// The deadline is kept on the engine's clock (injectable) for
	// decisions, and as a real timeout on the context for I/O.
	limit := timeout(ctx, pol)
	deadline := e.deps.Now().Add(limit)
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()

	spanCtx, span := e.deps.Tracer.Start(ctx, "routing")
	defer func() { span.End(nil) }()
	// The request's arm is its plan's first candidate's, whoever serves
	// it, and is reported on a failure too.
	res := &Result{Router: ru.route.Name, Arm: ru.first().Arm, TraceID: r.TraceID}
	ru.res = res
	if span.TraceID() != "" {
		res.TraceID = span.TraceID()
	}
	annotateDecision(span, ru)
	kh, lerr := e.keyLimits.admit(ctx, r.Key, r.Chat, e.deps.Now(), deadline)
	if lerr != nil {
		res.RateLimit = lerr.RateLimit
		return e.finish(ctx, ru, res, e.deps.Now(), lerr, span)
	}
	defer func() { kh.release(ctx, e.deps.Now()) }()
	res.RateLimit = kh.rateLimit()

	var last error
	deadlineHit := false
	start := e.deps.Now()
	for ci := 0; ci < len(ru.candidates); ci++ {
		e.admitProbe(ctx, ru, ci) // a half-open target goes first only for its probe
		c := ru.candidates[ci]
		ru.reach = max(ru.reach, ru.planIndex(c.Key))
		call, cerr := e.call(ru, c)
		if cerr != nil {
			last = cerr
			res.Attempts = append(res.Attempts, Attempt{Target: c.Key, Status: 400, Class: provider.ClassInvalidRequest, Err: cerr})
			return e.finish(ctx, ru, res, start, failure(last, res.Attempts, false), span)
		}
		for retry := 0; ; retry++ {
			now := e.deps.Now()
			if ok, hit := pol.startable(len(res.Attempts), now, deadline); !ok {
				return e.finish(ctx, ru, res, start, failure(last, res.Attempts, hit), span)
			}
			att := &attempt{cand: c, call: call, retry: retry}
			// Provider quota: a target whose account is used up is
			// skipped before any upstream call (quotas.go).
			qh, why := e.quotas.admit(ctx, c.Provider, call.Request, now)
			if why != "" {
				ru.quota = append(ru.quota, quotaSkip{target: c.Key, why: why})
				span.Annotate("quota_skipped", c.Key)
				break
			}
			// Budgets: hold the worst case before the attempt.
			if over := e.budgetStep(ctx, ru, att, now); over != nil {
				qh.settle(ctx, nil, false, now)
				if next, ok := e.reroute(ctx, ru, over); ok {
					ru.candidates = append(ru.candidates[:ci+1:ci+1], next...)
					res.Reroute = RerouteBudget
					span.Annotate("reroute", RerouteBudget)
					break
				}
				return e.finish(ctx, ru, res, start, budgetError(over, call.Request, res.Attempts), span)
			}

			e.runAttempt(spanCtx, ru, att, pol, deadline, fn)
			out := att.out
			att.rec.HeldMicros = att.worst
			res.Attempts = append(res.Attempts, att.rec)
			if out.err == nil || out.committed {
				cost, micros := 0.0, int64(0)
				switch {
				case att.priced && out.usage != nil:
					cost = att.price.Cost(out.usage)
					micros = toMicros(cost)
				case att.priced:
					// No usage reported (a stream cut after it started, an
					// upstream that leaves usage out): charge exactly what was
					// reserved, which bounds the real cost, rather than nothing.
					micros = att.worst
					cost = float64(att.worst) / 1e6
				}
				e.budgets.settle(ctx, att.hold, micros)
				qh.settle(ctx, out.usage, out.usage == nil, e.deps.Now())
				kh.setUsage(out.usage)
				res.Target, res.CostUSD = c.Key, cost
				res.Fallback = c.Key != ru.first().Key
				res.UpstreamRequestID = out.upstreamID
				e.state.recordOutcome(ctx, c.Key, out.err)
				e.sample(ru, c, att.rec, out, true, res.Fallback, micros)
				return e.finish(ctx, ru, res, start, nil, span)
			}
			e.budgets.release(ctx, att.hold)
			qh.settle(ctx, nil, false, e.deps.Now())
			last = out.err
			e.state.recordOutcome(ctx, c.Key, out.err)
			st := pol.next(att, e.deps.Now(), deadline, e.jitter)
			final := st.kind == stepStop || (ci == len(ru.candidates)-1 && st.action != Retry)
			e.sample(ru, c, att.rec, out, final, false, 0)
			switch st.kind {
			case stepStop:
				return e.finish(ctx, ru, res, start, failure(last, res.Attempts, false), span)
			case stepRetry:
				if e.deps.Sleep(ctx, st.wait) != nil {
					deadlineHit = ctx.Err() == context.DeadlineExceeded
					return e.finish(ctx, ru, res, start, failure(last, res.Attempts, deadlineHit), span)
				}
				continue
			}
			break // next candidate
		}
	}
	// Every candidate was tried: the cooling-down ones left out were
	// passed over, whatever their place in the plan.
	ru.reach = len(ru.plan)
	if ctx.Err() == context.DeadlineExceeded {
		deadlineHit = true
	}
	if len(res.Attempts) == 0 && len(ru.quota) > 0 {
		return e.finish(ctx, ru, res, start, quotaFailure(ru.quota, e.deps.Now()), span)
	}
	return e.finish(ctx, ru, res, start, failure(last, res.Attempts, deadlineHit), span)
}

// jitter draws the full-jitter fraction of an exponential backoff.
func (e *Engine) jitter() float64 { return e.rng().Float64() }

// call builds the provider call for candidate c.
func (e *Engine) call(ru *run, c routing.Candidate) (*provider.Call, error) {
	req, err := ru.req.Chat.WithParams(c.Params)
	if err != nil {
		return nil, &provider.Error{Class: provider.ClassInvalidRequest, Status: statusBadRequest, Message: "target params: " + err.Error()}
	}
	return &provider.Call{Model: c.Model, Request: req, RequestID: ru.req.ID}, nil
}

// runAttempt runs att under its own timeout and span, filling in its
// start, outcome and record.
func (e *Engine) runAttempt(ctx context.Context, ru *run, att *attempt, pol Policy, deadline time.Time, fn attemptFunc) {
	c := att.cand
	actx, span := e.deps.Tracer.Start(ctx, "attempt")
	annotateOperation(span, ru)
	span.Annotate("provider", c.Provider)
	span.Annotate("provider_type", e.cfg.Providers[c.Provider].Type)
	span.Annotate("model", c.Model)
	span.Annotate("target", c.Key)
	if att.retry > 0 {
		span.Annotate("retry", true)
	}
	if t := e.attemptTimeout(pol, c); t > 0 && e.deps.Now().Add(t).Before(deadline) {
		// An attempt timeout that ends after the deadline adds nothing: the
		// request's own timeout already bounds it. It bounds the wait for
		// an answer: a stream stops the timer when it commits (its first
		// content), so a long answer is not cut mid-way; the request's
		// timeout still bounds the whole stream.
		var cancel context.CancelCauseFunc
		actx, cancel = context.WithCancelCause(actx)
		stop := e.deps.AfterFunc(t, func() { cancel(errAttemptTimeout) })
		att.stopTimer = stop
		defer func() {
			stop()
			att.stopTimer = nil
			cancel(nil)
		}()
	}
	if ru.trackLoad {
		e.state.addInFlight(ctx, e.deps.InstanceID, c.Key, 1)
		defer e.state.addInFlight(context.WithoutCancel(ctx), e.deps.InstanceID, c.Key, -1)
	}
	att.start = e.deps.Now()
	out := fn(actx, ru, *att)
	if out.err != nil && !out.committed && ctx.Err() == nil && context.Cause(actx) == errAttemptTimeout {
		// The attempt's own timeout, not the caller's: a timeout failure.
		out.err = &provider.Error{Class: provider.ClassTimeout, Message: "attempt timed out", Err: out.err}
	}
	out.elapsed = e.deps.Now().Sub(att.start)
	rec := Attempt{Target: c.Key, Status: statusOK, Ms: out.elapsed.Milliseconds(), Retry: att.retry > 0,
		UpstreamRequestID: out.upstreamID, Err: out.err, Start: att.start}
	if out.err != nil {
		rec.Class = provider.ClassOf(out.err)
		var pe *provider.Error
		if errors.As(out.err, &pe) {
			rec.Status = pe.Status
			if rec.UpstreamRequestID == "" {
				rec.UpstreamRequestID = pe.RequestID
			}
		} else {
			rec.Status = 0
		}
		span.Annotate("error_class", string(rec.Class))
	}
	span.Annotate("status", rec.Status)
	annotateAnswer(span, out)
	span.End(out.err)
	att.out, att.rec = out, rec
}

func (e *Engine) attemptTimeout(pol Policy, c routing.Candidate) time.Duration {
	if t := e.cfg.Providers[c.Provider].Timeout.D(); t > 0 && (pol.AttemptTimeout == 0 || t < pol.AttemptTimeout) {
		return t
	}
	return pol.AttemptTimeout
}

// reroute switches to a budget's reroute router, once per request.
func (e *Engine) reroute(ctx context.Context, ru *run, over *exceeded) ([]routing.Candidate, bool) {
	act, target, _ := cutReroute(over.budget.OnExceed)
	if act != "reroute" || ru.rerouted || over.storeErr != nil {
		return nil, false
	}
	r, ok := e.routers[target]
	if !ok {
		return nil, false
	}
	ru.rerouted = true
	ru.scope.router = target
	ex := routing.Expand(r, e.input(ctx, ru), true)
	ru.decisions = append(ru.decisions, ex.Decisions...)
	cands, kerr := keyModels(ru.req.Key, ex.Candidates)
	if kerr != nil || len(cands) == 0 {
		return nil, false
	}
	ex.Candidates = cands
	if len(ex.Candidates) == 0 {
		return nil, false
	}
	// The reroute router's plan replaces the rest of this one: its
	// targets are skipped for cooldown as the first router's are, and
	// the targets of the first after the refused one are not skipped.
	at := ru.planIndex(over.target) + 1
	ru.plan = append(ru.plan[:at:at], ex.Candidates...)
	return e.orderByHealth(ex.Candidates), true
}

// RerouteBudget is Result.Reroute for a budget's on_exceed reroute.
const RerouteBudget = "budget"

func (e *Engine) sample(ru *run, c routing.Candidate, att Attempt, out attemptOut, final, fallback bool, costMicros int64) {
	sub := e.metricSubject(ru.route, ru.first().Arm, false)
	s := store.Sample{Target: e.metricTarget(c.Leaf), Router: sub.router, Arm: sub.arm, Time: e.deps.Now(), Success: out.err == nil || (out.committed && !out.brokeAfterCommit),
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
		e.recorder.Record(store.Sample{Target: e.metricTarget(c.Leaf), Router: sub.router, Arm: sub.arm,
			Time: now, Skipped: true})
	}
}

// finish closes the request's span and logs the decision.
func (e *Engine) finish(ctx context.Context, ru *run, res *Result, start time.Time, err *Error, span trace.Span) (*Result, *Error) {
	res.Decisions = ru.decisions
	e.recordSkips(ru, res)
	e.recordEnd(ru, res, start, err)
	span.Annotate("attempts", len(res.Attempts))
	span.Annotate("fallback", res.Fallback)
	e.annotateOutcome(span, ru, res)
	if res.Target != "" {
		span.Annotate("target", res.Target)
		span.Annotate("cost_usd", res.CostUSD)
	}
	if err != nil {
		span.Annotate("error_code", err.Code)
		return res, err
	}
	return res, nil
}

// errAttemptTimeout is the cause with which an attempt's own timeout
// cancels it, told apart from the caller's cancellation and the request's
// deadline.
var errAttemptTimeout = errors.New("attempt timed out")

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
