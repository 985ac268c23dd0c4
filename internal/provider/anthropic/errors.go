package anthropic

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/switchyard-llm/switchyard/internal/provider"
)

// maxErrorBody caps how much of an error body is read: errors are small, and
// a misbehaving proxy must not make us buffer a large page.
const maxErrorBody = 64 << 10

// errorBody is Anthropic's error envelope:
// {"type":"error","error":{"type":"...","message":"..."},"request_id":"req_..."}.
type errorBody struct {
	Type  string `json:"type"`
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
	RequestID string `json:"request_id"`
}

// statusForType is the HTTP status Anthropic documents for each error type.
// It gives an error event inside a 200 stream the status it would have had
// without streaming, so per-status policy overrides treat both alike.
var statusForType = map[string]int{
	"invalid_request_error": http.StatusBadRequest,
	"authentication_error":  http.StatusUnauthorized,
	"billing_error":         http.StatusPaymentRequired,
	"permission_error":      http.StatusForbidden,
	"not_found_error":       http.StatusNotFound,
	"request_too_large":     http.StatusRequestEntityTooLarge,
	"rate_limit_error":      http.StatusTooManyRequests,
	"api_error":             http.StatusInternalServerError,
	"timeout_error":         http.StatusGatewayTimeout,
	"overloaded_error":      529,
}

// errorFromResponse turns a non-2xx response into an *provider.Error. It
// reads (and the caller closes) the body.
func errorFromResponse(resp *http.Response, now time.Time) *provider.Error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var body errorBody
	_ = json.Unmarshal(raw, &body) // a body that is not the envelope still has a status
	e := &provider.Error{
		Status:     resp.StatusCode,
		Type:       body.Error.Type,
		Message:    body.Error.Message,
		RetryAfter: provider.ParseRetryAfter(resp.Header, now),
		RequestID:  resp.Header.Get("Request-Id"),
	}
	if e.RequestID == "" {
		e.RequestID = body.RequestID
	}
	if e.Message == "" {
		// Not Anthropic's envelope (a proxy's HTML page, an empty 529): the
		// status is all there is. http.StatusText knows no 529.
		e.Message = strings.TrimSpace(fmt.Sprintf("upstream returned status %d %s", resp.StatusCode, http.StatusText(resp.StatusCode)))
	}
	e.Message = "anthropic: " + e.Message
	e.Class = classify(resp.StatusCode, body.Error.Type, body.Error.Message)
	return e
}

// errorFromEvent turns a mid-stream error event's data into an
// *provider.Error with the status the error type stands for.
func errorFromEvent(data []byte, requestID string) *provider.Error {
	var body errorBody
	if err := json.Unmarshal(data, &body); err != nil || body.Error.Type == "" {
		return &provider.Error{Class: provider.ClassServer, Message: "anthropic: unreadable error event in stream", RequestID: requestID, Err: err}
	}
	status := statusForType[body.Error.Type]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if requestID == "" {
		requestID = body.RequestID
	}
	return &provider.Error{
		Class:     classify(status, body.Error.Type, body.Error.Message),
		Status:    status,
		Type:      body.Error.Type,
		Message:   "anthropic: " + body.Error.Message,
		RequestID: requestID,
	}
}

// classify starts from the status and refines it by the error type, which
// is more precise: a 400 can be a prompt that does not fit (another model
// may take it), a 529 is Anthropic being overloaded.
func classify(status int, typ, msg string) provider.Class {
	switch typ {
	case "overloaded_error", "api_error":
		return provider.ClassServer
	case "rate_limit_error":
		return provider.ClassRateLimit
	case "authentication_error", "permission_error", "billing_error":
		// billing: the account behind our key cannot pay; like a bad key,
		// the target is unusable until an operator acts.
		return provider.ClassAuth
	case "timeout_error":
		return provider.ClassTimeout
	case "not_found_error", "request_too_large":
		return provider.ClassInvalidRequest
	case "invalid_request_error":
		if isContextLength(msg) {
			return provider.ClassContextLength
		}
		return provider.ClassInvalidRequest
	}
	if status == 529 {
		return provider.ClassServer
	}
	return provider.ClassForStatus(status)
}

// contextLengthPhrases are how Anthropic words a prompt that does not fit:
// "prompt is too long: 208310 tokens > 200000 maximum" and
// "input length and `max_tokens` exceed context limit: ...".
var contextLengthPhrases = []string{"prompt is too long", "exceed context limit", "context window", "context length"}

func isContextLength(msg string) bool {
	m := strings.ToLower(msg)
	for _, p := range contextLengthPhrases {
		if strings.Contains(m, p) {
			return true
		}
	}
	return false
}
