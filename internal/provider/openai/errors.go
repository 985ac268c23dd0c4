package openai

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/switchyard-llm/switchyard/internal/provider"
)

// errorBody is OpenAI's error envelope.
type errorBody struct {
	Error struct {
		Message string          `json:"message"`
		Type    string          `json:"type"`
		Param   *string         `json:"param"`
		Code    json.RawMessage `json:"code"`
	} `json:"error"`
}

// errorFromResponse classifies a non-2xx upstream answer.
func errorFromResponse(resp *http.Response) *provider.Error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := &provider.Error{
		Class:      provider.ClassForStatus(resp.StatusCode),
		Status:     resp.StatusCode,
		RetryAfter: provider.ParseRetryAfter(resp.Header, time.Now()),
		RequestID:  resp.Header.Get("X-Request-Id"),
	}
	var body errorBody
	if json.Unmarshal(raw, &body) == nil && body.Error.Message != "" {
		e.Message = body.Error.Message
		e.Type = body.Error.Type
		if body.Error.Param != nil {
			e.Param = *body.Error.Param
		}
		var code string
		if json.Unmarshal(body.Error.Code, &code) == nil {
			e.Code = code
		}
	} else {
		e.Message = http.StatusText(resp.StatusCode)
	}
	refine(e)
	return e
}

// refine adjusts the class from the error code where the status alone
// misleads.
func refine(e *provider.Error) {
	switch {
	case e.Code == "context_length_exceeded" || strings.Contains(e.Message, "maximum context length"):
		e.Class = provider.ClassContextLength
	case e.Code == "insufficient_quota":
		// Our account is out of credit: like a bad credential, another
		// target may serve, and retrying this one will not help.
		e.Class = provider.ClassAuth
	}
}
