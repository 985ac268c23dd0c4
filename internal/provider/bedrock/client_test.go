package bedrock

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

func userCall(model string) *provider.Call {
	return &provider.Call{Model: model, Request: &chat.Request{
		Model:    "bedrock/" + model,
		Messages: []chat.Message{{Role: "user", Content: chat.TextContent("Hi")}},
	}}
}

// TestCompleteResponses turns documented Converse responses from
// the fake's converse/ fixtures into OpenAI responses, compared with
// testdata/responses/<name>.json.
func TestCompleteResponses(t *testing.T) {
	tests := []struct {
		fixture    string
		wantFinish string
	}{
		{"text", "stop"},
		{"tool_use", "tool_calls"},
		{"tool_only", "tool_calls"},
		{"cache_max_tokens", "length"},
		{"guardrail", "content_filter"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			f := newFake(t)
			f.SetReply(converseFixture(tt.fixture))
			c := newTestClient(t, f, provider.Env{})
			resp, err := c.Complete(context.Background(), userCall("anthropic.claude-3-haiku-20240307-v1:0"))
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.Choices[0].FinishReason; got != tt.wantFinish {
				t.Errorf("finish_reason = %q, want %q", got, tt.wantFinish)
			}
			if resp.ID != "chatcmpl-"+fakeRequestID {
				t.Errorf("id = %q, want chatcmpl-<x-amzn-RequestId>", resp.ID)
			}
			for _, tc := range resp.Choices[0].Message.ToolCalls {
				if !json.Valid([]byte(tc.Function.Arguments)) {
					t.Errorf("tool call %s arguments are not JSON: %s", tc.ID, tc.Function.Arguments)
				}
			}
			b, err := json.MarshalIndent(resp, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("responses", tt.fixture+".json"), append(b, '\n'))
		})
	}
}

func TestCompleteUnreadableOutput(t *testing.T) {
	f := newFake(t)
	f.SetReply(converseFixture("no_message"))
	c := newTestClient(t, f, provider.Env{})
	_, err := c.Complete(context.Background(), userCall("amazon.nova-micro-v1:0"))
	if provider.ClassOf(err) != provider.ClassBadResponse {
		t.Fatalf("err = %v, want class %s", err, provider.ClassBadResponse)
	}
}

// TestClientWiring checks the SDK client is built the way the gateway
// needs: no SDK retries, the gateway's API options (X-Ray) installed, the
// shared HTTP client used, and the standard endpoint override honoured.
func TestClientWiring(t *testing.T) {
	t.Run("no SDK retries on 503", func(t *testing.T) {
		f := newFake(t)
		f.SetReply(apiError(http.StatusServiceUnavailable, "ServiceUnavailableException", "Bedrock is unable to process your request.", nil))
		c := newTestClient(t, f, provider.Env{})
		_, err := c.Complete(context.Background(), userCall("amazon.nova-micro-v1:0"))
		if provider.ClassOf(err) != provider.ClassServer {
			t.Fatalf("err = %v, want %s", err, provider.ClassServer)
		}
		if n := len(f.Requests()); n != 1 {
			t.Errorf("upstream received %d requests, want exactly 1", n)
		}
	})
	t.Run("no SDK retries on throttling", func(t *testing.T) {
		f := newFake(t)
		f.SetReply(apiError(http.StatusTooManyRequests, "ThrottlingException", "Too many requests, please wait before trying again.", nil))
		c := newTestClient(t, f, provider.Env{})
		if _, err := c.Stream(context.Background(), userCall("amazon.nova-micro-v1:0")); provider.ClassOf(err) != provider.ClassRateLimit {
			t.Fatalf("err = %v, want %s", err, provider.ClassRateLimit)
		}
		if n := len(f.Requests()); n != 1 {
			t.Errorf("upstream received %d requests, want exactly 1", n)
		}
	})
	t.Run("API options and HTTP client", func(t *testing.T) {
		f := newFake(t)
		f.SetReply(converseFixture("text"))
		var trips atomic.Int32
		hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			trips.Add(1)
			return http.DefaultTransport.RoundTrip(r)
		})}
		addHeader := func(stack *middleware.Stack) error {
			return stack.Build.Add(middleware.BuildMiddlewareFunc("TestHeader", func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				in.Request.(*smithyhttp.Request).Header.Set("X-Test-Instrumented", "yes")
				return next.HandleBuild(ctx, in)
			}), middleware.After)
		}
		c := newTestClient(t, f, provider.Env{HTTPClient: hc, AWSAPIOptions: []func(*middleware.Stack) error{addHeader}})
		if _, err := c.Complete(context.Background(), userCall("amazon.nova-micro-v1:0")); err != nil {
			t.Fatal(err)
		}
		if got := f.Requests()[0].Header.Get("X-Test-Instrumented"); got != "yes" {
			t.Errorf("API option not applied: header = %q", got)
		}
		if trips.Load() != 1 {
			t.Errorf("env.HTTPClient made %d round trips, want 1", trips.Load())
		}
	})
	t.Run("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", func(t *testing.T) {
		f := newFake(t)
		f.SetReply(converseFixture("text"))
		awsTestEnv(t)
		t.Setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", f.URL)
		p, err := New(config.Provider{Type: "bedrock", Region: "us-east-1"}, provider.Env{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Complete(context.Background(), userCall("amazon.nova-micro-v1:0")); err != nil {
			t.Fatal(err)
		}
		if len(f.Requests()) != 1 {
			t.Errorf("the endpoint override was not used")
		}
	})
	t.Run("registered as bedrock", func(t *testing.T) {
		awsTestEnv(t)
		p, err := provider.New(config.Provider{Type: "bedrock", Region: "eu-west-1"}, provider.Env{Name: "bedrock-eu"})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := p.(*Client); !ok {
			t.Errorf("provider.New(type bedrock) = %T", p)
		}
	})
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     config.Provider
		env     map[string]string
		wantErr string
	}{
		{"no region anywhere", config.Provider{Type: "bedrock"}, map[string]string{"AWS_REGION": ""}, "no region"},
		{"endpoint not a URL", config.Provider{Type: "bedrock", EndpointURL: "localhost:4566"}, nil, "endpoint_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			awsTestEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			_, err := New(tt.cfg, provider.Env{Name: "bedrock-x"})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "bedrock-x") {
				t.Errorf("err = %v, want one naming the provider and containing %q", err, tt.wantErr)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestTransportErrors: failures below HTTP keep their meaning.
func TestTransportErrors(t *testing.T) {
	t.Run("connection refused", func(t *testing.T) {
		f := newFake(t)
		c := newTestClient(t, f, provider.Env{})
		f.Close()
		_, err := c.Complete(context.Background(), userCall("amazon.nova-micro-v1:0"))
		if provider.ClassOf(err) != provider.ClassNetwork {
			t.Errorf("err = %v, want %s", err, provider.ClassNetwork)
		}
	})
	t.Run("caller canceled", func(t *testing.T) {
		f := newFake(t)
		c := newTestClient(t, f, provider.Env{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.Stream(ctx, userCall("amazon.nova-micro-v1:0"))
		if provider.ClassOf(err) != provider.ClassCanceled {
			t.Errorf("err = %v, want %s", err, provider.ClassCanceled)
		}
	})
	t.Run("no credentials", func(t *testing.T) {
		f := newFake(t)
		awsTestEnv(t)
		t.Setenv("AWS_ACCESS_KEY_ID", "")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "")
		p, err := New(config.Provider{Type: "bedrock", EndpointURL: f.URL}, provider.Env{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Complete(context.Background(), userCall("amazon.nova-micro-v1:0"))
		var pe *provider.Error
		if !errors.As(err, &pe) || pe.Class != provider.ClassAuth {
			t.Fatalf("err = %v, want class %s", err, provider.ClassAuth)
		}
		if len(f.Requests()) != 0 {
			t.Errorf("an unsigned request reached the upstream")
		}
	})
}
