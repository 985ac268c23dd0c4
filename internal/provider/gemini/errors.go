package gemini

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/switchyard-llm/switchyard/internal/provider"
)

// maxErrorBody caps how much of an error body is read: enough for any
// google.rpc.Status, and a broken proxy's HTML page cannot exhaust memory.
const maxErrorBody = 1 << 20

// invalid is a request the gateway cannot translate for Gemini; nothing is
// sent upstream. Its class is ClassUnsupported: the attempt loop tries the
// next target (another provider may serve it), and the caller gets this
// 400 only when it is the last outcome. Status is 400, so a router's
// on_status "400" override applies to it as to Gemini's own 400s.
func invalid(param, format string, args ...any) *provider.Error {
	return &provider.Error{
		Class:   provider.ClassUnsupported,
		Status:  http.StatusBadRequest,
		Type:    "invalid_request_error",
		Param:   param,
		Message: "gemini: " + param + ": " + fmt.Sprintf(format, args...),
	}
}

// errorFromResponse turns a non-2xx answer into a *provider.Error. The API
// key is scrubbed from the message in case a proxy echoes the request.
func errorFromResponse(resp *http.Response, apiKey string, now time.Time) *provider.Error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	ae := parseAPIError(body)
	var e *provider.Error
	if ae == nil {
		msg := strings.TrimSpace(string(body))
		if len(msg) > 512 {
			msg = msg[:512] + "..."
		}
		if msg == "" {
			msg = http.StatusText(resp.StatusCode)
		}
		e = &provider.Error{Class: provider.ClassForStatus(resp.StatusCode), Message: "gemini: " + msg}
	} else {
		e = fromAPIError(ae, resp.StatusCode)
	}
	e.Status = resp.StatusCode
	if ra := provider.ParseRetryAfter(resp.Header, now); ra > 0 {
		e.RetryAfter = ra // the header wins over RetryInfo: it is what a proxy in front of Gemini enforces
	}
	e.Message = scrub(e.Message, apiKey)
	return e
}

// parseAPIError reads {"error":{...}} or the [{"error":{...}}] array that
// Google front ends sometimes send; nil when the body is neither.
func parseAPIError(body []byte) *apiError {
	var one struct {
		Error *apiError `json:"error"`
	}
	if json.Unmarshal(body, &one) == nil && one.Error != nil {
		return one.Error
	}
	var many []struct {
		Error *apiError `json:"error"`
	}
	if json.Unmarshal(body, &many) == nil && len(many) > 0 && many[0].Error != nil {
		return many[0].Error
	}
	return nil
}

// fromAPIError classifies a google.rpc.Status. httpStatus is the response
// status, or 0 for an error event inside a stream (then the body's code
// stands in for it).
func fromAPIError(ae *apiError, httpStatus int) *provider.Error {
	if httpStatus == 0 {
		httpStatus = ae.Code
	}
	e := &provider.Error{
		Class:   classify(httpStatus, ae),
		Status:  httpStatus,
		Message: "gemini: " + ae.Message,
		Type:    ae.Status,
		Code:    errorReason(ae),
	}
	if e.Class == provider.ClassRateLimit {
		e.RetryAfter = retryDelay(ae)
	}
	return e
}

// classify maps Gemini's canonical status (more precise than the HTTP
// code) to the gateway's error class.
func classify(httpStatus int, ae *apiError) provider.Class {
	if strings.HasPrefix(errorReason(ae), "API_KEY_") {
		// An invalid or expired key comes back as 400 INVALID_ARGUMENT; it
		// is our credential that is wrong, not the caller's request.
		return provider.ClassAuth
	}
	switch ae.Status {
	case "RESOURCE_EXHAUSTED":
		return provider.ClassRateLimit
	case "DEADLINE_EXCEEDED":
		return provider.ClassTimeout
	case "UNAVAILABLE", "INTERNAL", "UNKNOWN", "ABORTED", "CANCELLED", "DATA_LOSS":
		return provider.ClassServer
	case "PERMISSION_DENIED", "UNAUTHENTICATED":
		return provider.ClassAuth
	case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "NOT_FOUND", "OUT_OF_RANGE":
		if isContextLength(ae.Message) {
			return provider.ClassContextLength
		}
		return provider.ClassInvalidRequest
	}
	if httpStatus == 0 {
		return provider.ClassServer
	}
	return provider.ClassForStatus(httpStatus)
}

// isContextLength recognises Gemini's "The input token count (1234567)
// exceeds the maximum number of tokens allowed (1048576)."
func isContextLength(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "input token count") && strings.Contains(m, "exceeds the maximum")
}

// errorReason is the google.rpc.ErrorInfo reason, if any.
func errorReason(ae *apiError) string {
	for _, d := range ae.Details {
		if strings.HasSuffix(d.Type, "google.rpc.ErrorInfo") && d.Reason != "" {
			return d.Reason
		}
	}
	return ""
}

// retryDelay reads google.rpc.RetryInfo's retryDelay ("30s", "1.5s").
func retryDelay(ae *apiError) time.Duration {
	for _, d := range ae.Details {
		if !strings.HasSuffix(d.Type, "google.rpc.RetryInfo") || d.RetryDelay == "" {
			continue
		}
		if v, err := time.ParseDuration(d.RetryDelay); err == nil && v > 0 {
			return v
		}
	}
	return 0
}

// scrub removes the API key from a message; a credential must never reach
// a caller or a log, whatever an upstream or proxy chose to echo.
func scrub(msg, apiKey string) string {
	if apiKey == "" {
		return msg
	}
	return strings.ReplaceAll(msg, apiKey, "[redacted]")
}
