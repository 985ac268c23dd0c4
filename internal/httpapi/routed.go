package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/trace"
)

// routed is a request past the steps every routed surface (chat,
// embeddings) takes before the engine: its key checked, its request id
// set, its body read into er, its trace id on ctx.
type routed struct {
	start time.Time
	eng   *engine.Engine
	ctx   context.Context
	er    *engine.Request
}

// bodyReader decodes a surface's body into er (er.Chat, er.Embed...). A
// plain function, not a closure, so that the hot path allocates nothing
// for it.
type bodyReader func(s *Server, r *http.Request, eng *engine.Engine, er *engine.Request) *engine.Error

// beginRouted takes those steps. false: the refusal (401, 400, 413...)
// has been written and logged.
func (s *Server) beginRouted(w http.ResponseWriter, r *http.Request, read bodyReader) (routed, bool) {
	rt := routed{start: s.opts.Now(), eng: s.src.Engine()}
	id, ok := s.auth(w, r, rt.eng)
	if !ok {
		return rt, false
	}
	rid := requestID(r)
	w.Header().Set("X-Request-Id", rid)
	rt.er = &engine.Request{ID: rid, Key: id.key, Headers: r.Header}
	if perr := read(s, r, rt.eng, rt.er); perr != nil {
		writeError(w, perr)
		s.logRequest(r, rid, nil, perr.Status, rt.start, perr)
		return rt, false
	}
	rt.er.Caller = s.caller(r, rt.eng)
	// The request's id: one its deployment gave it (under Lambda without a
	// tracer, the invocation's X-Ray trace), else a new one. A tracer's
	// span may still replace it with the trace it records.
	if rt.er.TraceID = trace.TraceIDFrom(r.Context()); rt.er.TraceID == "" {
		rt.er.TraceID = trace.NewTraceID(rt.start)
	}
	rt.ctx = trace.WithTraceID(r.Context(), rt.er.TraceID)
	return rt, true
}

// fail answers a routed request the engine refused, with the routing
// headers of the attempts it made, and logs it.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, rt routed, res *engine.Result, err *engine.Error) {
	setRoutingHeaders(w.Header(), res, err.Attempts)
	writeError(w, err)
	s.logRequest(r, rt.er.ID, res, err.Status, rt.start, err)
}

// answer writes a routed JSON answer: the routing headers, its cost, body
// (json.Marshal of v when body is nil), and the request log line.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, rt routed, res *engine.Result, body []byte, v any) {
	h := w.Header()
	setRoutingHeaders(h, res, res.Attempts)
	h.Set("X-Switchyard-Cost-Usd", formatUSD(res.CostUSD))
	h.Set("Content-Type", "application/json")
	if body == nil {
		body, _ = json.Marshal(v)
	}
	// The answer goes out before the log line is built and written (a
	// write to stderr): the caller does not wait for the gateway's own
	// bookkeeping. With its length set, the flush sends it whole, as
	// net/http would have at the handler's return.
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	_ = http.NewResponseController(w).Flush()
	s.logRequest(r, rt.er.ID, res, http.StatusOK, rt.start, nil)
}
