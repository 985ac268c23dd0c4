package anthropic

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/sse"
)

// streamEvent is the data of any Messages stream event; each event type
// fills the fields it has.
type streamEvent struct {
	Type         string           `json:"type"`
	Message      *messageResponse `json:"message"`       // message_start
	Index        int              `json:"index"`         // content_block_*
	ContentBlock *responseBlock   `json:"content_block"` // content_block_start
	Delta        struct {
		Type        string `json:"type"`         // content_block_delta: text_delta, input_json_delta, thinking_delta...
		Text        string `json:"text"`         // text_delta
		PartialJSON string `json:"partial_json"` // input_json_delta
		StopReason  string `json:"stop_reason"`  // message_delta
	} `json:"delta"`
	Usage *usage `json:"usage"` // message_delta (cumulative)
}

// stream turns a Messages event stream into OpenAI chunks. Each Next reads
// only as many events as it takes to produce one chunk, so chunks reach the
// caller as Anthropic sends them.
type stream struct {
	ctx       context.Context
	body      io.ReadCloser
	dec       *sse.Decoder
	requestID string

	id           string
	model        string
	created      int64
	includeUsage bool

	// toolIndex maps a content block index to its tool call's ordinal:
	// OpenAI numbers tool calls 0, 1, ... while Anthropic numbers all
	// blocks, text and thinking included.
	toolIndex  map[int]int
	sentRole   bool // the assistant role went out, on the first chunk
	stopReason string
	usage      usage

	pending []*chat.Chunk // chunks produced by one event, handed out in order
	cur     *chat.Chunk
	err     error
	done    bool // no more events will be read

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var _ provider.Stream = (*stream)(nil)

func newStream(ctx context.Context, resp *http.Response, model string, created int64, includeUsage bool) *stream {
	return &stream{
		ctx:          ctx,
		body:         resp.Body,
		dec:          sse.NewDecoder(resp.Body),
		requestID:    resp.Header.Get("Request-Id"),
		model:        model,
		created:      created,
		includeUsage: includeUsage,
		toolIndex:    map[int]int{},
	}
}

// Next advances to the next chunk. It returns false at message_stop, on an
// error event, or when the stream breaks; Err tells which.
func (s *stream) Next() bool {
	for {
		if len(s.pending) > 0 {
			s.cur, s.pending = s.pending[0], s.pending[1:]
			return true
		}
		s.cur = nil
		if s.done || s.closed.Load() {
			return false
		}
		if !s.dec.Next() {
			s.done = true
			if !s.closed.Load() {
				s.err = s.endError()
			}
			return false
		}
		if err := s.handle(s.dec.Current()); err != nil {
			s.done = true
			s.err = err
			return false
		}
	}
}

// endError explains a stream that ended without message_stop: a read error,
// the caller's context, or a connection closed early. Each is a failure,
// never a clean end, so a truncated answer is not mistaken for a whole one.
func (s *stream) endError() *provider.Error { return endError(s.ctx, s.dec, s.requestID) }

// endError is the failure of an event stream that ended without
// message_stop (the chat stream's and the native relay's alike).
func endError(ctx context.Context, dec *sse.Decoder, requestID string) *provider.Error {
	var e *provider.Error
	switch {
	case dec.Err() != nil:
		e = provider.NetworkError(ctx, dec.Err())
	case ctx.Err() != nil:
		e = provider.NetworkError(ctx, ctx.Err())
	default:
		e = &provider.Error{Class: provider.ClassNetwork, Message: "stream ended before message_stop"}
	}
	e.RequestID = requestID
	return e
}

// handle applies one event, queueing the chunks it produces.
func (s *stream) handle(ev sse.Event) error {
	var data streamEvent
	if err := json.Unmarshal(ev.Data, &data); err != nil {
		return &provider.Error{Class: provider.ClassBadResponse, RequestID: s.requestID, Err: err,
			Message: fmt.Sprintf("anthropic: decode %q event: %v", ev.Type, err)}
	}
	typ := ev.Type
	if typ == "" {
		typ = data.Type
	}
	switch typ {
	case "message_start":
		if m := data.Message; m != nil {
			s.id = m.ID
			if m.Model != "" {
				s.model = m.Model
			}
			s.usage = m.Usage
		}
		if !s.sentRole { // a repeated message_start must not restart the message
			s.emit(chat.Delta{Content: chat.Ptr("")}, nil)
		}
	case "content_block_start":
		s.blockStart(data.Index, data.ContentBlock)
	case "content_block_delta":
		s.blockDelta(data)
	case "message_delta":
		if data.Delta.StopReason != "" {
			s.stopReason = data.Delta.StopReason
		}
		if u := data.Usage; u != nil {
			s.addUsage(*u)
		}
	case "message_stop":
		s.finish()
	case "error":
		return errorFromEvent(ev.Data, s.requestID)
	default:
		// ping, content_block_stop, and event types Anthropic may add
		// later (its versioning policy says to ignore unknown ones).
	}
	return nil
}

func (s *stream) blockStart(index int, b *responseBlock) {
	if b == nil {
		return
	}
	switch b.Type {
	case "text":
		if b.Text != "" {
			s.emit(chat.Delta{Content: chat.Ptr(b.Text)}, nil)
		}
	case "tool_use":
		ordinal := len(s.toolIndex)
		s.toolIndex[index] = ordinal
		s.emit(chat.Delta{ToolCalls: []chat.ToolCallDelta{{
			Index: ordinal, ID: b.ID, Type: "function",
			Function: chat.FunctionCallDelta{Name: b.Name, Arguments: ""},
		}}}, nil)
	}
	// thinking, redacted_thinking and server tool blocks are not part of an
	// OpenAI message; their deltas are skipped too.
}

func (s *stream) blockDelta(ev streamEvent) {
	switch ev.Delta.Type {
	case "text_delta":
		if ev.Delta.Text != "" {
			s.emit(chat.Delta{Content: chat.Ptr(ev.Delta.Text)}, nil)
		}
	case "input_json_delta":
		ordinal, ok := s.toolIndex[ev.Index]
		if ok && ev.Delta.PartialJSON != "" {
			s.emit(chat.Delta{ToolCalls: []chat.ToolCallDelta{{
				Index: ordinal, Function: chat.FunctionCallDelta{Arguments: ev.Delta.PartialJSON},
			}}}, nil)
		}
	}
}

// addUsage takes message_delta's counts, which are cumulative: output
// replaces, and input counts replace when the event carries them.
func (s *stream) addUsage(u usage) {
	s.usage.OutputTokens = u.OutputTokens
	if u.InputTokens > 0 {
		s.usage.InputTokens = u.InputTokens
	}
	if u.CacheReadInputTokens > 0 {
		s.usage.CacheReadInputTokens = u.CacheReadInputTokens
	}
	if u.CacheCreationInputTokens > 0 {
		s.usage.CacheCreationInputTokens = u.CacheCreationInputTokens
	}
}

// finish queues the finish_reason chunk and, when the caller asked for
// stream_options.include_usage, OpenAI's final chunk with no choices and the
// usage.
func (s *stream) finish() {
	s.done = true
	s.emit(chat.Delta{}, chat.Ptr(finishReason(s.stopReason)))
	if s.includeUsage {
		c := s.chunk()
		c.Choices = []chat.ChunkChoice{}
		c.Usage = convertUsage(s.usage)
		s.pending = append(s.pending, c)
	}
}

// emit queues a one-choice chunk; the first chunk of a stream carries the
// assistant role even if the upstream skipped message_start.
func (s *stream) emit(d chat.Delta, finish *string) {
	if !s.sentRole {
		d.Role, s.sentRole = "assistant", true
	}
	c := s.chunk()
	c.Choices = []chat.ChunkChoice{{Index: 0, Delta: d, FinishReason: finish}}
	s.pending = append(s.pending, c)
}

func (s *stream) chunk() *chat.Chunk {
	return &chat.Chunk{ID: s.id, Object: "chat.completion.chunk", Created: s.created, Model: s.model}
}

// Current is the chunk Next just produced.
func (s *stream) Current() *chat.Chunk { return s.cur }

// Err is why the stream ended: nil after message_stop, else *provider.Error.
func (s *stream) Err() error { return s.err }

// Close releases the connection. It is safe to call more than once, and
// from another goroutine to abandon a stream blocked in Next.
func (s *stream) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.closeErr = s.body.Close()
	})
	return s.closeErr
}

// RequestID is Anthropic's request-id for this stream, relayed to the
// caller as x-upstream-request-id.
func (s *stream) RequestID() string { return s.requestID }

var _ provider.RequestIDer = (*stream)(nil)
