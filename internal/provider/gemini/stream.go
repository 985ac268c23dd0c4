package gemini

import (
	"context"
	"encoding/json"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/sse"
)

// stream turns an alt=sse body (one GenerateContentResponse per event)
// into OpenAI chunks. It reads one event at a time, only when the caller
// asks for the next chunk, so chunks are forwarded as Gemini produces them.
type stream struct {
	ctx          context.Context
	body         io.ReadCloser
	dec          *sse.Decoder
	includeUsage bool

	// Chunk header fields, fixed by the first event.
	upstreamID string // Gemini's responseId, for x-upstream-request-id
	id         string
	model      string
	created    int64

	choices map[int]*choiceState
	usage   *chat.Usage // from the latest usageMetadata (Gemini sends running totals)

	queue []*chat.Chunk // chunks made from the last event, not yet returned
	cur   *chat.Chunk
	err   error
	done  bool

	closed    atomic.Bool // set by Close, which may run beside a blocked Next
	closeOnce sync.Once
	closeErr  error
}

// choiceState tracks one candidate across events.
type choiceState struct {
	started  bool // the role chunk was sent
	calls    int  // tool calls sent so far; numbers ids and delta indexes
	finished bool
}

var _ provider.Stream = (*stream)(nil)

func newStream(ctx context.Context, body io.ReadCloser, model string, includeUsage bool, now time.Time) *stream {
	return &stream{
		ctx:          ctx,
		body:         body,
		dec:          sse.NewDecoder(body),
		includeUsage: includeUsage,
		model:        model,
		created:      now.Unix(),
		choices:      map[int]*choiceState{},
	}
}

// Next advances to the next chunk. It returns false at the end of the
// stream or on an error (see Err).
func (s *stream) Next() bool {
	if s.closed.Load() {
		s.cur = nil
		return false
	}
	for len(s.queue) == 0 {
		if s.done {
			s.cur = nil
			return false
		}
		if !s.dec.Next() {
			s.end()
			continue
		}
		s.handle(s.dec.Current().Data)
	}
	s.cur, s.queue = s.queue[0], s.queue[1:]
	return true
}

// Current is the chunk Next just produced.
func (s *stream) Current() *chat.Chunk { return s.cur }

// Err is why the stream ended early: an error event from Gemini, a cut
// connection, an unreadable event. Nil after a complete stream.
func (s *stream) Err() error { return s.err }

// Close releases the connection and ends the stream: Next returns false
// from then on, even for events already buffered. Safe to call twice.
func (s *stream) Close() error {
	s.closed.Store(true)
	s.closeOnce.Do(func() { s.closeErr = s.body.Close() })
	return s.closeErr
}

// end runs once the body is exhausted. A stream without a finishReason was
// cut short (Gemini always ends a complete answer with one) and must not
// look like a complete answer.
func (s *stream) end() {
	s.done = true
	if s.closed.Load() {
		return // the caller hung up on purpose; the read error it caused is not a fault
	}
	if err := s.dec.Err(); err != nil {
		s.err = provider.NetworkError(s.ctx, err)
		return
	}
	if !s.complete() {
		s.err = &provider.Error{Class: provider.ClassNetwork, Message: "gemini: stream ended before a finishReason (connection cut)"}
		return
	}
	if s.includeUsage && s.usage != nil {
		c := s.chunk()
		c.Choices = []chat.ChunkChoice{} // OpenAI sends [] here, not null
		c.Usage = s.usage
		s.queue = append(s.queue, c)
	}
}

// complete reports whether every candidate seen has finished.
func (s *stream) complete() bool {
	if len(s.choices) == 0 {
		return false
	}
	for _, st := range s.choices {
		if !st.finished {
			return false
		}
	}
	return true
}

func (s *stream) fail(err error) {
	s.err, s.done, s.queue = err, true, nil
}

// handle converts one event into zero or more queued chunks.
func (s *stream) handle(data []byte) {
	var g generateResponse
	if err := json.Unmarshal(data, &g); err != nil {
		s.fail(&provider.Error{Class: provider.ClassBadResponse, Message: "gemini: cannot decode stream event", Err: err})
		return
	}
	if g.Error != nil {
		s.fail(fromAPIError(g.Error, 0))
		return
	}
	if s.id == "" {
		s.id = responseID(g.ResponseID)
		s.upstreamID = g.ResponseID
	}
	if g.ModelVersion != "" {
		s.model = g.ModelVersion
	}
	if u := convertUsage(g.UsageMetadata); u != nil {
		s.usage = u
	}
	if len(g.Candidates) == 0 && g.PromptFeedback != nil && g.PromptFeedback.BlockReason != "" {
		if st, ok := s.choices[0]; ok && st.finished {
			return
		}
		st := s.state(0)
		refusal := blockedRefusal(g.PromptFeedback)
		s.emit(0, chat.Delta{Refusal: &refusal}, nil)
		s.emit(0, chat.Delta{}, chat.Ptr("content_filter"))
		st.finished = true
		return
	}
	for _, c := range g.Candidates {
		if st, ok := s.choices[c.Index]; ok && st.finished {
			// Gemini says nothing after a candidate's finishReason; should
			// it, an OpenAI client must not see the choice go on.
			continue
		}
		st := s.state(c.Index)
		text, calls, err := candidateOutput(c.Content, st.calls)
		if err != nil {
			s.fail(err)
			return
		}
		var delta chat.Delta
		if text != "" {
			delta.Content = &text
		}
		for _, tc := range calls {
			// Gemini sends each call whole, so each delta is a complete call.
			delta.ToolCalls = append(delta.ToolCalls, chat.ToolCallDelta{
				Index: st.calls,
				ID:    tc.ID,
				Type:  "function",
				Function: chat.FunctionCallDelta{
					Name:      tc.Function.Name,
					Arguments: tc.Function.Arguments,
				},
			})
			st.calls++
		}
		if delta.Content != nil || len(delta.ToolCalls) > 0 {
			s.emit(c.Index, delta, nil)
			s.queue[len(s.queue)-1].Choices[0].Logprobs = convertLogprobs(c.LogprobsResult)
		}
		if c.FinishReason != "" && !st.finished {
			s.emit(c.Index, chat.Delta{}, chat.Ptr(finishReason(c.FinishReason, st.calls > 0)))
			st.finished = true
		}
	}
}

// state returns a candidate's state, queuing the role chunk OpenAI clients
// expect first when the candidate is new.
func (s *stream) state(index int) *choiceState {
	st, ok := s.choices[index]
	if !ok {
		st = &choiceState{}
		s.choices[index] = st
	}
	if !st.started {
		st.started = true
		s.emit(index, chat.Delta{Role: "assistant", Content: chat.Ptr("")}, nil)
	}
	return st
}

func (s *stream) emit(index int, d chat.Delta, finish *string) {
	c := s.chunk()
	c.Choices = []chat.ChunkChoice{{Index: index, Delta: d, FinishReason: finish}}
	s.queue = append(s.queue, c)
}

func (s *stream) chunk() *chat.Chunk {
	return &chat.Chunk{ID: s.id, Object: "chat.completion.chunk", Created: s.created, Model: s.model}
}

// RequestID is Gemini's responseId for this stream (known from the first
// event), relayed to the caller as x-upstream-request-id.
func (s *stream) RequestID() string { return s.upstreamID }

var _ provider.RequestIDer = (*stream)(nil)
