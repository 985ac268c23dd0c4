package engine

import (
	"context"
	"strings"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/routing"
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

// serve runs the attempt loop of DESIGN §5 over the request's candidates,
// with fn as the surface's upstream call (Complete, Stream, Embed):
//
//   - the planner (prepare) orders the candidates: those cooling down are
//     left out (counted as skips), half-open ones deferred unless this
//     request claims their probe (health.go); a request served by any
//     target but the plan's first is a fallback, and counts for the arm
//     of the plan's first;
//   - no attempt starts beyond max_attempts (retries and fallbacks
//     together) or with less than minAttemptTime before the deadline, and
//     no backoff sleeps past it (Policy.startable, Policy.next);
//   - each attempt takes its provider's quota and holds its worst-case
//     cost against the budgets first (ledger.go), and settles the real
//     cost after; a budget that refuses reroutes the rest of the plan or
//     refuses the request;
//   - after each failure the policy step (Policy.next) decides: retry the
//     same target after a backoff (rate limits), move to the next, or
//     stop; a committed stream ends the loop whatever happens after;
//   - every outcome feeds its target's cooldown (health) and the metrics
//     and traces (outcomes).
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
	s := e.open(ctx, ru)
	defer s.span.End(nil)
	kh, lerr := s.admitKey(deadline) // the caller's key's rate and concurrency limits
	if lerr != nil {
		return s.end(lerr)
	}
	defer func() { kh.release(ctx, e.deps.Now()) }()

	for ci := 0; ci < len(ru.candidates); ci++ {
		c := s.candidate(ci)
		call, cerr := e.call(ru, c)
		if cerr != nil {
			return s.invalid(c, cerr) // its params do not apply to the request: 400, nothing sent
		}
		for retry := 0; ; retry++ {
			now := e.deps.Now()
			if ok, hit := pol.startable(len(s.res.Attempts), now, deadline); !ok {
				return s.fail(hit) // max_attempts reached, or the deadline floor
			}
			att := &attempt{cand: c, call: call, retry: retry}
			next, refused := s.hold(att, ci, now)
			if refused != nil {
				return s.end(refused) // over a budget that does not reroute: 429 (503: unreadable)
			}
			if next {
				break // provider quota used up, or a budget rerouted the rest of the plan
			}
			s.flushPending(false) // another attempt follows the last failure: it did not end the request
			e.runAttempt(s.spanCtx, ru, att, pol, deadline, fn)
			if att.out.err == nil || att.out.committed {
				return s.served(att) // answered (or a stream committed): settle, report healthy
			}
			s.failed(att) // hold released; the failure counts towards the target's cooldown
			// Its sample waits: it is final (it counts the request) if the
			// request ends with it, however it ends (flushPending).
			s.pending, s.hasPending = *att, true // a copy: att stays off the heap
			st := pol.next(att, e.deps.Now(), deadline, e.jitter)
			switch st.kind {
			case stepStop: // other 4xx (400, 404, 413, 422): relayed, no retry; or the caller went away
				return s.fail(false)
			case stepRetry: // 429: wait (Retry-After, else backoff with jitter), then the same target
				if e.deps.Sleep(ctx, st.wait) != nil {
					return s.fail(ctx.Err() == context.DeadlineExceeded)
				}
				continue
			}
			break // 5xx, 529, network, timeouts, 408, context length, 401/403, a 429 out of retries: next
		}
	}
	return s.exhausted()
}

// serving is the attempt loop's own state for one request, beside the
// plan (run): what serve's steps below share.
type serving struct {
	e       *Engine
	ctx     context.Context // the request's, bounded by its deadline
	spanCtx context.Context // ctx under the request's span, for attempts
	span    trace.Span
	ru      *run
	res     *Result // the result so far (ru.res)
	start   time.Time
	kh      *keyHold
	lastErr error // the last attempt's failure
	// pending is the last failed attempt, whose sample is reported when
	// it is known whether the request ended with it (flushPending).
	pending    attempt
	hasPending bool
}

// flushPending reports the last failed attempt's sample: final when the
// request ended with it, whichever way (the last candidate failed, a 429
// out of retries, max_attempts, the deadline, a budget refusal after
// it), so that every failed request is counted once; not final when
// another attempt followed it.
func (s *serving) flushPending(final bool) {
	if s.hasPending {
		s.hasPending = false
		att := &s.pending
		s.e.outcomes.attempt(s.ru, att.cand, att.rec, att.out, final, false, 0)
	}
}

// open starts the request's span and result. The request's arm is its
// plan's first candidate's, whoever serves it, and is reported on a
// failure too.
func (e *Engine) open(ctx context.Context, ru *run) serving {
	s := serving{e: e, ctx: ctx, ru: ru}
	s.spanCtx, s.span = e.deps.Tracer.Start(ctx, "routing")
	s.res = &Result{Router: ru.route.Name, Arm: ru.first().Arm, TraceID: ru.req.TraceID}
	ru.res = s.res
	if s.span.TraceID() != "" {
		s.res.TraceID = s.span.TraceID()
	}
	annotateDecision(s.span, ru)
	return s
}

// admitKey holds the request against its key's limits (keylimits.go),
// which may wait for a concurrency slot: the request's time is counted
// from when it has one.
func (s *serving) admitKey(deadline time.Time) (*keyHold, *Error) {
	e, r := s.e, s.ru.req
	kh, lerr := e.keyLimits.admit(s.ctx, r.Key, r.Chat, e.deps.Now(), deadline)
	s.start = e.deps.Now()
	if lerr != nil {
		s.res.RateLimit = lerr.RateLimit
		return nil, lerr
	}
	s.kh = kh
	s.res.RateLimit = kh.rateLimit()
	return kh, nil
}

// candidate readies candidate ci for its first attempt: a half-open
// target goes first only for its probe (admitProbe), and the plan
// position reached is noted for the skips.
func (s *serving) candidate(ci int) routing.Candidate {
	s.e.admitProbe(s.ctx, s.ru, ci)
	c := s.ru.candidates[ci]
	s.ru.reach = max(s.ru.reach, s.ru.planIndex(c.Key))
	return c
}

// invalid ends the request on a candidate whose params cannot be applied.
func (s *serving) invalid(c routing.Candidate, err error) (*Result, *Error) {
	s.lastErr = err
	s.res.Attempts = append(s.res.Attempts, Attempt{Target: c.Key, Status: statusBadRequest, Class: provider.ClassInvalidRequest, Err: err})
	return s.fail(false)
}

// hold readies att's upstream call: its provider's quota (quotas.go),
// then its worst-case cost against the budgets (budgetStep). next says
// to move on to the next candidate: the quota is used up, or a budget
// rerouted the request (its router's candidates now follow ci). refused
// is the request's end when a budget refuses it.
func (s *serving) hold(att *attempt, ci int, now time.Time) (next bool, refused *Error) {
	e, ru, c := s.e, s.ru, att.cand
	qh, why := e.quotas.admit(s.ctx, c.Provider, att.call.Request, now)
	if why != "" {
		ru.quota = append(ru.quota, quotaSkip{target: c.Key, why: why})
		s.span.Annotate("quota_skipped", c.Key)
		return true, nil
	}
	att.quota = qh
	over := e.budgetStep(s.ctx, ru, att, now)
	if over == nil {
		return false, nil
	}
	qh.settle(s.ctx, nil, false, now)
	if cands, ok := e.reroute(s.ctx, ru, over); ok {
		ru.candidates = append(ru.candidates[:ci+1:ci+1], cands...)
		s.res.Reroute = RerouteBudget
		s.span.Annotate("reroute", RerouteBudget)
		return true, nil
	}
	return false, budgetError(over, att.call.Request, s.res.Attempts)
}

// served ends the request with att's answer: its hold settles to what it
// cost, its quota and the key's window count its real tokens, and its
// target is healthy.
func (s *serving) served(att *attempt) (*Result, *Error) {
	e, out, c := s.e, att.out, att.cand
	usd, micros := att.charge()
	s.flushPending(false)
	e.ledger.settle(s.ctx, att.hold, micros)
	att.quota.settle(s.ctx, out.usage, out.usage == nil, e.deps.Now())
	s.kh.setUsage(out.usage)
	s.res.Target, s.res.CostUSD = c.Key, usd
	s.res.Fallback = c.Key != s.ru.first().Key
	s.res.UpstreamRequestID = out.upstreamID
	e.health.recordOutcome(s.ctx, c.Key, out.err)
	e.outcomes.attempt(s.ru, c, att.rec, out, true, s.res.Fallback, micros)
	return s.end(nil)
}

// failed undoes a failed attempt's holds and reports the failure to the
// cooldown tracker.
func (s *serving) failed(att *attempt) {
	e := s.e
	e.ledger.release(s.ctx, att.hold)
	att.quota.settle(s.ctx, nil, false, e.deps.Now())
	s.lastErr = att.out.err
	e.health.recordOutcome(s.ctx, att.cand.Key, att.out.err)
}

// exhausted ends a request whose every candidate was tried (or skipped):
// the cooling-down ones left out were passed over, whatever their place
// in the plan. A request whose every target was skipped for its
// provider's quota says so.
func (s *serving) exhausted() (*Result, *Error) {
	s.ru.reach = len(s.ru.plan)
	if len(s.res.Attempts) == 0 && len(s.ru.quota) > 0 {
		return s.end(quotaFailure(s.ru.quota, s.e.deps.Now()))
	}
	return s.fail(s.ctx.Err() == context.DeadlineExceeded)
}

// fail ends the request with the caller's error for the last failure.
func (s *serving) fail(deadlineHit bool) (*Result, *Error) {
	return s.end(failure(s.lastErr, s.res.Attempts, deadlineHit))
}

// end reports the request (outcomes) and closes its span.
func (s *serving) end(err *Error) (*Result, *Error) {
	ru, res, span := s.ru, s.res, s.span
	s.flushPending(true)
	res.Decisions = ru.decisions
	s.e.outcomes.end(ru, res, s.start, err)
	span.Annotate("attempts", len(res.Attempts))
	span.Annotate("fallback", res.Fallback)
	s.e.annotateOutcome(span, ru, res)
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

// jitter draws the full-jitter fraction of an exponential backoff.
func (e *Engine) jitter() float64 { return e.rng().Float64() }

// reroute switches to a budget's reroute router, once per request.
func (e *Engine) reroute(ctx context.Context, ru *run, over *exceeded) ([]routing.Candidate, bool) {
	act, target, _ := cutReroute(over.Budget.OnExceed)
	if act != "reroute" || ru.rerouted || over.StoreErr != nil {
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
	at := ru.planIndex(over.Target) + 1
	ru.plan = append(ru.plan[:at:at], ex.Candidates...)
	return e.orderByHealth(ex.Candidates), true
}

// cutReroute splits on_exceed "reroute:<router>".
func cutReroute(s string) (action, router string, ok bool) { return strings.Cut(s, ":") }

// RerouteBudget is Result.Reroute for a budget's on_exceed reroute.
const RerouteBudget = "budget"
