package httpapi

import (
	"net/http"

	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/responses"
	"github.com/switchyard-llm/switchyard/internal/trace"
)

// explainOperation serves POST /v1/routing/explain?operation=<op> for a
// body of another API than chat: the plan the gateway would make for it.
// The operation is named rather than guessed from the body: an
// embeddings body and a Responses body both carry model and input.
func (s *Server) explainOperation(w http.ResponseWriter, r *http.Request, eng *engine.Engine, id identity, op string) {
	er := &engine.Request{ID: requestID(r), Key: id.key, Headers: r.Header, Caller: s.caller(r, eng),
		TraceID: trace.TraceIDFrom(r.Context())}
	var (
		plan *engine.Plan
		perr *engine.Error
	)
	switch op {
	case engine.OpEmbeddings:
		if er.Embed, perr = s.readEmbed(r, eng); perr == nil {
			plan, perr = eng.ExplainEmbed(r.Context(), er)
		}
	case engine.OpMessages:
		// An Anthropic Messages body, planned from its chat form as
		// POST /v1/messages plans it.
		if perr = readMessagesInto(s, r, eng, er); perr == nil {
			plan, perr = eng.Explain(r.Context(), er)
		}
	case engine.OpResponses:
		// A Responses body, planned from its chat form as
		// POST /v1/responses plans it.
		var in *responses.Request
		if in, perr = s.readResponses(r, eng); perr == nil {
			if er.Chat, perr = responsesChat(in); perr == nil {
				er.Operation = engine.OpResponses
				plan, perr = eng.Explain(r.Context(), er)
			}
		}
	default:
		perr = errf(http.StatusBadRequest, engine.TypeInvalidRequest, "invalid_operation",
			"operation must be chat, embeddings, messages or responses (the body is read as that API's request)")
		perr.Param = "operation"
	}
	if perr != nil {
		writeError(w, perr)
		return
	}
	writeJSON(w, http.StatusOK, plan)
}
