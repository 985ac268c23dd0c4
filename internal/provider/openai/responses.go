package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/responses"
	"github.com/switchyard-llm/switchyard/internal/sse"
)

var _ provider.Responder = (*Client)(nil)

// NativeResponses reports whether this provider serves the Responses API:
// type openai does; type openai-compatible does not (most servers that
// speak chat completions have no /responses), so those are translated.
func (c *Client) NativeResponses(string) bool { return c.native }

// responsesBody is the caller's body for the upstream: model replaced,
// stream set as the call has it, the gateway's own fields (router, extra)
// removed, and "store": false. The gateway is stateless (it refuses
// previous_response_id, and could not serve a stored response back), and
// OpenAI stores responses by default: left alone, every caller's
// conversations would be kept on the operator's account for 30 days.
// Other fields go as received.
func responsesBody(call *provider.NativeCall) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(call.Body, &m); err != nil {
		return nil, err
	}
	model, _ := json.Marshal(call.Model)
	m["model"] = model
	if call.Stream {
		m["stream"] = json.RawMessage("true")
	} else {
		delete(m, "stream")
	}
	for _, k := range gatewayOnly {
		delete(m, k)
	}
	m["store"] = json.RawMessage("false")
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // the caller's "<b>" goes upstream as sent
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func (c *Client) postResponses(ctx context.Context, call *provider.NativeCall) (*http.Response, error) {
	body, err := responsesBody(call)
	if err != nil {
		return nil, &provider.Error{Class: provider.ClassInvalidRequest, Status: 400, Message: "encode request: " + err.Error()}
	}
	return c.post(ctx, "/responses", body, call.RequestID, call.Stream)
}

// Responses sends POST {base}/responses and relays the answer as received.
// A 200 whose response has status failed is a server error, so the next
// target is tried.
func (c *Client) Responses(ctx context.Context, call *provider.NativeCall) (*provider.NativeResponse, error) {
	resp, err := c.postResponses(ctx, call)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, rid, err := readAnswer(ctx, resp)
	if err != nil {
		return nil, err
	}
	var head struct {
		Object string               `json:"object"`
		Status string               `json:"status"`
		Model  string               `json:"model"`
		Output json.RawMessage      `json:"output"`
		Usage  *responses.Usage     `json:"usage"`
		Error  *responses.ErrorInfo `json:"error"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.Object != "response" {
		return nil, &provider.Error{Class: provider.ClassBadResponse, Status: resp.StatusCode,
			Message: "upstream returned something other than a response object", RequestID: rid}
	}
	if head.Status == "failed" {
		e := &provider.Error{Class: provider.ClassServer, Status: http.StatusBadGateway, Message: "upstream response failed", RequestID: rid}
		if head.Error != nil {
			e.Code, e.Message = head.Error.Code, head.Error.Message
		}
		return nil, e
	}
	return &provider.NativeResponse{Body: raw, Usage: head.Usage.ChatUsage(), Model: head.Model,
		StopReason: head.Status, UpstreamRequestID: rid}, nil
}

// ResponsesStream opens a streamed Responses request.
func (c *Client) ResponsesStream(ctx context.Context, call *provider.NativeCall) (provider.EventStream, error) {
	resp, err := c.postResponses(ctx, call)
	if err != nil {
		return nil, err
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "text/event-stream") {
		resp.Body.Close()
		return nil, &provider.Error{Class: provider.ClassBadResponse, Status: resp.StatusCode,
			Message: "upstream answered a stream request with " + ct}
	}
	return &eventStream{ctx: ctx, resp: resp, dec: sse.NewDecoder(resp.Body), requestID: resp.Header.Get("X-Request-Id")}, nil
}

// eventStream relays a Responses event stream. An error event or
// response.failed ends it with an Err (a *provider.Error); so does an end
// before a terminal event (response.completed, response.incomplete),
// which is a cut.
type eventStream struct {
	ctx       context.Context
	resp      *http.Response
	dec       *sse.Decoder
	cur       provider.Event
	err       error
	done      bool
	requestID string
	closeOnce sync.Once
}

var (
	_ provider.EventStream = (*eventStream)(nil)
	_ provider.RequestIDer = (*eventStream)(nil)
)

// Next reads the next event. As for chat streams, the decoder's read
// buffer goes back to its pool when the stream ends, on the reading
// goroutine, never in Close.
func (s *eventStream) Next() bool {
	if s.next() {
		return true
	}
	s.dec.Release()
	return false
}

func (s *eventStream) next() bool {
	if s.done || s.err != nil {
		return false
	}
	for s.dec.Next() {
		ev := s.dec.Current()
		data := bytes.TrimSpace(ev.Data)
		if len(data) == 0 || bytes.Equal(data, sse.Done) {
			continue
		}
		typ := ev.Type
		if typ == "" {
			// The event name is optional in SSE; the data's type says it.
			var t struct {
				Type string `json:"type"`
			}
			if json.Unmarshal(data, &t) != nil {
				s.err = &provider.Error{Class: provider.ClassBadResponse, Message: "upstream sent a malformed Responses event"}
				return false
			}
			typ = t.Type
		}
		switch typ {
		case "error":
			s.err = eventError(data)
			return false
		case "response.failed":
			s.err = failedError(data)
			return false
		case "response.completed", "response.incomplete":
			s.done = true
		}
		s.cur = provider.Event{Type: typ, Data: ev.Data}
		return true
	}
	if err := s.dec.Err(); err != nil {
		s.err = provider.NetworkError(s.ctx, err)
		return false
	}
	s.done = true
	s.err = &provider.Error{Class: provider.ClassNetwork, Message: "upstream stream ended before the response completed"}
	return false
}

// Event is the current event; its Data is valid until the next Next.
func (s *eventStream) Event() provider.Event { return s.cur }
func (s *eventStream) Err() error {
	if s.err == nil {
		return nil
	}
	return s.err
}

// Buffered reports whether the next event has already arrived whole.
func (s *eventStream) Buffered() bool { return s.dec.Ready() }

// RequestID is the upstream's request id.
func (s *eventStream) RequestID() string { return s.requestID }

// Close ends the stream; safe from any goroutine, and more than once.
func (s *eventStream) Close() error {
	s.closeOnce.Do(func() { s.resp.Body.Close() })
	return nil
}

// eventError is an upstream "error" event ({code, message, param}).
func eventError(data []byte) *provider.Error {
	var ev struct {
		Code    *string `json:"code"`
		Message string  `json:"message"`
		Param   *string `json:"param"`
	}
	_ = json.Unmarshal(data, &ev)
	e := &provider.Error{Class: provider.ClassServer, Message: ev.Message}
	if ev.Code != nil {
		e.Code = *ev.Code
	}
	if ev.Param != nil {
		e.Param = *ev.Param
	}
	if e.Message == "" {
		e.Message = "upstream stream error"
	}
	if e.Code == "rate_limit_exceeded" {
		e.Class = provider.ClassRateLimit
	}
	return e
}

// failedError is a response.failed event: the response's error.
func failedError(data []byte) *provider.Error {
	var ev struct {
		Response struct {
			Error *responses.ErrorInfo `json:"error"`
		} `json:"response"`
	}
	_ = json.Unmarshal(data, &ev)
	e := &provider.Error{Class: provider.ClassServer, Message: "upstream response failed"}
	if er := ev.Response.Error; er != nil {
		e.Code, e.Message = er.Code, er.Message
		if e.Code == "rate_limit_exceeded" {
			e.Class = provider.ClassRateLimit
		}
	}
	return e
}
