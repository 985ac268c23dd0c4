package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/responses"
)

// readResponses reads and checks a Responses request body: the same body
// limit as chat, and responses.Decode's checks (input items, limits,
// stateful parameters refused), so that no upstream is called for a
// request that cannot be served.
func (s *Server) readResponses(r *http.Request, eng *engine.Engine) (*responses.Request, *engine.Error) {
	body, berr := readBody(r, s.bodyLimit(eng))
	if berr != nil {
		return nil, berr
	}
	return decodeResponses(body)
}

// decodeResponses decodes and checks a Responses request body.
func decodeResponses(body []byte) (*responses.Request, *engine.Error) {
	in, err := responses.Decode(body)
	if err != nil {
		e := errf(http.StatusBadRequest, engine.TypeInvalidRequest, "invalid_request", "the request body is not a Responses API request")
		var fe *chat.FieldError
		if errors.As(err, &fe) {
			e.Message, e.Param = fe.Msg, fe.Param
			if fe.Code != "" {
				e.Code = fe.Code
			}
		}
		return nil, e
	}
	return in, nil
}

// responses serves POST /v1/responses: auth, routing, headers and errors
// as chat; streamed as the Responses API's semantic events.
func (s *Server) responses(w http.ResponseWriter, r *http.Request) {
	var in *responses.Request
	// A closure, unlike the other surfaces' plain bodyReaders: the
	// Responses request has no field of its own in engine.Request, and
	// one allocation per request is nothing beside the translation.
	rt, ok := s.beginRouted(w, r, func(s *Server, r *http.Request, eng *engine.Engine, _ *engine.Request) *engine.Error {
		var perr *engine.Error
		in, perr = s.readResponses(r, eng)
		return perr
	})
	if !ok {
		return
	}
	if in.Stream {
		sink := &responsesSink{w: w, rc: http.NewResponseController(w), in: in, now: s.opts.Now}
		res, err := rt.eng.ResponsesStream(rt.ctx, rt.er, in, sink)
		if err != nil {
			s.fail(w, r, rt, res, err)
			return
		}
		s.logRequest(r, rt.er.ID, res, http.StatusOK, rt.start, sink.failed)
		return
	}
	res, body, err := rt.eng.Responses(rt.ctx, rt.er, in)
	if err != nil {
		s.fail(w, r, rt, res, err)
		return
	}
	s.answer(w, r, rt, res, body, nil)
}

// readExplain reads the body of POST /v1/routing/explain: a chat request,
// or a Responses request (an "input" and no "messages"), planned by its
// chat form as POST /v1/responses plans it.
func (s *Server) readExplain(r *http.Request, eng *engine.Engine) (*chat.Request, *engine.Error) {
	body, berr := readBody(r, s.bodyLimit(eng))
	if berr != nil {
		return nil, berr
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(body, &keys) == nil && keys["input"] != nil && keys["messages"] == nil {
		in, perr := decodeResponses(body)
		if perr != nil {
			return nil, perr
		}
		return responsesChat(in)
	}
	return checkChat(body)
}

// responsesChat is a Responses request's chat form, which explain plans.
// What only a native target can carry (built-in tools) does not change
// the plan; a request with no chat form at all is a 400.
func responsesChat(in *responses.Request) (*chat.Request, *engine.Error) {
	req, fe := in.ToChat()
	if req == nil {
		e := errf(http.StatusBadRequest, engine.TypeInvalidRequest, fe.Code, fe.Msg)
		e.Param = fe.Param
		return nil, e
	}
	return req, nil
}

// mustJSON is json.Marshal for values that always encode.
func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
