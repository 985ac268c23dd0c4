package httpapi

import (
	"errors"
	"net/http"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/engine"
)

// decodeChat decodes a chat request body. A body the caller got wrong is
// a 400 invalid_json (or chat.Decode's own code, as for a number out of
// range) whose message and param are chat.Decode's: that is the one place
// a decode error is put in the caller's terms.
func decodeChat(body []byte) (*chat.Request, *engine.Error) {
	req, err := chat.Decode(body)
	if err == nil {
		return req, nil
	}
	e := errf(http.StatusBadRequest, engine.TypeInvalidRequest, "invalid_json", "the request body is not a chat completion request")
	var fe *chat.FieldError
	if errors.As(err, &fe) {
		e.Message, e.Param = fe.Msg, fe.Param
		if fe.Code != "" {
			e.Code = fe.Code
		}
	}
	return nil, e
}
