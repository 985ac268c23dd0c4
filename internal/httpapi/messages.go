package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/messages"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// POST /v1/messages and /v1/messages/count_tokens: Anthropic's Messages
// API, with chat's auth (x-api-key or bearer), routing, headers and
// explain, and errors in Anthropic's envelope.

// messagesPaths are the paths whose errors use Anthropic's envelope, the
// guard's refusals included.
var messagesPaths = map[string]bool{"/v1/messages": true, "/v1/messages/count_tokens": true}

// anthropicWriter marks a response whose errors writeError sends in
// Anthropic's envelope.
type anthropicWriter struct{ http.ResponseWriter }

func (a *anthropicWriter) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// forSurface is w, marked for Anthropic's error envelope on the Messages
// paths.
func forSurface(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	if _, ok := w.(*anthropicWriter); !ok && messagesPaths[r.URL.Path] {
		return &anthropicWriter{w}
	}
	return w
}

func (s *Server) messages(w http.ResponseWriter, r *http.Request) {
	w = forSurface(w, r)
	rt, ok := s.beginRouted(w, r, readMessagesInto)
	if !ok {
		return
	}
	if rt.er.Messages.Stream {
		sw := &messagesSSE{w: w, rc: http.NewResponseController(w)}
		res, err := rt.eng.MessagesStream(rt.ctx, rt.er, sw)
		if err != nil {
			s.fail(w, r, rt, res, err)
			return
		}
		s.logRequest(r, rt.er.ID, res, http.StatusOK, rt.start, sw.failed)
		return
	}
	res, body, err := rt.eng.Messages(rt.ctx, rt.er)
	if err != nil {
		s.fail(w, r, rt, res, err)
		return
	}
	s.answer(w, r, rt, res, body, nil)
}

func (s *Server) countTokens(w http.ResponseWriter, r *http.Request) {
	w = forSurface(w, r)
	rt, ok := s.beginRouted(w, r, readCountInto)
	if !ok {
		return
	}
	res, n, err := rt.eng.CountTokens(rt.ctx, rt.er)
	if err != nil {
		s.fail(w, r, rt, res, err)
		return
	}
	s.answer(w, r, rt, res, nil, map[string]int{"input_tokens": n})
}

func readMessagesInto(s *Server, r *http.Request, eng *engine.Engine, er *engine.Request) *engine.Error {
	return s.readMessages(r, eng, er, messages.Decode)
}

func readCountInto(s *Server, r *http.Request, eng *engine.Engine, er *engine.Request) *engine.Error {
	return s.readMessages(r, eng, er, messages.DecodeCount)
}

// readMessages reads a Messages body under the same body limit as chat
// and sets er.Messages and er.Chat (its translation, for routing).
func (s *Server) readMessages(r *http.Request, eng *engine.Engine, er *engine.Request, decode func([]byte) (*messages.Request, *messages.FieldError)) *engine.Error {
	body, berr := readBody(r, s.bodyLimit(eng))
	if berr != nil {
		return berr
	}
	req, fe := decode(body)
	if fe != nil {
		e := errf(http.StatusBadRequest, engine.TypeInvalidRequest, "invalid_request", fe.Error())
		e.Param = fe.Param
		return e
	}
	er.Messages = req
	_ = engine.MessagesChat(er)
	return nil
}

// anthropicError is Anthropic's error envelope, with the gateway's code,
// param and attempts in the error object.
type anthropicError struct {
	Type      string          `json:"type"` // "error"
	Error     anthropicFields `json:"error"`
	RequestID string          `json:"request_id,omitempty"`
}

type anthropicFields struct {
	Type     string           `json:"type"`
	Message  string           `json:"message"`
	Code     string           `json:"code,omitempty"`
	Param    string           `json:"param,omitempty"`
	Attempts []engine.Attempt `json:"attempts,omitempty"`
}

// anthropicOnly are Anthropic's error types the gateway's own errors never
// carry: an error of one of them is a native upstream's, kept as it was.
var anthropicOnly = map[string]bool{"overloaded_error": true, "api_error": true, "billing_error": true, "request_too_large": true}

// anthropicType maps an error to Anthropic's type and the status to send:
// the gateway's overload is 529 overloaded_error (which Anthropic's SDKs
// know to retry); the rest keep their status.
func anthropicType(e *engine.Error, status int) (string, int) {
	if e.Code == "overloaded" || status == 529 {
		return "overloaded_error", 529
	}
	switch status {
	case http.StatusUnauthorized:
		return "authentication_error", status
	case http.StatusPaymentRequired:
		return "billing_error", status
	case http.StatusForbidden:
		return "permission_error", status
	case http.StatusNotFound:
		return "not_found_error", status
	case http.StatusRequestEntityTooLarge:
		return "request_too_large", status
	case http.StatusTooManyRequests:
		return "rate_limit_error", status
	case http.StatusGatewayTimeout:
		return "timeout_error", status
	}
	if status >= 500 {
		return "api_error", status
	}
	return "invalid_request_error", status
}

// anthropicBody is e in Anthropic's envelope, and the status to send.
func anthropicBody(w http.ResponseWriter, e *engine.Error, status int) ([]byte, int) {
	typ, status := anthropicType(e, status)
	b, _ := json.Marshal(anthropicError{Type: "error", RequestID: w.Header().Get("X-Request-Id"),
		Error: anthropicFields{Type: typ, Message: e.Message, Code: e.Code, Param: e.Param, Attempts: e.Attempts}})
	return append(b, '\n'), status
}

// messagesSSE streams Messages events to the caller (engine.NativeWriter):
// a native upstream's as received, a translated one's as re-encoded.
type messagesSSE struct {
	w      http.ResponseWriter
	rc     *http.ResponseController
	failed error
	buf    []byte
}

var _ engine.NativeWriter = (*messagesSSE)(nil)

func (m *messagesSSE) Commit(res *engine.Result) error {
	commitSSE(m.w, res)
	return nil
}

func (m *messagesSSE) Event(ev provider.Event, more bool) error {
	m.buf = appendEvent(m.buf[:0], ev.Type, ev.Data)
	_, err := m.w.Write(m.buf)
	if cap(m.buf) > maxKeptEvent {
		m.buf = nil
	}
	if err != nil || more {
		return err
	}
	return m.rc.Flush()
}

func (m *messagesSSE) Flush() error { return m.rc.Flush() }

// Fail ends a committed stream with Anthropic's error event.
func (m *messagesSSE) Fail(e *engine.Error) {
	m.failed = e
	typ, _ := anthropicType(e, e.Status)
	if anthropicOnly[e.Type] {
		typ = e.Type // the native upstream's own (engine.MessagesStream)
	}
	ev := messages.ErrorEvent(typ, e.Message)
	_, _ = m.w.Write(appendEvent(nil, ev.Type, ev.Data))
	_ = m.rc.Flush()
}

// Done: message_stop has gone out; Messages streams have no terminator.
func (m *messagesSSE) Done() { _ = m.rc.Flush() }

// appendEvent appends one named event; data of several lines (which a
// relayed upstream may send) is one data line each.
func appendEvent(buf []byte, typ string, data []byte) []byte {
	if typ != "" {
		buf = append(buf, "event: "...)
		buf = append(buf, typ...)
		buf = append(buf, '\n')
	}
	for {
		line, rest, more := bytes.Cut(data, []byte("\n"))
		buf = append(buf, "data: "...)
		buf = append(buf, line...)
		buf = append(buf, '\n')
		if !more {
			break
		}
		data = rest
	}
	return append(buf, '\n')
}
