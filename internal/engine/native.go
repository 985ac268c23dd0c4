package engine

import (
	"context"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// NativeWriter is where a committed native stream goes: the SSE writer of
// a surface whose upstream speaks the caller's own wire format (Anthropic
// Messages to Anthropic or Bedrock Claude, Responses to OpenAI), so events
// are relayed as received. Commit is called at most once, before any Event.
type NativeWriter interface {
	// Commit sets the 200 status and the response headers for res; they
	// may go out with the first event, which always follows at once.
	Commit(res *Result) error
	// Event sends one event. more: the next one has already arrived, so
	// the writer may defer its flush to the end of the burst.
	Event(ev provider.Event, more bool) error
	// Flush sends what an Event with more deferred.
	Flush() error
	// Fail ends a committed stream with the wire format's error event.
	Fail(err *Error)
	// Done ends a committed stream cleanly (the wire format's last event
	// has been relayed; the writer adds any terminator its format has).
	Done()
}

// EventCodec reads what the loop needs from a wire format's stream events.
type EventCodec interface {
	// Content reports whether ev carries content: the first such event
	// commits the stream (those before it are held, so an attempt that
	// fails before it falls back as if nothing had been sent).
	Content(ev provider.Event) bool
	// Facts folds what ev says about the answer into f: usage (which
	// prices the attempt and settles its budgets), model, stop reasons.
	Facts(ev provider.Event, f *StreamFacts)
}

// StreamFacts is what a native stream's events said about the answer.
type StreamFacts struct {
	Usage  *chat.Usage
	Model  string
	Finish []string
	// Final: Usage is the answer's final count (Anthropic's message_delta,
	// the Responses API's response.completed). Before it, Usage is what
	// the stream's start said (the input, one output token), which must
	// not settle a stream that breaks or is abandoned early.
	Final bool
}

// settled is the usage an attempt that ends now is charged by: the final
// count, or nil (the attempt's whole reservation, as for a chat stream cut
// before its usage chunk) when the stream ended before it. Otherwise a
// caller could read a long answer and drop the connection before the end
// to be charged for one output token.
func (f *StreamFacts) settled() *chat.Usage {
	if f.Final {
		return f.Usage
	}
	return nil
}

// relayNative runs one attempt of a natively streamed request: open
// starts the upstream stream, whose events are relayed to w under the
// same rules as a chat stream (streamAttempt): nothing before the first
// content event, then everything as received; a failure after commit ends
// the stream with w.Fail; the idle timeout; usage for pricing and budgets.
func (e *Engine) relayNative(ctx context.Context, ru *run, att attempt,
	open func(ctx context.Context) (provider.EventStream, error), codec EventCodec, w NativeWriter) (out attemptOut) {
	c := att.cand
	start := time.Now()
	var committed bool
	var facts StreamFacts
	defer func() { out.committed, out.model, out.finish = committed, facts.Model, facts.Finish }()
	sctx, cancelStream := context.WithCancelCause(ctx)
	defer cancelStream(nil)
	s, err := open(sctx)
	if err != nil {
		return attemptOut{err: err}
	}
	defer s.Close()
	idleLimit := ru.route.Policy.StreamIdleTimeout
	idle := e.watchIdle(idleLimit, func() { cancelStream(errStreamIdle) })
	defer idle.stop()
	buffered, _ := s.(interface{ Buffered() bool })
	more := func() bool { return buffered != nil && buffered.Buffered() }
	var pending []provider.Event // events before the first content one
	var ttft time.Duration
	commit := func() error {
		committed = true
		if att.stopTimer != nil {
			att.stopTimer()
		}
		if err := w.Commit(commitResult(ru, c, upstreamIDOf(s))); err != nil {
			return err
		}
		for _, ev := range pending {
			if err := w.Event(ev, true); err != nil {
				return err
			}
		}
		pending = nil
		return nil
	}
	for s.Next() {
		idle.touch()
		ev := s.Event()
		codec.Facts(ev, &facts)
		if !committed {
			if !codec.Content(ev) {
				pending = append(pending, provider.Event{Type: ev.Type, Data: append([]byte(nil), ev.Data...)})
				continue
			}
			ttft = time.Since(start)
			if err := commit(); err != nil {
				return attemptOut{err: err, ttft: ttft}
			}
		}
		if err := w.Event(ev, more()); err != nil {
			// The caller went away; stop reading upstream.
			return attemptOut{usage: facts.settled(), err: err, ttft: ttft}
		}
	}
	serr := s.Err()
	if serr != nil && ctx.Err() == nil && context.Cause(sctx) == errStreamIdle {
		serr = &provider.Error{Class: provider.ClassTimeout,
			Message: "the upstream stream sent nothing for " + idleLimit.String() + " (stream_idle_timeout)", Err: serr}
	}
	if !committed {
		if serr != nil {
			return attemptOut{err: serr, upstreamID: upstreamIDOf(s)}
		}
		// A clean end with no content: an empty answer is still an
		// answer, so commit and relay it whole.
		if err := commit(); err != nil {
			return attemptOut{err: err}
		}
		if err := w.Flush(); err != nil {
			return attemptOut{usage: facts.settled(), err: err}
		}
		w.Done()
		return attemptOut{usage: facts.settled(), upstreamID: upstreamIDOf(s)}
	}
	if serr != nil {
		w.Fail(streamFailure(serr))
		return attemptOut{brokeAfterCommit: true, usage: facts.settled(), err: serr, ttft: ttft, upstreamID: upstreamIDOf(s)}
	}
	w.Done()
	return attemptOut{usage: facts.settled(), ttft: ttft, upstreamID: upstreamIDOf(s)}
}

// nativeOut is the attempt outcome of a non-streamed native answer.
func nativeOut(resp *provider.NativeResponse) attemptOut {
	return attemptOut{usage: resp.Usage, upstreamID: resp.UpstreamRequestID, model: resp.Model}
}

func upstreamIDOf(s provider.EventStream) string {
	if r, ok := s.(provider.RequestIDer); ok {
		return r.RequestID()
	}
	return ""
}
