package bedrock

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/switchyard-llm/switchyard/internal/provider"
)

// chunkStream is the part of the SDK's
// InvokeModelWithResponseStreamEventStream the stream reads.
type chunkStream interface {
	Events() <-chan types.ResponseStream
	Close() error
	Err() error
}

// invocationMetricsKey is the member Bedrock adds to a Claude stream's
// last event (message_stop): its own token counts and latencies.
const invocationMetricsKey = "amazon-bedrock-invocationMetrics"

// messagesStream relays a Claude InvokeModelWithResponseStream as
// Anthropic events: each chunk's bytes are one Anthropic event JSON whose
// "type" is the event's name. Nothing is read ahead or buffered.
//
// Bedrock's amazon-bedrock-invocationMetrics member is stripped from
// message_stop: the caller asked for Anthropic's API, and its stream
// should be the same whether Anthropic or Bedrock served it (a fallback
// between the two stays invisible); the metrics repeat the usage that
// message_start and message_delta already carry, and name the backend.
type messagesStream struct {
	ctx       context.Context
	events    chunkStream
	requestID string

	cur     provider.Event
	err     error
	done    bool
	sawStop bool

	closeOnce sync.Once
}

var (
	_ provider.EventStream = (*messagesStream)(nil)
	_ provider.RequestIDer = (*messagesStream)(nil)
)

func newMessagesStream(ctx context.Context, events chunkStream, requestID string) *messagesStream {
	return &messagesStream{ctx: ctx, events: events, requestID: requestID}
}

// Next reads the next chunk, or ends the stream.
func (s *messagesStream) Next() bool {
	if s.done {
		return false
	}
	for {
		select {
		case ev, ok := <-s.events.Events():
			if !ok {
				s.finish()
				return false
			}
			chunk, isChunk := ev.(*types.ResponseStreamMemberChunk)
			if !isChunk || len(chunk.Value.Bytes) == 0 {
				continue // a member this SDK version does not know
			}
			return s.accept(chunk.Value.Bytes)
		case <-s.ctx.Done():
			s.fail(provider.NetworkError(s.ctx, s.ctx.Err()))
			return false
		}
	}
}

// accept turns one chunk into the current event, or ends the stream on an
// unreadable chunk or an Anthropic error event.
func (s *messagesStream) accept(data []byte) bool {
	var head struct {
		Type  string `json:"type"`
		Error *struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(data, &head); err != nil || head.Type == "" {
		s.fail(&provider.Error{Class: provider.ClassBadResponse, Status: http.StatusOK, RequestID: s.requestID,
			Message: "bedrock: stream chunk is not an Anthropic event"})
		return false
	}
	switch head.Type {
	case "error":
		e := &provider.Error{Class: provider.ClassServer, Status: http.StatusInternalServerError, RequestID: s.requestID, Message: "bedrock: error event"}
		if head.Error != nil {
			e.Class, e.Status = anthropicErrorClass(head.Error.Type)
			e.Type, e.Message = head.Error.Type, head.Error.Message
		}
		s.fail(e)
		return false
	case "message_stop":
		s.sawStop = true
		data = stripMetrics(data)
	}
	s.cur = provider.Event{Type: head.Type, Data: data}
	return true
}

// anthropicErrorClass maps the error types Anthropic puts in a stream's
// error event onto a class and the status its API gives them.
func anthropicErrorClass(typ string) (provider.Class, int) {
	switch typ {
	case "rate_limit_error":
		return provider.ClassRateLimit, http.StatusTooManyRequests
	case "overloaded_error":
		return provider.ClassServer, 529
	case "invalid_request_error":
		return provider.ClassInvalidRequest, http.StatusBadRequest
	case "authentication_error", "permission_error":
		return provider.ClassAuth, http.StatusForbidden
	case "timeout_error":
		return provider.ClassTimeout, http.StatusGatewayTimeout
	}
	return provider.ClassServer, http.StatusInternalServerError
}

// stripMetrics removes Bedrock's invocation metrics from a message_stop
// event, keeping anything else it holds; an event without them is
// returned untouched.
func stripMetrics(data []byte) []byte {
	if !bytes.Contains(data, []byte(invocationMetricsKey)) {
		return data
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil {
		return data
	}
	delete(obj, invocationMetricsKey)
	out, err := json.Marshal(obj)
	if err != nil {
		return data
	}
	return out
}

// finish records how the event stream ended: an exception event is the
// SDK's Err; a cut connection reads as a plain end (the SDK's decoder
// treats an unexpected EOF as EOF), so a missing message_stop is itself
// the failure.
func (s *messagesStream) finish() {
	if err := s.events.Err(); err != nil {
		s.fail(classify(s.ctx, err))
		return
	}
	if !s.sawStop {
		s.fail(&provider.Error{Class: provider.ClassNetwork, RequestID: s.requestID, Message: "bedrock: stream ended before message_stop"})
		return
	}
	s.done = true
	s.Close()
}

func (s *messagesStream) fail(err *provider.Error) {
	if err.RequestID == "" {
		err.RequestID = s.requestID
	}
	s.err, s.done = err, true
	s.Close()
}

// Event is the event Next prepared; its Data is valid until the next Next.
func (s *messagesStream) Event() provider.Event { return s.cur }

// Err is why the stream ended: nil after message_stop and a clean end.
func (s *messagesStream) Err() error { return s.err }

// Close releases the connection; safe to call more than once.
func (s *messagesStream) Close() error {
	s.closeOnce.Do(func() { _ = s.events.Close() })
	return nil
}

// RequestID is Bedrock's x-amzn-RequestId for this stream.
func (s *messagesStream) RequestID() string { return s.requestID }
