package bedrock

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/switchyard-llm/switchyard/internal/provider"
)

// exception is how one Bedrock error code is treated: its class, and the
// HTTP status the API reference gives it, which is reported when the
// exception arrives inside an event stream (whose HTTP status was 200) so
// that a router's on_status overrides see the same status either way.
type exception struct {
	class  provider.Class
	status int
}

// exceptions covers the Converse/ConverseStream errors and the AWS-wide
// authentication errors. Codes are in the SDK's spelling; event-stream
// exception types (throttlingException) are normalised to it first.
var exceptions = map[string]exception{
	"ThrottlingException": {provider.ClassRateLimit, 429},
	// A quota (tokens per day, concurrent requests) rather than a burst;
	// backing off and then moving on is what the rate-limit class does.
	"ServiceQuotaExceededException": {provider.ClassRateLimit, 400},
	"ServiceUnavailableException":   {provider.ClassServer, 503},
	"InternalServerException":       {provider.ClassServer, 500},
	"ModelNotReadyException":        {provider.ClassServer, 429},
	"ModelStreamErrorException":     {provider.ClassServer, 424},
	"ModelErrorException":           {provider.ClassServer, 424},
	"ModelTimeoutException":         {provider.ClassTimeout, 408},
	"ValidationException":           {provider.ClassInvalidRequest, 400},
	"ResourceNotFoundException":     {provider.ClassInvalidRequest, 404},
	"AccessDeniedException":         {provider.ClassAuth, 403},
	"UnrecognizedClientException":   {provider.ClassAuth, 403},
	"InvalidSignatureException":     {provider.ClassAuth, 403},
	"ExpiredTokenException":         {provider.ClassAuth, 403},
}

// contextLengthHints are lower-case fragments of the ValidationException
// messages Bedrock's model families return when the prompt does not fit
// ("Input is too long for requested model.", "prompt is too long: 215000
// tokens > 200000 maximum", "... maximum context length is 8192 tokens",
// Claude's "input length and `max_tokens` exceed context limit: ...").
var contextLengthHints = []string{
	"input is too long", "input too long", "prompt is too long", "too many input tokens",
	"context window", "context length", "maximum context", "exceeds the context", "exceed context limit",
}

// classify maps an SDK error onto a *provider.Error. The SDK wraps errors
// several times (OperationError, ResponseError); errors.As finds each layer.
func classify(ctx context.Context, err error) *provider.Error {
	var pe *provider.Error
	if errors.As(err, &pe) {
		return pe
	}
	if ctx.Err() != nil {
		// The caller went away or the attempt deadline passed; whatever the
		// transport reported is a consequence, not an upstream fault.
		return provider.NetworkError(ctx, err)
	}
	e := &provider.Error{Err: err}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		e.Status = re.HTTPStatusCode()
		e.RetryAfter = provider.ParseRetryAfter(re.Response.Header, time.Now())
	}
	var rid interface{ ServiceRequestID() string }
	if errors.As(err, &rid) {
		e.RequestID = rid.ServiceRequestID()
	}

	var api smithy.APIError
	var ipe smithy.InvalidParamsError
	var ipePtr *smithy.InvalidParamsError
	var de *smithy.DeserializationError
	switch {
	case errors.As(err, &api):
		code := normalizeCode(api.ErrorCode())
		e.Type, e.Code, e.Message = code, code, api.ErrorMessage()
		if e.Message == "" {
			e.Message = code
		}
		ex, known := exceptions[code]
		switch {
		case known:
			e.Class = ex.class
			if e.Status == 0 {
				e.Status = ex.status
			}
		case e.Status != 0:
			e.Class = provider.ClassForStatus(e.Status)
		default:
			e.Class = provider.ClassServer
		}
		if code == "ValidationException" && isContextLength(e.Message) {
			e.Class = provider.ClassContextLength
		}
	case e.Status >= 300:
		// An error body the SDK could not read, e.g. a proxy's HTML 502.
		e.Class = provider.ClassForStatus(e.Status)
		e.Message = "bedrock: unreadable error response"
	case errors.As(err, &ipe), errors.As(err, &ipePtr):
		// The SDK's client-side validation of required fields.
		e.Class, e.Message = provider.ClassInvalidRequest, "bedrock: "+err.Error()
	case errors.As(err, &de):
		e.Class, e.Message = provider.ClassBadResponse, "bedrock: cannot decode the response: "+de.Err.Error()
	case strings.Contains(err.Error(), "get identity"):
		// The credential chain failed (no role, expired SSO session). The
		// SDK has no typed error for it; the message names no secret.
		e.Class, e.Message = provider.ClassAuth, "bedrock: cannot resolve AWS credentials: "+err.Error()
	default:
		return provider.NetworkError(ctx, err)
	}
	return e
}

// normalizeCode turns an event-stream exception type (throttlingException)
// into the SDK's code spelling (ThrottlingException).
func normalizeCode(code string) string {
	if code == "" {
		return "UnknownError"
	}
	return strings.ToUpper(code[:1]) + code[1:]
}

func isContextLength(msg string) bool {
	m := strings.ToLower(msg)
	for _, h := range contextLengthHints {
		if strings.Contains(m, h) {
			return true
		}
	}
	return false
}
