package engine

import (
	"context"
	"errors"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/pricing"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/routing"
)

// attempt is one try of one candidate: the state that lives for a single
// upstream call, kept apart from the request-wide run so that the loop,
// the surface's attempt function and the policy step share it explicitly.
type attempt struct {
	cand  routing.Candidate
	call  *provider.Call
	retry int // 0 for a candidate's first try
	// start is when the upstream call began (engine clock).
	start time.Time
	// hold is the budget reservation of the attempt's worst-case cost,
	// worst its size in micro-USD (0 for an unpriced target).
	hold  *reservation
	worst int64
	// quota is what it holds against its provider's quota (quotas.go).
	quota *quotaHold
	// price is the target's price, when priced (budgetStep).
	price  pricing.Price
	priced bool
	// stopTimer stops the attempt's own timeout; a stream calls it when
	// it commits. Nil when the attempt has none.
	stopTimer func() bool
	// out is the attempt's outcome, rec its entry in Result.Attempts.
	out attemptOut
	rec Attempt
}

// attemptFunc runs one attempt of a surface (Complete, Stream) against
// att.cand with att.call. att is a copy: passing a pointer through a func
// value would move every attempt to the heap on the hot path.
type attemptFunc func(ctx context.Context, ru *run, att attempt) attemptOut

// attemptOut is what an attempt function reports. committed is true when
// the caller has already received a response (a stream past its first
// content chunk): the loop then ends whatever err is.
type attemptOut struct {
	committed bool
	// brokeAfterCommit: the upstream failed (or stalled) after the stream
	// was committed; the caller got an error chunk, and metrics count the
	// attempt as the failure it was.
	brokeAfterCommit bool
	usage            *chat.Usage
	ttft             time.Duration
	elapsed          time.Duration // the attempt's latency, full resolution (Attempt.Ms is whole ms)
	upstreamID       string
	err              error
	// model and finish are the answer's model and a stream's finish
	// reasons, for the attempt's span (gen_ai.response.*); an answer's
	// finish reasons are in its choices, or in raw, a relayed body
	// (annotateAnswer reads them if the span is recorded).
	model   string
	finish  []string
	choices []chat.Choice
	raw     []byte
}

// stepKind is what the loop does after a failed attempt.
type stepKind int

const (
	// stepNext moves on to the next candidate at once.
	stepNext stepKind = iota
	// stepRetry sleeps step.wait and tries the same candidate again.
	stepRetry
	// stepStop ends the loop with the failure so far.
	stepStop
)

// step is the policy's decision after a failed attempt.
type step struct {
	kind stepKind
	// action is the error policy's verdict (Decide) the step came from;
	// a Retry the step turned into stepNext (retries used up, a backoff
	// too long or past the deadline) is still a Retry here.
	action Action
	wait   time.Duration // for stepRetry
}

// next is the attempt loop's one policy step, run after every failed,
// uncommitted attempt (the role Caddy's reverse proxy gives tryAgain):
// it decides whether to retry the same target, move to the next one or
// stop.
//
//   - the error policy (Decide) says Fail or Stop: stop;
//   - it says Retry and the target has retries left (MaxRetries): wait
//     for the backoff (Retry-After, else exponential with full jitter),
//     but only if an attempt could still start after it, with at least
//     minAttemptTime before the deadline; otherwise move on;
//   - anything else: move on to the next target.
//
// jitter is drawn only for an exponential backoff, so a seeded source
// gives the same waits as before. Whether there is a next target, and
// the attempt and deadline bounds before each try, are startable's.
func (p Policy) next(att *attempt, now, deadline time.Time, jitter func() float64) step {
	action := p.Decide(att.out.err)
	switch action {
	case Fail, Stop:
		return step{kind: stepStop, action: action}
	case Retry:
		if att.retry < p.MaxRetries {
			wait := p.backoff(att.retry, att.out.err, jitter)
			if wait >= 0 && now.Add(wait).Add(minAttemptTime).Before(deadline) {
				return step{kind: stepRetry, action: action, wait: wait}
			}
		}
	}
	return step{kind: stepNext, action: action}
}

// startable says whether another attempt may start, after attempts
// attempts so far: not beyond max_attempts (retries and fallbacks
// together), and not with less than minAttemptTime before the deadline
// (the deadline floor: less cannot produce an answer). deadlineHit says
// the deadline was the reason.
func (p Policy) startable(attempts int, now, deadline time.Time) (ok, deadlineHit bool) {
	if attempts >= p.MaxAttempts {
		return false, false
	}
	if deadline.Sub(now) < minAttemptTime {
		return false, true
	}
	return true, false
}

// backoff is how long to wait before retrying a rate-limited target:
// the upstream's Retry-After when it sent one (or -1, meaning move on,
// when that exceeds max_retry_after), else exponential backoff with full
// jitter capped at max_backoff.
func (p Policy) backoff(retry int, err error, jitter func() float64) time.Duration {
	var pe *provider.Error
	if errors.As(err, &pe) && pe.RetryAfter > 0 {
		if pe.RetryAfter > p.MaxRetryAfter {
			return -1
		}
		return pe.RetryAfter
	}
	d := p.InitialBackoff << retry
	if d > p.MaxBackoff || d <= 0 {
		d = p.MaxBackoff
	}
	// Full jitter: spread retries of many callers so they do not return
	// to the upstream in lockstep.
	return time.Duration(jitter() * float64(d))
}

// call builds the provider call for candidate c.
func (e *Engine) call(ru *run, c routing.Candidate) (*provider.Call, error) {
	req, err := ru.req.Chat.WithParams(c.Params)
	if err != nil {
		return nil, &provider.Error{Class: provider.ClassInvalidRequest, Status: statusBadRequest, Message: "target params: " + err.Error()}
	}
	return &provider.Call{Model: c.Model, Request: req, RequestID: ru.req.ID}, nil
}

// runAttempt runs att under its own timeout and span, filling in its
// start, outcome and record, and adds the record to the request's
// attempts.
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
	rec.HeldMicros = att.worst
	att.out, att.rec = out, rec
	ru.res.Attempts = append(ru.res.Attempts, rec)
}

func (e *Engine) attemptTimeout(pol Policy, c routing.Candidate) time.Duration {
	if t := e.cfg.Providers[c.Provider].Timeout.D(); t > 0 && (pol.AttemptTimeout == 0 || t < pol.AttemptTimeout) {
		return t
	}
	return pol.AttemptTimeout
}

// errAttemptTimeout is the cause with which an attempt's own timeout
// cancels it, told apart from the caller's cancellation and the request's
// deadline.
var errAttemptTimeout = errors.New("attempt timed out")
