package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/responses"
	"github.com/switchyard-llm/switchyard/internal/sse"
)

// responsesSink hands the engine the writers of a streamed Responses
// request: a fresh encoder per translated attempt, or the relay of a
// native one.
type responsesSink struct {
	w      http.ResponseWriter
	rc     *http.ResponseController
	in     *responses.Request
	now    func() time.Time
	failed error // the failure after commit, for the log line
}

var _ engine.ResponsesWriter = (*responsesSink)(nil)

func (s *responsesSink) emit(typ string, data []byte) error { return sse.WriteEvent(s.w, typ, data) }

func (s *responsesSink) Translating() engine.StreamWriter {
	return &encodingWriter{sink: s, enc: responses.NewEncoder(s.in, s.emit)}
}

func (s *responsesSink) Native() engine.NativeWriter { return &relayWriter{sink: s} }

// encodingWriter writes a translated attempt's chat chunks as Responses
// events.
type encodingWriter struct {
	sink *responsesSink
	enc  *responses.Encoder
}

func (e *encodingWriter) Commit(res *engine.Result) error {
	commitSSE(e.sink.w, res)
	return e.enc.Begin(responses.NewID("resp"), e.sink.in.Model, e.sink.now().Unix())
}

func (e *encodingWriter) Chunk(c *chat.Chunk, more bool) error {
	if err := e.enc.Chunk(c); err != nil {
		return err
	}
	if more {
		return nil
	}
	return e.sink.rc.Flush()
}

func (e *encodingWriter) Flush() error { return e.sink.rc.Flush() }

func (e *encodingWriter) Fail(err *engine.Error) {
	e.sink.failed = err
	_ = e.enc.Fail(err.Code, err.Message)
	_ = e.sink.rc.Flush()
}

func (e *encodingWriter) Done() {
	_ = e.enc.End()
	_ = e.sink.rc.Flush()
}

// relayWriter relays a native attempt's events as received. It counts
// them (OpenAI numbers events from 0, one by one) and keeps the response
// that response.created announced, so that a failure after commit ends
// the stream as OpenAI would: an error event, then response.failed, each
// numbered after the last event relayed.
type relayWriter struct {
	sink    *responsesSink
	seq     int
	created json.RawMessage // response.created's response
}

func (r *relayWriter) Commit(res *engine.Result) error {
	commitSSE(r.sink.w, res)
	return nil
}

func (r *relayWriter) Event(ev provider.Event, more bool) error {
	r.seq++
	if ev.Type == "response.created" {
		var c struct {
			Response json.RawMessage `json:"response"`
		}
		if json.Unmarshal(ev.Data, &c) == nil {
			r.created = c.Response
		}
	}
	if err := sse.WriteEvent(r.sink.w, ev.Type, ev.Data); err != nil {
		return err
	}
	if more {
		return nil
	}
	return r.sink.rc.Flush()
}

func (r *relayWriter) Flush() error { return r.sink.rc.Flush() }

func (r *relayWriter) Fail(err *engine.Error) {
	r.sink.failed = err
	null := json.RawMessage("null")
	_ = sse.WriteEvent(r.sink.w, "error", mustJSON(map[string]any{"type": "error", "sequence_number": r.seq,
		"code": err.Code, "message": err.Message, "param": null}))
	resp := map[string]json.RawMessage{}
	_ = json.Unmarshal(r.created, &resp)
	resp["object"], resp["status"] = json.RawMessage(`"response"`), json.RawMessage(`"failed"`)
	resp["error"] = mustJSON(responses.ErrorInfo{Code: err.Code, Message: err.Message})
	_ = sse.WriteEvent(r.sink.w, "response.failed", mustJSON(map[string]any{"type": "response.failed",
		"sequence_number": r.seq + 1, "response": resp}))
	_ = r.sink.rc.Flush()
}

func (r *relayWriter) Done() { _ = r.sink.rc.Flush() }
