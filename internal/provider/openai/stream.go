package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/sse"
)

// stream reads an upstream chat.completion.chunk SSE stream.
type stream struct {
	ctx       context.Context
	resp      *http.Response
	dec       *sse.Decoder
	cur       chat.Chunk
	err       error
	done      bool
	finished  bool // a finish_reason was seen
	skim      bool // decode only what a raw relay reads (Skim)
	requestID string
	closeOnce sync.Once
}

func newStream(ctx context.Context, resp *http.Response, _ func() time.Time) *stream {
	return &stream{ctx: ctx, resp: resp, dec: sse.NewDecoder(resp.Body), requestID: resp.Header.Get("X-Request-Id")}
}

// Next reads the next chunk. When the stream ends (its [DONE], an error
// or the end of the body) the decoder's read buffer goes back to its pool,
// here on the reading goroutine: Close may run on another goroutine to
// abandon a stream blocked in Next, and must not touch the decoder. A
// stream abandoned before its end leaves its buffer to the collector.
func (s *stream) Next() bool {
	if s.next() {
		return true
	}
	s.dec.Release()
	return false
}

func (s *stream) next() bool {
	if s.done || s.err != nil {
		return false
	}
	for s.dec.Next() {
		data := s.dec.Current().Data
		if bytes.Equal(bytes.TrimSpace(data), sse.Done) {
			s.done = true
			return false
		}
		if len(bytes.TrimSpace(data)) == 0 {
			continue
		}
		if !decodeChunk(data, &s.cur, s.skim) {
			// Anything but a well-formed plain chunk (an error object,
			// malformed JSON, unusual spelling): one decode by encoding/json,
			// which also refuses what is not JSON.
			var ev struct {
				chat.Chunk
				Error json.RawMessage `json:"error"`
			}
			if err := json.Unmarshal(data, &ev); err != nil {
				s.err = &provider.Error{Class: provider.ClassBadResponse, Message: "upstream sent a malformed stream chunk: " + err.Error()}
				return false
			}
			if len(ev.Error) > 0 && string(ev.Error) != "null" {
				s.err = streamError(ev.Error)
				return false
			}
			s.cur = ev.Chunk
		}
		// Raw is relayed as received. It is the decoder's buffer, reused
		// from event to event: Current is only valid until the next Next.
		s.cur.Raw = data
		for _, c := range s.cur.Choices {
			if c.FinishReason != nil {
				s.finished = true
			}
		}
		return true
	}
	if err := s.dec.Err(); err != nil {
		s.err = provider.NetworkError(s.ctx, err)
		return false
	}
	// EOF without [DONE]. A stream whose answer finished (finish_reason
	// seen) is complete; only the marker is missing, so it ends cleanly.
	// Otherwise the answer was cut and the caller must be told.
	s.done = true
	if !s.finished {
		s.err = &provider.Error{Class: provider.ClassNetwork, Message: "upstream stream ended before the answer finished"}
	}
	return false
}

func streamError(raw json.RawMessage) *provider.Error {
	var body struct {
		Message string `json:"message"`
		Type    string `json:"type"`
		Code    any    `json:"code"`
	}
	_ = json.Unmarshal(raw, &body)
	e := &provider.Error{Class: provider.ClassServer, Message: body.Message, Type: body.Type}
	if code, ok := body.Code.(string); ok {
		e.Code = code
	}
	if body.Type == "rate_limit_error" || e.Code == "rate_limit_exceeded" {
		e.Class = provider.ClassRateLimit
	}
	if e.Message == "" {
		e.Message = "upstream stream error"
	}
	return e
}

func (s *stream) Current() *chat.Chunk { return &s.cur }

// Skim makes the events after it decode as skimChunk does: the gateway
// relays a committed chat stream's events as received (Raw), and reads of
// them only the model, the usage and the finish reasons.
func (s *stream) Skim() { s.skim = true }

func (s *stream) Err() error {
	if s.err == nil {
		return nil
	}
	return s.err
}

// Buffered reports whether the next event has already arrived whole, so
// the gateway can write it before flushing (one write per burst, not per
// event) without holding a chunk back while the rest of an event is on
// its way.
func (s *stream) Buffered() bool { return s.dec.Ready() }

// RequestID is the upstream's request id.
func (s *stream) RequestID() string { return s.requestID }

// Close ends the stream; safe from any goroutine, and more than once.
func (s *stream) Close() error {
	s.closeOnce.Do(func() { s.resp.Body.Close() })
	return nil
}

var (
	_ provider.RequestIDer = (*stream)(nil)
	_ provider.Skimmer     = (*stream)(nil)
)
