package anthropic

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/switchyard-llm/switchyard/internal/messages"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/sse"
)

// The native Messages pass-through (provider.Messager): POST /v1/messages
// on the gateway sends the caller's body here as is, but for the model.

var _ provider.Messager = (*Client)(nil)

// maxNativeBody bounds a relayed answer held in memory (a Message is
// kilobytes; a misbehaving upstream must not make the gateway buffer
// gigabytes).
const maxNativeBody = 32 << 20

// NativeMessages: every model of Anthropic's own API takes Messages.
func (c *Client) NativeMessages(string) bool { return true }

// forwardCallerHeaders sets the caller's anthropic-version (over the
// default; a configured one, set after this, still wins) and
// anthropic-beta.
func forwardCallerHeaders(dst, caller http.Header, versionPinned bool) {
	if caller == nil {
		return
	}
	if v := caller.Get("Anthropic-Version"); v != "" && !versionPinned {
		dst.Set("Anthropic-Version", v)
	}
	if betas := caller.Values("anthropic-beta"); len(betas) > 0 {
		dst.Set("Anthropic-Beta", strings.Join(betas, ","))
	}
}

// native is postTo with the caller's headers. A configured anthropic-beta
// is joined with the caller's rather than replacing it: the operator may
// need a beta on every request, the caller one for this request.
func (c *Client) native(ctx context.Context, url string, body []byte, accept string, caller http.Header) (*http.Response, error) {
	if caller == nil || caller.Get("Anthropic-Beta") == "" {
		return c.postTo(ctx, url, body, accept, caller)
	}
	cc := *c
	cc.headers = make(map[string]string, len(c.headers))
	var betas []string
	for k, v := range c.headers {
		if strings.EqualFold(k, "anthropic-beta") {
			betas = append(betas, v)
			continue
		}
		cc.headers[k] = v
	}
	joined := caller.Clone()
	joined["Anthropic-Beta"] = append(betas, caller.Values("anthropic-beta")...)
	return cc.postTo(ctx, url, body, accept, joined)
}

// Messages sends a non-streamed Messages request with the caller's body.
func (c *Client) Messages(ctx context.Context, call *provider.NativeCall) (*provider.NativeResponse, error) {
	body, err := messages.ReplaceModel(call.Body, call.Model)
	if err != nil {
		return nil, &provider.Error{Class: provider.ClassInvalidRequest, Status: http.StatusBadRequest, Message: err.Error(), Err: err}
	}
	resp, err := c.native(ctx, c.endpoint, body, "application/json", call.Header)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxNativeBody+1))
	if err != nil {
		e := provider.NetworkError(ctx, err)
		e.RequestID = resp.Header.Get("Request-Id")
		return nil, e
	}
	if len(raw) > maxNativeBody {
		return nil, &provider.Error{Class: provider.ClassBadResponse, Status: resp.StatusCode, RequestID: resp.Header.Get("Request-Id"),
			Message: "anthropic: answer larger than 32 MiB"}
	}
	m, perr := decodeResponse(raw)
	if perr != nil {
		perr.Status, perr.RequestID = resp.StatusCode, resp.Header.Get("Request-Id")
		return nil, perr
	}
	u := messages.Usage(m.Usage).ToChatUsage()
	return &provider.NativeResponse{Body: raw, Usage: u, Model: m.Model, StopReason: m.StopReason,
		UpstreamRequestID: resp.Header.Get("Request-Id")}, nil
}

// MessagesStream opens a streamed Messages request; its events are relayed
// as received.
func (c *Client) MessagesStream(ctx context.Context, call *provider.NativeCall) (provider.EventStream, error) {
	body, err := messages.ReplaceModel(call.Body, call.Model)
	if err != nil {
		return nil, &provider.Error{Class: provider.ClassInvalidRequest, Status: http.StatusBadRequest, Message: err.Error(), Err: err}
	}
	resp, err := c.native(ctx, c.endpoint, body, "text/event-stream", call.Header)
	if err != nil {
		return nil, err
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "application/json" {
		resp.Body.Close()
		return nil, &provider.Error{Class: provider.ClassBadResponse, Status: resp.StatusCode, RequestID: resp.Header.Get("Request-Id"),
			Message: "anthropic: expected an event stream, got application/json"}
	}
	return &eventStream{ctx: ctx, body: resp.Body, dec: sse.NewDecoder(resp.Body), requestID: resp.Header.Get("Request-Id")}, nil
}

// CountTokens counts a Messages request's input tokens
// (POST /v1/messages/count_tokens).
func (c *Client) CountTokens(ctx context.Context, call *provider.NativeCall) (int, error) {
	body, err := messages.ReplaceModel(call.Body, call.Model)
	if err != nil {
		return 0, &provider.Error{Class: provider.ClassInvalidRequest, Status: http.StatusBadRequest, Message: err.Error(), Err: err}
	}
	resp, err := c.native(ctx, c.endpoint+"/count_tokens", body, "application/json", call.Header)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var out struct {
		InputTokens *int `json:"input_tokens"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxErrorBody)).Decode(&out); err != nil || out.InputTokens == nil {
		e := badResponse(fmt.Errorf("anthropic: count_tokens answer has no input_tokens"))
		e.RequestID = resp.Header.Get("Request-Id")
		return 0, e
	}
	return *out.InputTokens, nil
}

// eventStream relays a Messages event stream. It ends cleanly after
// message_stop; an error event, or an end without message_stop, is Err.
type eventStream struct {
	ctx       context.Context
	body      io.ReadCloser
	dec       *sse.Decoder
	requestID string
	cur       provider.Event
	err       error
	done      bool
	closeOnce sync.Once
}

var (
	_ provider.EventStream = (*eventStream)(nil)
	_ provider.RequestIDer = (*eventStream)(nil)
)

func (s *eventStream) Next() bool {
	if s.done {
		return false
	}
	if !s.dec.Next() {
		s.done = true
		s.err = endError(s.ctx, s.dec, s.requestID)
		return false
	}
	ev := s.dec.Current()
	typ := ev.Type
	if typ == "" {
		var head struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(ev.Data, &head)
		typ = head.Type
	}
	if typ == "error" {
		s.done = true
		s.err = errorFromEvent(ev.Data, s.requestID)
		return false
	}
	s.cur = provider.Event{Type: typ, Data: ev.Data}
	if typ == "message_stop" {
		// The last event: handed out, and the stream ends after it
		// without waiting for the upstream to close.
		s.done = true
	}
	return true
}

func (s *eventStream) Event() provider.Event { return s.cur }
func (s *eventStream) Err() error            { return s.err }
func (s *eventStream) RequestID() string     { return s.requestID }

func (s *eventStream) Close() error {
	var err error
	s.closeOnce.Do(func() { err = s.body.Close() })
	return err
}
