package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/trace"
)

// readEmbed reads and checks an embeddings request body: the same body
// limit as chat; input shape, dimensions and encoding_format checked here
// so that no upstream is called for a request OpenAI would refuse.
func (s *Server) readEmbed(r *http.Request, eng *engine.Engine) (*provider.EmbedRequest, *engine.Error) {
	body, berr := readBody(r, s.bodyLimit(eng))
	if berr != nil {
		return nil, berr
	}
	var req provider.EmbedRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, errf(http.StatusBadRequest, engine.TypeInvalidRequest, "invalid_json", "the request body is not an embeddings request: "+err.Error())
	}
	if _, err := req.Inputs(); err != nil {
		e := errf(http.StatusBadRequest, engine.TypeInvalidRequest, "invalid_input", err.Error())
		e.Param = "input"
		return nil, e
	}
	if req.Dimensions != nil && *req.Dimensions <= 0 {
		e := errf(http.StatusBadRequest, engine.TypeInvalidRequest, "invalid_dimensions", "dimensions must be a positive integer")
		e.Param = "dimensions"
		return nil, e
	}
	switch req.EncodingFormat {
	case "", "float", "base64":
	default:
		e := errf(http.StatusBadRequest, engine.TypeInvalidRequest, "invalid_encoding_format", "encoding_format must be float or base64")
		e.Param = "encoding_format"
		return nil, e
	}
	return &req, nil
}

// embeddings serves POST /v1/embeddings: auth, headers and errors as chat.
func (s *Server) embeddings(w http.ResponseWriter, r *http.Request) {
	start := s.opts.Now()
	eng := s.src.Engine()
	id, ok := s.auth(w, r, eng)
	if !ok {
		return
	}
	rid := requestID(r)
	w.Header().Set("x-request-id", rid)
	req, perr := s.readEmbed(r, eng)
	if perr != nil {
		writeError(w, perr)
		s.logRequest(r, rid, nil, perr.Status, start, perr)
		return
	}
	traceID := trace.NewTraceID(start)
	ctx := trace.WithTraceID(r.Context(), traceID)
	er := &engine.Request{Embed: req, ID: rid, Key: id.key, Headers: r.Header, Caller: s.caller(r, eng), TraceID: traceID}
	res, err := eng.Embed(ctx, er)
	if err != nil {
		setRoutingHeaders(w.Header(), res, err.Attempts)
		writeError(w, err)
		s.logRequest(r, rid, res, err.Status, start, err)
		return
	}
	h := w.Header()
	setRoutingHeaders(h, res, res.Attempts)
	h.Set("x-switchyard-cost-usd", formatUSD(res.CostUSD))
	h.Set("Content-Type", "application/json")
	body, _ := json.Marshal(res.Embedding)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	s.logRequest(r, rid, res, http.StatusOK, start, nil)
}
