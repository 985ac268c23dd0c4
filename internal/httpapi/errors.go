package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/switchyard-llm/switchyard/internal/engine"
)

// errorBody is OpenAI's error envelope plus the attempts made.
type errorBody struct {
	Error errorFields `json:"error"`
}

type errorFields struct {
	Message  string           `json:"message"`
	Type     string           `json:"type"`
	Code     *string          `json:"code"` // null when there is none, as OpenAI sends it
	Param    *string          `json:"param"`
	Attempts []engine.Attempt `json:"attempts,omitempty"`
}

func fields(e *engine.Error) errorFields {
	f := errorFields{Message: e.Message, Type: e.Type, Attempts: e.Attempts}
	if e.Code != "" {
		c := e.Code
		f.Code = &c
	}
	if e.Param != "" {
		p := e.Param
		f.Param = &p
	}
	return f
}

// writeError sends e as OpenAI's error envelope with e's status.
func writeError(w http.ResponseWriter, e *engine.Error) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	setRateLimitHeaders(h, e.RateLimit)
	if e.NoRetry {
		// The OpenAI and Anthropic SDKs retry 429s unless told not to;
		// sending the same request again cannot succeed.
		h.Set("X-Should-Retry", "false")
	}
	// The last upstream's request id, as on a success; every attempt's
	// is in the body.
	for i := len(e.Attempts) - 1; i >= 0; i-- {
		if id := e.Attempts[i].UpstreamRequestID; id != "" {
			h.Set("X-Upstream-Request-Id", id)
			break
		}
	}
	status := e.Status
	if status == 499 {
		status = http.StatusBadRequest // nobody is listening; keep the status standard
	}
	if _, ok := w.(*anthropicWriter); ok {
		body, st := anthropicBody(w, e, status)
		w.WriteHeader(st)
		_, _ = w.Write(body)
		return
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(errorBody{Error: fields(e)})
}

func errf(status int, typ, code, msg string) *engine.Error {
	return &engine.Error{Status: status, Type: typ, Code: code, Message: msg}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
