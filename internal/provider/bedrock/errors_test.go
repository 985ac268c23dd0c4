package bedrock

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/fakes/bedrockfake"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// TestErrorMapping: each error Bedrock answers with, as the service shapes
// it, maps onto the class the attempt loop acts on, keeping the status,
// Retry-After, message and request id — whether the call was Converse or
// ConverseStream (which fails before its event stream starts).
func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		code       string
		message    string
		header     map[string]string
		wantClass  provider.Class
		wantRetry  time.Duration
		wantStatus int
	}{
		{"throttled with Retry-After", 429, "ThrottlingException", "Too many requests, please wait before trying again.",
			map[string]string{"Retry-After": "3"}, provider.ClassRateLimit, 3 * time.Second, 429},
		{"throttled without Retry-After", 429, "ThrottlingException", "Too many tokens, please wait before trying again.",
			nil, provider.ClassRateLimit, 0, 429},
		{"quota exceeded", 400, "ServiceQuotaExceededException", "Your request exceeds the service quota for your account.",
			nil, provider.ClassRateLimit, 0, 400},
		{"service unavailable", 503, "ServiceUnavailableException", "Bedrock is unable to process your request.",
			nil, provider.ClassServer, 0, 503},
		{"internal error", 500, "InternalServerException", "The server encountered an internal error while processing the request.",
			nil, provider.ClassServer, 0, 500},
		{"model not ready", 429, "ModelNotReadyException", "Model is not ready for inference. Wait and try your request again.",
			nil, provider.ClassServer, 0, 429},
		{"model stream error", 424, "ModelStreamErrorException", "Model stream error.",
			nil, provider.ClassServer, 0, 424},
		{"model error", 424, "ModelErrorException", "The request failed due to an error while processing the model.",
			nil, provider.ClassServer, 0, 424},
		{"model timeout", 408, "ModelTimeoutException", "Model has timed out in processing the request.",
			nil, provider.ClassTimeout, 0, 408},
		{"validation", 400, "ValidationException", "Malformed input request: #: extraneous key [foo] is not permitted, please reformat your input and try again.",
			nil, provider.ClassInvalidRequest, 0, 400},
		{"input too long", 400, "ValidationException", "Input is too long for requested model.",
			nil, provider.ClassContextLength, 0, 400},
		{"prompt too long", 400, "ValidationException", "The model returned the following errors: prompt is too long: 215000 tokens > 200000 maximum",
			nil, provider.ClassContextLength, 0, 400},
		{"input plus max_tokens over the window", 400, "ValidationException", "The model returned the following errors: input length and `max_tokens` exceed context limit: 197202 + 8192 > 200000, decrease input length or `max_tokens` and try again",
			nil, provider.ClassContextLength, 0, 400},
		{"max context length", 400, "ValidationException", "This model's maximum context length is 8192 tokens. Please reduce the length of the prompt.",
			nil, provider.ClassContextLength, 0, 400},
		{"access denied", 403, "AccessDeniedException", "You don't have access to the model with the specified model ID.",
			nil, provider.ClassAuth, 0, 403},
		{"bad credentials", 403, "UnrecognizedClientException", "The security token included in the request is invalid.",
			nil, provider.ClassAuth, 0, 403},
		{"unknown model", 404, "ResourceNotFoundException", "Could not resolve the foundation model from the provided model identifier.",
			nil, provider.ClassInvalidRequest, 0, 404},
		{"unmodelled code falls back to the status", 502, "BadGatewayException", "upstream connect error",
			nil, provider.ClassServer, 0, 502},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.SetReply(apiError(tt.status, tt.code, tt.message, tt.header))
			c := newTestClient(t, f, provider.Env{})
			for _, op := range []string{"converse", "converse-stream"} {
				var err error
				if op == "converse" {
					_, err = c.Complete(context.Background(), userCall("anthropic.claude-3-haiku-20240307-v1:0"))
				} else {
					_, err = c.Stream(context.Background(), userCall("anthropic.claude-3-haiku-20240307-v1:0"))
				}
				var pe *provider.Error
				if !errors.As(err, &pe) {
					t.Fatalf("%s: err = %v, want *provider.Error", op, err)
				}
				if pe.Class != tt.wantClass || pe.Status != tt.wantStatus || pe.RetryAfter != tt.wantRetry {
					t.Errorf("%s: class %s status %d retry-after %v; want %s %d %v", op, pe.Class, pe.Status, pe.RetryAfter, tt.wantClass, tt.wantStatus, tt.wantRetry)
				}
				if pe.Message != tt.message || pe.Type != tt.code || pe.RequestID != fakeRequestID {
					t.Errorf("%s: message %q type %q request id %q; want %q %q %q", op, pe.Message, pe.Type, pe.RequestID, tt.message, tt.code, fakeRequestID)
				}
			}
		})
	}
}

// TestErrorWithoutJSONBody: a proxy or load balancer in front of the
// endpoint may answer with HTML; the status still decides.
func TestErrorWithoutJSONBody(t *testing.T) {
	f := newFake(t)
	f.SetReply(bedrockfake.Reply{Status: http.StatusBadGateway, File: "errors/bad_gateway.html", ContentType: "text/html"})
	c := newTestClient(t, f, provider.Env{})
	_, err := c.Complete(context.Background(), userCall("amazon.nova-micro-v1:0"))
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Class != provider.ClassServer || pe.Status != http.StatusBadGateway {
		t.Fatalf("err = %#v, want class %s status 502", err, provider.ClassServer)
	}
}
