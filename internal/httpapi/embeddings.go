package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/provider"
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
	rt, ok := s.beginRouted(w, r, readEmbedInto)
	if !ok {
		return
	}
	res, err := rt.eng.Embed(rt.ctx, rt.er)
	if err != nil {
		s.fail(w, r, rt, res, err)
		return
	}
	s.answer(w, r, rt, res, nil, res.Embedding)
}

func readEmbedInto(s *Server, r *http.Request, eng *engine.Engine, er *engine.Request) *engine.Error {
	req, perr := s.readEmbed(r, eng)
	er.Embed = req
	return perr
}
