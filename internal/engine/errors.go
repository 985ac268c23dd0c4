package engine

import (
	"errors"
	"reflect"
	"time"

	"github.com/switchyard-llm/switchyard/internal/provider"
)

// Attempt is one try of one target, as reported to callers in the error
// body and in traces.
type Attempt struct {
	Target string         `json:"target"`
	Status int            `json:"status"`
	Class  provider.Class `json:"class"`
	Ms     int64          `json:"ms"`
	// Retry is true when this attempt was a retry of the same target.
	Retry bool `json:"retry,omitempty"`
	// UpstreamRequestID is the provider's id for this attempt, when it
	// sent one: what its support desk asks for.
	UpstreamRequestID string `json:"upstream_request_id,omitempty"`
	Err               error  `json:"-"`
	// Start is when the attempt began and HeldMicros the worst-case cost
	// held against the budgets for it: for the trace record.
	Start      time.Time `json:"-"`
	HeldMicros int64     `json:"-"`
}

// Error is a request the gateway could not serve, with what the caller
// needs: an HTTP status, OpenAI's error fields and the attempts made.
type Error struct {
	Status   int
	Type     string
	Code     string
	Param    string
	Message  string
	Attempts []Attempt
	// RetryAfter is relayed to the caller on 429s.
	RetryAfter int // seconds
	// NoRetry marks an answer that the same request cannot get past by
	// being sent again (a budget_exceeded 429): the HTTP layer sends
	// x-should-retry: false, which the OpenAI and Anthropic SDKs obey
	// instead of retrying 429s on their own.
	NoRetry bool
	// RateLimit is the caller's key's standing (x-ratelimit-* headers);
	// nil when its key has no limits.
	RateLimit *RateLimit
}

func (e *Error) Error() string { return e.Message }

// Error types and codes, in OpenAI's vocabulary where one exists.
const (
	TypeInvalidRequest = "invalid_request_error"
	TypeAuth           = "authentication_error"
	TypePermission     = "permission_error"
	TypeNotFound       = "not_found_error"
	TypeRateLimit      = "rate_limit_error"
	TypeUpstream       = "upstream_error"
	TypeTimeout        = "timeout_error"
)

// Errorf builds an *Error for a request the gateway rejects itself.
func newError(status int, typ, code, msg string) *Error {
	return &Error{Status: status, Type: typ, Code: code, Message: msg}
}

// BadRequest is a 400 invalid_request_error.
func BadRequest(code, msg string) *Error {
	return newError(statusBadRequest, TypeInvalidRequest, code, msg)
}

// failure turns the loop's last outcome into the caller's error: the one
// place that maps attempt outcomes to HTTP statuses.
//
//   - a caller's fault relayed by the upstream keeps the upstream status and message;
//   - the deadline passing is 504;
//   - a prompt too long for the last candidate (none left to try a larger
//     window) is the upstream's 400 with code context_length_exceeded: it
//     is the caller's request that must shrink, and a 502 would tell SDKs
//     to send it again unchanged;
//   - a relayed rate limit (every candidate 429) is 429;
//   - anything else (every candidate failed upstream) is 502.
func failure(last error, attempts []Attempt, deadlineHit bool) *Error {
	var pe *provider.Error
	errors.As(last, &pe)
	switch {
	case pe != nil && (pe.Class == provider.ClassInvalidRequest || pe.Class == provider.ClassUnsupported):
		status := pe.Status
		if status < 400 || status > 499 {
			status = statusBadRequest
		}
		typ := pe.Type
		if typ == "" {
			typ = TypeInvalidRequest
		}
		// Every field the upstream wrote is redacted, not only the message:
		// an echoed key may sit in param or code just as well.
		return &Error{Status: status, Type: provider.Redact(typ), Code: provider.Redact(pe.Code), Param: provider.Redact(pe.Param),
			Message: provider.Redact(pe.Message), Attempts: attempts}
	case deadlineHit:
		return &Error{Status: statusGatewayTimeout, Type: TypeTimeout, Code: "deadline_exceeded",
			Message: "the request deadline passed before any target answered", Attempts: attempts}
	case pe != nil && pe.Class == provider.ClassContextLength:
		return contextLength(pe, attempts)
	case allRateLimited(attempts):
		e := &Error{Status: statusTooManyRequests, Type: TypeRateLimit, Code: "rate_limit_exceeded",
			Message: "every target is rate limited; retry later", Attempts: attempts}
		if pe != nil && pe.RetryAfter > 0 {
			e.RetryAfter = int(pe.RetryAfter.Seconds() + 0.999)
		}
		return e
	case pe != nil && pe.Class == provider.ClassCanceled:
		return &Error{Status: 499, Type: TypeInvalidRequest, Code: "client_closed_request", Message: "the caller closed the request", Attempts: attempts}
	}
	msg := "every candidate failed upstream"
	if last != nil {
		// Named by its target: provider messages never carry the upstream
		// URL or address (provider.NetworkError), so this is how the
		// caller knows which one failed.
		msg += "; last error"
		if t := targetOf(last, attempts); t != "" {
			msg += " (" + t + ")"
		}
		msg += ": " + provider.Redact(last.Error())
	}
	return &Error{Status: statusBadGateway, Type: TypeUpstream, Code: "all_targets_failed", Message: msg, Attempts: attempts}
}

// CodeContextLength is OpenAI's code for a prompt that does not fit the
// model, which SDKs and agents test for to shorten the conversation.
const CodeContextLength = "context_length_exceeded"

// contextLength relays an upstream's context-length refusal: its status
// when it is a 4xx (400 from every provider today), its message and param,
// and OpenAI's code whatever the provider's own (Anthropic sends none,
// Bedrock a ValidationException), so a caller tests one code.
func contextLength(pe *provider.Error, attempts []Attempt) *Error {
	status := pe.Status
	if status < 400 || status > 499 {
		status = statusBadRequest
	}
	msg := provider.Redact(pe.Message)
	if msg == "" {
		msg = "the request does not fit the model's context window"
	}
	return &Error{Status: status, Type: TypeInvalidRequest, Code: CodeContextLength, Param: provider.Redact(pe.Param),
		Message: msg, Attempts: attempts}
}

// targetOf is the target of the attempt that ended with err.
func targetOf(err error, attempts []Attempt) string {
	if !reflect.TypeOf(err).Comparable() {
		return "" // == on it would panic
	}
	for i := len(attempts) - 1; i >= 0; i-- {
		if attempts[i].Err == err {
			return attempts[i].Target
		}
	}
	return ""
}

func allRateLimited(attempts []Attempt) bool {
	if len(attempts) == 0 {
		return false
	}
	for _, a := range attempts {
		if a.Class != provider.ClassRateLimit {
			return false
		}
	}
	return true
}
