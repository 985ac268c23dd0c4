package gemini

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/provider"
)

// TestErrorMapping: every documented Gemini error, answered by the fake
// over HTTP, becomes the class that drives the attempt loop (section 5 of
// DESIGN.md), for both generateContent and streamGenerateContent.
func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		fixture   string
		header    map[string]string
		class     provider.Class
		retry     time.Duration
		typ, code string
		msg       string
	}{
		{name: "rate limit with RetryInfo", status: 429, fixture: "rate_limit.json", class: provider.ClassRateLimit,
			retry: 32 * time.Second, typ: "RESOURCE_EXHAUSTED", msg: "exceeded your current quota"},
		{name: "Retry-After header wins", status: 429, fixture: "rate_limit.json", header: map[string]string{"Retry-After": "7"},
			class: provider.ClassRateLimit, retry: 7 * time.Second, typ: "RESOURCE_EXHAUSTED"},
		{name: "rate limit without delay", status: 429, fixture: "rate_limit_plain.json", class: provider.ClassRateLimit, typ: "RESOURCE_EXHAUSTED"},
		{name: "array body", status: 429, fixture: "array.json", class: provider.ClassRateLimit, typ: "RESOURCE_EXHAUSTED", msg: "Resource exhausted"},
		{name: "overloaded", status: 503, fixture: "overloaded.json", class: provider.ClassServer, typ: "UNAVAILABLE", msg: "overloaded"},
		{name: "internal", status: 500, fixture: "internal.json", class: provider.ClassServer, typ: "INTERNAL"},
		{name: "deadline exceeded", status: 504, fixture: "deadline.json", class: provider.ClassTimeout, typ: "DEADLINE_EXCEEDED"},
		{name: "invalid argument", status: 400, fixture: "invalid_argument.json", class: provider.ClassInvalidRequest,
			typ: "INVALID_ARGUMENT", msg: "temperature: must be between 0 and 2"},
		{name: "context length", status: 400, fixture: "context_length.json", class: provider.ClassContextLength, typ: "INVALID_ARGUMENT"},
		{name: "invalid API key is auth despite 400", status: 400, fixture: "api_key_invalid.json", class: provider.ClassAuth,
			typ: "INVALID_ARGUMENT", code: "API_KEY_INVALID"},
		{name: "permission denied", status: 403, fixture: "permission_denied.json", class: provider.ClassAuth, typ: "PERMISSION_DENIED"},
		{name: "unauthenticated", status: 401, fixture: "unauthenticated.json", class: provider.ClassAuth, typ: "UNAUTHENTICATED"},
		{name: "model not found", status: 404, fixture: "not_found.json", class: provider.ClassInvalidRequest, typ: "NOT_FOUND", msg: "gemini-9-ultra"},
		{name: "failed precondition", status: 400, fixture: "failed_precondition.json", class: provider.ClassInvalidRequest, typ: "FAILED_PRECONDITION"},
		{name: "non-JSON proxy page", status: 502, fixture: "proxy.html", class: provider.ClassServer, msg: "502 Bad Gateway"},
		{name: "echoed key is scrubbed", status: 400, fixture: "echo_key.json", class: provider.ClassInvalidRequest, typ: "INVALID_ARGUMENT", msg: "[redacted]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, replyJSON(tt.status, "errors/"+tt.fixture, tt.header))
			c := newTestClient(t, f.URL, nil)
			call := &provider.Call{Model: "gemini-2.5-flash", Request: userRequest("hi")}
			_, errComplete := c.Complete(context.Background(), call)
			_, errStream := c.Stream(context.Background(), call)
			for _, err := range []error{errComplete, errStream} {
				var pe *provider.Error
				if !errors.As(err, &pe) {
					t.Fatalf("err = %v, want *provider.Error", err)
				}
				if pe.Class != tt.class || pe.Status != tt.status || pe.RetryAfter != tt.retry || pe.Type != tt.typ || pe.Code != tt.code {
					t.Errorf("got class=%s status=%d retry=%s type=%q code=%q, want %s %d %s %q %q",
						pe.Class, pe.Status, pe.RetryAfter, pe.Type, pe.Code, tt.class, tt.status, tt.retry, tt.typ, tt.code)
				}
				if !strings.Contains(pe.Message, tt.msg) {
					t.Errorf("message %q does not contain %q", pe.Message, tt.msg)
				}
				mustNotLeakKey(t, err)
			}
		})
	}
}

func TestClassifyWithoutHTTPStatus(t *testing.T) {
	// Errors inside a stream carry no HTTP status; the body's code and
	// status decide.
	tests := []struct {
		ae   apiError
		want provider.Class
	}{
		{ae: apiError{Code: 503, Status: "UNAVAILABLE"}, want: provider.ClassServer},
		{ae: apiError{Code: 429, Status: "RESOURCE_EXHAUSTED"}, want: provider.ClassRateLimit},
		{ae: apiError{Code: 400, Status: "INVALID_ARGUMENT", Message: "The input token count (2000000) exceeds the maximum number of tokens allowed (1048576)."}, want: provider.ClassContextLength},
		{ae: apiError{Code: 500}, want: provider.ClassServer},
		{ae: apiError{}, want: provider.ClassServer},
	}
	for _, tt := range tests {
		t.Run(tt.ae.Status+tt.ae.Message, func(t *testing.T) {
			if got := fromAPIError(&tt.ae, 0).Class; got != tt.want {
				t.Errorf("class = %s, want %s", got, tt.want)
			}
		})
	}
}
