package bedrock

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// eventStream is the part of the SDK's ConverseStreamEventStream the
// stream reads.
type eventStream interface {
	Events() <-chan types.ConverseStreamOutput
	Close() error
	Err() error
}

// chunkMeta is what every chunk of one stream repeats.
type chunkMeta struct {
	requestID string // x-amzn-RequestId, for x-upstream-request-id
	id        string
	model     string
	created   int64
}

// stream turns ConverseStream events into OpenAI chunks, one event at a
// time as the caller asks (nothing is read ahead or buffered):
//
//	messageStart                  -> role chunk (delta.role "assistant", content "")
//	contentBlockStart (toolUse)   -> tool call start: index, id, type, name
//	contentBlockDelta (text)      -> content delta
//	contentBlockDelta (toolUse)   -> arguments delta at the same index
//	messageStop                   -> finish chunk (finish_reason)
//	metadata                      -> usage chunk with empty choices, if asked
//
// The tool call index is the call's ordinal among tool calls, not Bedrock's
// contentBlockIndex, which also counts text blocks.
type stream struct {
	ctx          context.Context
	events       eventStream
	meta         chunkMeta
	includeUsage bool

	cur      *chat.Chunk
	err      error
	done     bool
	sentRole bool
	sawStop  bool
	tools    map[int32]int // contentBlockIndex -> tool call ordinal

	// earlyUsage is a metadata event's usage that came before messageStop,
	// held so the usage chunk still comes last; usageSent makes it once.
	earlyUsage *chat.Usage
	usageSent  bool

	closeOnce sync.Once
}

var _ provider.Stream = (*stream)(nil)

func newStream(ctx context.Context, events eventStream, meta chunkMeta, includeUsage bool) *stream {
	return &stream{ctx: ctx, events: events, meta: meta, includeUsage: includeUsage, tools: map[int32]int{}}
}

// Next reads events until one yields a chunk, or the stream ends.
func (s *stream) Next() bool {
	if s.done {
		return false
	}
	for {
		select {
		case ev, ok := <-s.events.Events():
			if !ok {
				if c := s.heldUsage(); c != nil {
					s.cur = c
					return true
				}
				s.finish()
				return false
			}
			if c := s.convert(ev); c != nil {
				s.cur = c
				return true
			}
		case <-s.ctx.Done():
			s.fail(provider.NetworkError(s.ctx, s.ctx.Err()))
			return false
		}
	}
}

// Current is the chunk Next prepared.
func (s *stream) Current() *chat.Chunk { return s.cur }

// Err is why the stream ended: nil after messageStop and a clean end of
// the event stream.
func (s *stream) Err() error { return s.err }

// Close releases the connection. It is safe to call more than once and
// before the stream is drained.
func (s *stream) Close() error {
	s.closeOnce.Do(func() { _ = s.events.Close() })
	return nil
}

// finish records how the event stream ended. An exception event surfaces
// as the SDK's Err; a connection cut between or inside frames surfaces as a
// plain end of stream (the SDK's decoder treats an unexpected EOF as EOF),
// which is why a missing messageStop is itself the failure.
func (s *stream) finish() {
	if err := s.events.Err(); err != nil {
		s.fail(classify(s.ctx, err))
		return
	}
	if !s.sawStop {
		s.fail(&provider.Error{Class: provider.ClassNetwork, Message: "bedrock: stream ended before messageStop"})
		return
	}
	s.done = true
	s.Close()
}

func (s *stream) fail(err *provider.Error) {
	s.err, s.done = err, true
	s.Close()
}

// convert maps one event to a chunk, or nil for events a caller would not
// see (block stops, reasoning, metadata without include_usage). After
// messageStop only metadata counts: an OpenAI client must not see a
// finished choice go on.
func (s *stream) convert(ev types.ConverseStreamOutput) *chat.Chunk {
	if _, meta := ev.(*types.ConverseStreamOutputMemberMetadata); s.sawStop && !meta {
		return nil
	}
	switch e := ev.(type) {
	case *types.ConverseStreamOutputMemberMessageStart:
		if s.sentRole {
			return nil
		}
		return s.chunk(chat.Delta{Content: chat.Ptr("")}, nil)
	case *types.ConverseStreamOutputMemberContentBlockStart:
		tu, ok := e.Value.Start.(*types.ContentBlockStartMemberToolUse)
		if !ok {
			return nil
		}
		return s.chunk(chat.Delta{ToolCalls: []chat.ToolCallDelta{{
			Index:    s.toolOrdinal(e.Value.ContentBlockIndex),
			ID:       deref(tu.Value.ToolUseId),
			Type:     "function",
			Function: chat.FunctionCallDelta{Name: deref(tu.Value.Name)},
		}}}, nil)
	case *types.ConverseStreamOutputMemberContentBlockDelta:
		switch d := e.Value.Delta.(type) {
		case *types.ContentBlockDeltaMemberText:
			if d.Value == "" {
				return nil
			}
			return s.chunk(chat.Delta{Content: chat.Ptr(d.Value)}, nil)
		case *types.ContentBlockDeltaMemberToolUse:
			args := deref(d.Value.Input)
			if args == "" {
				return nil
			}
			return s.chunk(chat.Delta{ToolCalls: []chat.ToolCallDelta{{
				Index:    s.toolOrdinal(e.Value.ContentBlockIndex),
				Function: chat.FunctionCallDelta{Arguments: args},
			}}}, nil)
		}
	case *types.ConverseStreamOutputMemberMessageStop:
		s.sawStop = true
		return s.chunk(chat.Delta{}, chat.Ptr(finishReason(e.Value.StopReason)))
	case *types.ConverseStreamOutputMemberMetadata:
		u := usage(e.Value.Usage)
		if !s.includeUsage || s.usageSent || u == nil {
			return nil // a usage chunk without usage would be an empty chunk
		}
		if !s.sawStop {
			s.earlyUsage = u
			return nil
		}
		return s.usageChunk(u)
	}
	return nil
}

// heldUsage is the usage chunk of a metadata event that came before
// messageStop, due once the event stream ended cleanly after messageStop.
func (s *stream) heldUsage() *chat.Chunk {
	if s.earlyUsage == nil || s.usageSent || !s.sawStop || s.events.Err() != nil {
		return nil
	}
	return s.usageChunk(s.earlyUsage)
}

func (s *stream) usageChunk(u *chat.Usage) *chat.Chunk {
	s.usageSent = true
	c := s.base()
	c.Choices = []chat.ChunkChoice{} // OpenAI sends "choices": [] on the usage chunk
	c.Usage = u
	return c
}

// chunk builds a one-choice chunk; the first chunk of a stream always
// carries the assistant role, even if Bedrock skipped messageStart.
func (s *stream) chunk(d chat.Delta, finish *string) *chat.Chunk {
	if !s.sentRole {
		d.Role, s.sentRole = "assistant", true
	}
	c := s.base()
	c.Choices = []chat.ChunkChoice{{Index: 0, Delta: d, FinishReason: finish}}
	return c
}

func (s *stream) base() *chat.Chunk {
	return &chat.Chunk{ID: s.meta.id, Object: "chat.completion.chunk", Created: s.meta.created, Model: s.meta.model}
}

// toolOrdinal numbers tool calls in the order their blocks first appear.
func (s *stream) toolOrdinal(blockIndex *int32) int {
	idx := deref(blockIndex)
	if n, ok := s.tools[idx]; ok {
		return n
	}
	n := len(s.tools)
	s.tools[idx] = n
	return n
}

// RequestID is Bedrock's x-amzn-RequestId for this stream, relayed to the
// caller as x-upstream-request-id.
func (s *stream) RequestID() string { return s.meta.requestID }

var _ provider.RequestIDer = (*stream)(nil)
