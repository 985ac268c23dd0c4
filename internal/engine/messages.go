package engine

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/messages"
	"github.com/switchyard-llm/switchyard/internal/pricing"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// The Anthropic Messages surface (POST /v1/messages): the same loop as
// chat, with an attempt function that passes the caller's body through to
// a target that speaks Messages natively (provider.Messager) and
// translates to chat and back for any other.

// MessagesChat sets r.Operation and r.Chat, the chat form of r.Messages
// that routing conditions, estimates and budgets read. The error is the
// translation's: what a non-native target could not be given (nil when
// everything translates); the request may still go to a native target.
func MessagesChat(r *Request) error {
	r.Operation = OpMessages
	req, terr := messages.ToChat(r.Messages)
	r.Chat = req
	return terr
}

// Messages serves a non-streamed Messages request. The body is the
// answer in Messages form: the native upstream's as received, or the
// translation of a chat answer.
func (e *Engine) Messages(ctx context.Context, r *Request) (*Result, []byte, *Error) {
	if r.Messages == nil {
		return nil, nil, BadRequest("missing_messages", "messages is required")
	}
	terr := MessagesChat(r)
	var body []byte
	res, err := e.serve(ctx, r, func(ctx context.Context, ru *run, att attempt) attemptOut {
		if m, ok := e.messager(att); ok {
			call, err := nativeMessagesCall(ru, att, false)
			if err != nil {
				return attemptOut{err: err}
			}
			resp, err := m.Messages(ctx, call)
			if err != nil {
				return attemptOut{err: err}
			}
			body = resp.Body
			return nativeOut(resp)
		}
		if terr != nil {
			return attemptOut{err: untranslatable(terr)}
		}
		out, err := e.providers[att.cand.Provider].Complete(ctx, att.call)
		if err != nil {
			return attemptOut{err: err}
		}
		body, _ = json.Marshal(messages.FromChat(out))
		return attemptOut{usage: out.Usage, upstreamID: out.UpstreamRequestID, model: out.Model, choices: out.Choices}
	})
	return res, body, err
}

// MessagesStream serves a streamed Messages request into w: a native
// target's events relayed as received, a translated one's chat chunks
// re-encoded as Anthropic's events (a fresh encoder per attempt, since
// nothing reaches the caller before commit).
func (e *Engine) MessagesStream(ctx context.Context, r *Request, w NativeWriter) (*Result, *Error) {
	if r.Messages == nil {
		return nil, BadRequest("missing_messages", "messages is required")
	}
	terr := MessagesChat(r)
	return e.serve(ctx, r, func(ctx context.Context, ru *run, att attempt) attemptOut {
		if m, ok := e.messager(att); ok {
			call, err := nativeMessagesCall(ru, att, true)
			if err != nil {
				return attemptOut{err: err}
			}
			// The upstream's own error type (overloaded_error...) is kept
			// for the error event of a stream it broke after commit.
			var upErr error
			open := func(ctx context.Context) (provider.EventStream, error) {
				s, err := m.MessagesStream(ctx, call)
				if err != nil {
					return nil, err
				}
				return &errTap{EventStream: s, err: &upErr}, nil
			}
			return e.relayNative(ctx, ru, att, open, messagesCodec{}, &typedFail{NativeWriter: w, err: &upErr})
		}
		if terr != nil {
			return attemptOut{err: untranslatable(terr)}
		}
		tw := &messagesChunkWriter{w: w, enc: messages.NewEncoder(att.call.Model)}
		return e.streamAttempt(ctx, ru, att, tw, true)
	})
}

// CountTokens serves POST /v1/messages/count_tokens: a native target
// counts; for any other the gateway's own estimate (pricing's, the one
// budgets use) is the answer, with no upstream call. Counting is free:
// the attempt settles at zero cost.
func (e *Engine) CountTokens(ctx context.Context, r *Request) (*Result, int, *Error) {
	if r.Messages == nil {
		return nil, 0, BadRequest("missing_messages", "messages is required")
	}
	_ = MessagesChat(r) // an estimate needs no faithful translation
	r.counting = true
	one := 1
	r.Chat.MaxTokens = &one // no answer is generated: nothing to reserve for output
	var n int
	res, err := e.serve(ctx, r, func(ctx context.Context, ru *run, att attempt) attemptOut {
		zero := &chat.Usage{}
		if m, ok := e.messager(att); ok {
			body, err := messages.NativeBody(ru.req.Messages.Raw, nil)
			if err != nil {
				return attemptOut{err: invalidNative(err)}
			}
			count, err := m.CountTokens(ctx, &provider.NativeCall{Model: att.call.Model, Body: body,
				Header: nativeHeaders(ru.req.Headers), RequestID: ru.req.ID})
			if err != nil {
				return attemptOut{err: err}
			}
			n = count
			return attemptOut{usage: zero}
		}
		n = pricing.EstimateInputTokens(att.call.Request)
		return attemptOut{usage: zero}
	})
	return res, n, err
}

// messager is the candidate's provider as a Messager, when it takes the
// candidate's model natively.
func (e *Engine) messager(att attempt) (provider.Messager, bool) {
	m, ok := e.providers[att.cand.Provider].(provider.Messager)
	if !ok || !m.NativeMessages(att.call.Model) {
		return nil, false
	}
	return m, true
}

// nativeMessagesCall is the caller's body for att: the target's params
// merged in, the gateway's own fields out.
func nativeMessagesCall(ru *run, att attempt, stream bool) (*provider.NativeCall, error) {
	body, err := messages.NativeBody(ru.req.Messages.Raw, att.cand.Params)
	if err != nil {
		return nil, invalidNative(err)
	}
	return &provider.NativeCall{Model: att.call.Model, Body: body, Stream: stream,
		Header: nativeHeaders(ru.req.Headers), RequestID: ru.req.ID}, nil
}

func invalidNative(err error) *provider.Error {
	return &provider.Error{Class: provider.ClassInvalidRequest, Status: statusBadRequest, Message: "target params: " + err.Error(), Err: err}
}

// untranslatable fails a non-native attempt that would need what chat
// cannot say: unsupported, so the next candidate (a native one) is tried.
func untranslatable(err error) *provider.Error {
	return &provider.Error{Class: provider.ClassUnsupported, Status: statusBadRequest, Message: err.Error(), Err: err}
}

// nativeHeaders are the caller's headers the Messages API defines.
func nativeHeaders(h http.Header) http.Header {
	var out http.Header
	for _, k := range [...]string{"anthropic-version", "anthropic-beta"} {
		if vs := h.Values(k); len(vs) > 0 {
			if out == nil {
				out = http.Header{}
			}
			out[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
		}
	}
	return out
}

// messagesChunkWriter re-encodes a translated attempt's chat chunks as
// Messages events into the surface's writer.
type messagesChunkWriter struct {
	w   NativeWriter
	enc *messages.Encoder
	evs []messages.Event
}

var _ StreamWriter = (*messagesChunkWriter)(nil)

func (t *messagesChunkWriter) Commit(res *Result) error { return t.w.Commit(res) }
func (t *messagesChunkWriter) Flush() error             { return t.w.Flush() }
func (t *messagesChunkWriter) Fail(err *Error)          { t.w.Fail(err) }

func (t *messagesChunkWriter) Chunk(c *chat.Chunk, more bool) error {
	t.evs = t.enc.Chunk(t.evs[:0], c)
	return t.send(more)
}

func (t *messagesChunkWriter) Done() {
	t.evs = t.enc.End(t.evs[:0])
	if t.send(false) == nil {
		t.w.Done()
	}
}

// send writes the pending events; all but the last go out with more, so
// one chunk's events are one flush.
func (t *messagesChunkWriter) send(more bool) error {
	if len(t.evs) == 0 {
		if !more {
			return t.w.Flush()
		}
		return nil
	}
	for i, ev := range t.evs {
		if err := t.w.Event(provider.Event{Type: ev.Type, Data: ev.Data}, more || i < len(t.evs)-1); err != nil {
			return err
		}
	}
	return nil
}

// messagesCodec reads Anthropic's stream events for relayNative.
type messagesCodec struct{}

// streamEvent is what the codec reads of an event's data.
type messagesEvent struct {
	Message *struct {
		Model string         `json:"model"`
		Usage messages.Usage `json:"usage"`
	} `json:"message"`
	ContentBlock *struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content_block"`
	Delta *struct {
		Type        string `json:"type"`
		Text        string `json:"text"`
		PartialJSON string `json:"partial_json"`
		Thinking    string `json:"thinking"`
		Signature   string `json:"signature"`
		StopReason  string `json:"stop_reason"`
	} `json:"delta"`
	Usage *struct {
		InputTokens              *int `json:"input_tokens"`
		OutputTokens             *int `json:"output_tokens"`
		CacheCreationInputTokens *int `json:"cache_creation_input_tokens"`
		CacheReadInputTokens     *int `json:"cache_read_input_tokens"`
	} `json:"usage"`
}

// Content: a block's first delta (text, tool input, thinking), a block
// that is content when it starts (tool_use, redacted_thinking), or the
// message's stop (message_delta). message_start, ping and empty text
// starts are not: they are held until content, so an attempt that fails
// before any falls back unseen.
func (messagesCodec) Content(ev provider.Event) bool {
	switch ev.Type {
	case "content_block_delta", "message_delta", "message_stop":
		return true
	case "content_block_start":
		var d messagesEvent
		if json.Unmarshal(ev.Data, &d) != nil || d.ContentBlock == nil {
			return false
		}
		switch d.ContentBlock.Type {
		case "text":
			return d.ContentBlock.Text != ""
		case "thinking":
			return false
		}
		return true
	}
	return false
}

// Facts reads the model and input counts from message_start, and the
// (cumulative) output count and stop reason from message_delta.
func (messagesCodec) Facts(ev provider.Event, f *StreamFacts) {
	if ev.Type != "message_start" && ev.Type != "message_delta" {
		return
	}
	var d messagesEvent
	if json.Unmarshal(ev.Data, &d) != nil {
		return
	}
	if m := d.Message; m != nil {
		if m.Model != "" {
			f.Model = m.Model
		}
		f.Usage = m.Usage.ToChatUsage()
	}
	if d.Delta != nil && d.Delta.StopReason != "" {
		f.Finish = append(f.Finish, d.Delta.StopReason)
	}
	if u := d.Usage; u != nil {
		// Counts are cumulative: output replaces; input counts replace
		// when the event carries them (a zero is "not repeated here").
		cur := messages.UsageFromChat(f.Usage)
		if u.OutputTokens != nil {
			cur.OutputTokens = *u.OutputTokens
		}
		for _, p := range [...]struct {
			src *int
			dst *int
		}{{u.InputTokens, &cur.InputTokens}, {u.CacheCreationInputTokens, &cur.CacheCreationInputTokens},
			{u.CacheReadInputTokens, &cur.CacheReadInputTokens}} {
			if p.src != nil && *p.src > 0 {
				*p.dst = *p.src
			}
		}
		f.Usage = cur.ToChatUsage()
		f.Final = ev.Type == "message_delta"
	}
}

// errTap keeps the error that ended a native stream.
type errTap struct {
	provider.EventStream
	err *error
}

func (t *errTap) Err() error {
	err := t.EventStream.Err()
	*t.err = err
	return err
}

// RequestID is the upstream's, when its stream has one.
func (t *errTap) RequestID() string {
	if r, ok := t.EventStream.(provider.RequestIDer); ok {
		return r.RequestID()
	}
	return ""
}

// typedFail gives the error event of a broken native stream the
// upstream's own Anthropic error type, when it sent one.
type typedFail struct {
	NativeWriter
	err *error
}

func (t *typedFail) Fail(e *Error) {
	var pe *provider.Error
	if errors.As(*t.err, &pe) && pe.Type != "" {
		cp := *e
		cp.Type = pe.Type
		e = &cp
	}
	t.NativeWriter.Fail(e)
}
