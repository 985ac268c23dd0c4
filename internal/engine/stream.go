package engine

import (
	"context"
	"errors"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/routing"
)

// StreamWriter is where a committed stream goes (the HTTP layer's SSE
// writer). Commit is called at most once, before any Chunk.
type StreamWriter interface {
	// Commit sets the 200 status and the response headers for res. They may
	// go out with the first chunk: a Chunk always follows at once.
	Commit(res *Result) error
	// Chunk sends one chunk. more is true when the next chunk has already
	// arrived: the writer may then defer its flush to the end of the burst,
	// so a chunk is never held back waiting for the upstream.
	Chunk(c *chat.Chunk, more bool) error
	// Flush sends what a Chunk with more deferred, when the chunk that
	// was to follow is not sent after all.
	Flush() error
	// Fail ends a committed stream with an SSE error event and no [DONE].
	Fail(err *Error)
	// Done ends a committed stream with [DONE].
	Done()
}

// RawRelay is a StreamWriter that writes each chunk's Raw bytes as
// received (the chat completions surface, whose caller speaks the
// upstream's wire format) and reads nothing else of a chunk. After commit
// the engine then lets a provider.Skimmer stream stop decoding its chunks
// whole: the engine itself reads only the model, the usage and the finish
// reasons. A writer that translates chunks must not implement it.
type RawRelay interface {
	RelaysRaw() bool
}

// skimAfterCommit lets s decode only what the engine reads, when w relays
// the events as received.
func skimAfterCommit(s provider.Stream, w StreamWriter) {
	if r, ok := w.(RawRelay); !ok || !r.RelaysRaw() {
		return
	}
	if sk, ok := s.(provider.Skimmer); ok {
		sk.Skim()
	}
}

// Stream serves a streamed request. Until the first content-bearing chunk
// arrives nothing is sent, so a failure falls back like any other; after
// it, a failure ends the stream with an SSE error event. The returned
// *Error is only for a stream that never committed.
func (e *Engine) Stream(ctx context.Context, r *Request, w StreamWriter) (*Result, *Error) {
	includeUsage := r.Chat.StreamOptions != nil && r.Chat.StreamOptions.IncludeUsage
	return e.serve(ctx, r, func(ctx context.Context, ru *run, att attempt) attemptOut {
		return e.streamAttempt(ctx, ru, att, w, includeUsage)
	})
}

// streamAttempt runs one attempt of a streamed request as chat chunks from
// the candidate's provider into w, under the commit rule. Other surfaces
// stream a translated attempt through it with a w that re-encodes chunks
// into their wire format (one fresh w per attempt: nothing reaches it
// before commit). includeUsage: the caller asked for the usage chunk.
func (e *Engine) streamAttempt(ctx context.Context, ru *run, att attempt, w StreamWriter, includeUsage bool) (out attemptOut) {
	c, call := att.cand, att.call
	start := time.Now()
	// committed is the one record of whether this attempt has sent
	// the caller anything: the loop reads it from out (it then ends
	// the request, successful for the caller whatever out.err is),
	// so the returns below leave out.committed to this defer. The
	// answer's model and finish reasons are for the attempt's span.
	var committed bool
	var model string
	var finish []string
	defer func() { out.committed, out.model, out.finish = committed, model, finish }()
	// Always ask for usage, so streamed responses are priced, counted
	// and settled against budgets; the usage chunk is dropped for
	// callers that did not ask for it.
	withUsage := *call.Request
	withUsage.StreamOptions = call.Request.StreamOptions.WithUsage()
	call = &provider.Call{Model: call.Model, Request: &withUsage, RequestID: call.RequestID}
	sctx, cancelStream := context.WithCancelCause(ctx)
	defer cancelStream(nil)
	s, err := e.providers[c.Provider].Stream(sctx, call)
	if err != nil {
		return attemptOut{err: err}
	}
	defer s.Close()
	idleLimit := ru.route.Policy.StreamIdleTimeout
	idle := e.watchIdle(idleLimit, func() { cancelStream(errStreamIdle) })
	defer idle.stop()
	var pending []chat.Chunk // chunks before the first content
	var usage *chat.Usage
	var ttft time.Duration
	buffered, _ := s.(interface{ Buffered() bool })
	more := func() bool { return buffered != nil && buffered.Buffered() }
	deferred := false // the last chunk written waits for a flush
	send := func(ch *chat.Chunk) error {
		if ch.Usage != nil {
			usage = ch.Usage
			if len(ch.Choices) == 0 && !includeUsage {
				// The usage chunk we asked for on the caller's behalf:
				// not sent, so it must not hold back the chunk before it.
				if deferred && !more() {
					deferred = false
					return w.Flush()
				}
				return nil
			}
		}
		deferred = more()
		return w.Chunk(ch, deferred)
	}
	for s.Next() {
		idle.touch()
		ch := s.Current()
		if ch.Model != "" {
			model = ch.Model
		}
		for _, cc := range ch.Choices {
			if cc.FinishReason != nil {
				finish = append(finish, *cc.FinishReason)
			}
		}
		if !committed {
			if !ch.HasContent() {
				if ch.Usage != nil {
					usage = ch.Usage
				}
				pending = append(pending, copyChunk(ch))
				continue
			}
			ttft = time.Since(start)
			committed = true
			if att.stopTimer != nil {
				att.stopTimer()
			}
			if err := w.Commit(commitResult(ru, c, upstreamID(s))); err != nil {
				return attemptOut{err: err, ttft: ttft}
			}
			for i := range pending {
				if err := w.Chunk(&pending[i], true); err != nil {
					return attemptOut{err: err, ttft: ttft}
				}
			}
			skimAfterCommit(s, w)
		}
		if err := send(ch); err != nil {
			// The caller went away; stop reading upstream.
			return attemptOut{usage: usage, err: err, ttft: ttft}
		}
	}
	serr := s.Err()
	if serr != nil && ctx.Err() == nil && context.Cause(sctx) == errStreamIdle {
		serr = &provider.Error{Class: provider.ClassTimeout,
			Message: "the upstream stream sent nothing for " + idleLimit.String() + " (stream_idle_timeout)", Err: serr}
	}
	if !committed {
		if serr == nil {
			// A clean end with no content at all: an empty answer is
			// still an answer, so commit and close it properly.
			committed = true
			if err := w.Commit(commitResult(ru, c, upstreamID(s))); err != nil {
				return attemptOut{err: err}
			}
			for i := range pending {
				if pending[i].Usage != nil && len(pending[i].Choices) == 0 && !includeUsage {
					continue
				}
				_ = w.Chunk(&pending[i], true)
			}
			w.Done()
			return attemptOut{usage: usage}
		}
		return attemptOut{err: serr, upstreamID: upstreamID(s)}
	}
	if serr != nil {
		w.Fail(streamFailure(serr))
		return attemptOut{brokeAfterCommit: true, usage: usage, err: serr, ttft: ttft, upstreamID: upstreamID(s)}
	}
	w.Done()
	return attemptOut{usage: usage, ttft: ttft, upstreamID: upstreamID(s)}
}

// commitResult is what the headers of a committed stream say: the target
// serving it and the attempts so far (this one included).
func commitResult(ru *run, c routing.Candidate, upstreamID string) *Result {
	res := &Result{Router: ru.route.Name, Target: c.Key, Arm: ru.first().Arm, TraceID: ru.res.TraceID,
		Fallback: c.Key != ru.first().Key, Reroute: ru.res.Reroute, UpstreamRequestID: upstreamID, RateLimit: ru.res.RateLimit}
	res.Attempts = make([]Attempt, len(ru.res.Attempts)+1)
	copy(res.Attempts, ru.res.Attempts)
	res.Attempts[len(res.Attempts)-1] = Attempt{Target: c.Key, Status: statusOK, UpstreamRequestID: upstreamID}
	return res
}

func copyChunk(c *chat.Chunk) chat.Chunk {
	cp := *c
	cp.Raw = append([]byte(nil), c.Raw...)
	cp.Choices = append([]chat.ChunkChoice(nil), c.Choices...)
	return cp
}

func upstreamID(s provider.Stream) string {
	if r, ok := s.(provider.RequestIDer); ok {
		return r.RequestID()
	}
	return ""
}

// streamFailure is the SSE error event for a failure after commit.
func streamFailure(err error) *Error {
	var pe *provider.Error
	e := &Error{Status: statusBadGateway, Type: TypeUpstream, Code: "stream_interrupted",
		Message: "the upstream stream failed after it started: " + provider.Redact(err.Error())}
	if errors.As(err, &pe) {
		e.Code = string(pe.Class)
		if pe.Class == provider.ClassTimeout {
			e.Status, e.Type = statusGatewayTimeout, TypeTimeout
		}
	}
	return e
}
