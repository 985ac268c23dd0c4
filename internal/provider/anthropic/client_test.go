package anthropic

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/fakes/anthropicfake"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// fixedNow is the clock of every test client: "created" and Retry-After
// dates are computed from it, never from the wall clock.
var fixedNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// secrets resolves env:ANTHROPIC_API_KEY to the fake's key, and fails for
// anything else.
type secrets map[string]string

func (s secrets) Resolve(_ context.Context, ref string) (string, error) {
	if v, ok := s[ref]; ok {
		return v, nil
	}
	return "", errors.New("no such secret")
}

var testSecrets = secrets{"env:ANTHROPIC_API_KEY": fakeKey}

// newTestClient builds a client against the fake through the registry, as
// the gateway does.
func newTestClient(t *testing.T, f *anthropicfake.Fake, mutate func(*config.Provider)) *Client {
	t.Helper()
	cfg := config.Provider{Type: "anthropic", APIKey: "env:ANTHROPIC_API_KEY", BaseURL: f.URL}
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := provider.New(cfg, provider.Env{HTTPClient: f.Client(), Secrets: testSecrets, Name: "anthropic"})
	if err != nil {
		t.Fatalf("provider.New: %v", err)
	}
	c := p.(*Client)
	c.now = func() time.Time { return fixedNow }
	return c
}

func simpleCall(stream bool) *provider.Call {
	return &provider.Call{Model: "claude-sonnet-4-5", Request: &chat.Request{
		Model:    "anthropic/claude-sonnet-4-5",
		Stream:   stream,
		Messages: []chat.Message{{Role: "user", Content: chat.TextContent("Hello")}},
	}}
}

func TestComplete(t *testing.T) {
	tests := []struct {
		fixture string
		want    chat.Response
	}{
		{"responses/text.json", chat.Response{
			ID: "msg_01XFDUDYJgAACzvnptvVoYEL", Model: "claude-sonnet-4-5-20250929",
			Choices: []chat.Choice{{Message: chat.Message{Role: "assistant", Content: chat.TextContent("Hello!")}, FinishReason: "stop"}},
			Usage:   usageOf(12, 6, 0, 0),
		}},
		{"responses/tool_use.json", chat.Response{
			ID: "msg_01Aq9w938a90dw8q", Model: "claude-opus-4-1-20250805",
			Choices: []chat.Choice{{Message: chat.Message{
				Role:    "assistant",
				Content: chat.TextContent("I'll check the current weather in San Francisco for you."),
				ToolCalls: []chat.ToolCall{
					{ID: "toolu_01A09q90qw90lq917835lq9", Type: "function", Function: chat.FunctionCall{Name: "get_weather", Arguments: `{"location":"San Francisco, CA","unit":"celsius"}`}},
					{ID: "toolu_01B19q90qw90lq917835lq8", Type: "function", Function: chat.FunctionCall{Name: "get_time", Arguments: `{}`}},
				},
			}, FinishReason: "tool_calls"}},
			Usage: usageOf(472, 89, 0, 0),
		}},
		{"responses/tool_use_only.json", chat.Response{
			ID: "msg_01Bq9w938a90dw8r", Model: "claude-opus-4-1-20250805",
			Choices: []chat.Choice{{Message: chat.Message{
				Role:    "assistant",
				Content: chat.Content{Null: true},
				ToolCalls: []chat.ToolCall{
					{ID: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", Type: "function", Function: chat.FunctionCall{Name: "get_weather", Arguments: `{"location":"San Francisco, CA"}`}},
				},
			}, FinishReason: "tool_calls"}},
			Usage: usageOf(380, 40, 0, 0),
		}},
		{"responses/thinking.json", chat.Response{
			ID: "msg_01ThinkingExample27x453", Model: "claude-sonnet-4-5-20250929",
			Choices: []chat.Choice{{Message: chat.Message{Role: "assistant", Content: chat.TextContent("27 * 453 = 12,231")}, FinishReason: "stop"}},
			Usage:   usageOf(44, 324, 0, 0),
		}},
		{"responses/cached.json", chat.Response{
			ID: "msg_01CacheExample", Model: "claude-sonnet-4-5-20250929",
			Choices: []chat.Choice{{Message: chat.Message{Role: "assistant", Content: chat.TextContent("The book's central theme is the tension between tradition and change.")}, FinishReason: "length"}},
			Usage:   usageOf(21, 393, 2048, 188086),
		}},
		{"responses/web_search.json", chat.Response{
			ID: "msg_01WebSearchExample", Model: "claude-sonnet-4-5-20250929",
			Choices: []chat.Choice{{Message: chat.Message{Role: "assistant", Content: chat.TextContent(
				"I'll search for when Claude Shannon was born.Claude Shannon was born on April 30, 1916, in Petoskey, Michigan")}, FinishReason: "stop"}},
			Usage: usageOf(6039, 931, 0, 0),
		}},
		{"responses/refusal.json", chat.Response{
			ID: "msg_01RefusalExample", Model: "claude-sonnet-4-5-20250929",
			Choices: []chat.Choice{{Message: chat.Message{Role: "assistant", Content: chat.TextContent("")}, FinishReason: "content_filter"}},
			Usage:   usageOf(30, 0, 0, 0),
		}},
	}
	f := newFakeAPI(t)
	c := newTestClient(t, f, nil)
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			f.SetReply(anthropicfake.Reply{File: tt.fixture})
			got, err := c.Complete(context.Background(), simpleCall(false))
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			want := tt.want
			want.Object, want.Created = "chat.completion", fixedNow.Unix()
			// Anthropic's request-id header is kept for x-upstream-request-id.
			want.UpstreamRequestID = anthropicfake.RequestID
			if !reflect.DeepEqual(*got, want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				t.Errorf("response\n got: %s\nwant: %s", g, w)
			}
		})
	}
}

// usageOf builds the expected OpenAI usage from Anthropic's four counts.
func usageOf(input, output, cacheRead, cacheWrite int) *chat.Usage {
	prompt := input + cacheRead + cacheWrite
	return &chat.Usage{
		PromptTokens: prompt, CompletionTokens: output, TotalTokens: prompt + output,
		PromptTokensDetails: &chat.PromptTokensDetails{CachedTokens: cacheRead, CacheWriteTokens: cacheWrite},
	}
}

// TestRequestHeaders checks what goes on the wire besides the body.
func TestRequestHeaders(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*config.Provider)
		version string
		header  map[string]string
	}{
		{"defaults", nil, "2023-06-01", map[string]string{"accept": "application/json"}},
		{"api_version and extra headers", func(c *config.Provider) {
			c.APIVersion = "2024-01-01"
			c.Headers = map[string]string{"anthropic-beta": "prompt-caching-2024-07-31"}
		}, "2024-01-01", map[string]string{"anthropic-beta": "prompt-caching-2024-07-31"}},
		{"base_url ending in /v1/", func(c *config.Provider) { c.BaseURL += "/v1/" }, "2023-06-01", nil},
		{"configured headers cannot replace the key", func(c *config.Provider) {
			c.Headers = map[string]string{"x-api-key": "someone-elses-key"}
		}, "2023-06-01", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.SetVersion(tt.version)
			c := newTestClient(t, f, tt.mutate)
			if _, err := c.Complete(context.Background(), simpleCall(false)); err != nil {
				t.Fatalf("Complete: %v", err)
			}
			reqs := f.Requests()
			if len(reqs) != 1 {
				t.Fatalf("fake received %d requests, want 1", len(reqs))
			}
			for k, v := range tt.header {
				if got := reqs[0].Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

// TestErrorMapping sends each documented error body with its status and
// checks the class the attempt loop will act on.
func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		file       string
		header     map[string]string
		class      provider.Class
		typ        string
		retryAfter time.Duration
		requestID  string
	}{
		{"invalid request", 400, "errors/invalid_request.json", nil, provider.ClassInvalidRequest, "invalid_request_error", 0, "req_fake_0001"},
		{"prompt too long", 400, "errors/prompt_too_long.json", nil, provider.ClassContextLength, "invalid_request_error", 0, "req_fake_0001"},
		{"input plus max_tokens over the window", 400, "errors/context_limit.json", nil, provider.ClassContextLength, "invalid_request_error", 0, "req_fake_0001"},
		{"authentication", 401, "errors/authentication.json", nil, provider.ClassAuth, "authentication_error", 0, "req_fake_0001"},
		{"billing", 402, "errors/billing.json", nil, provider.ClassAuth, "billing_error", 0, "req_fake_0001"},
		{"permission", 403, "errors/permission.json", nil, provider.ClassAuth, "permission_error", 0, "req_fake_0001"},
		{"not found", 404, "errors/not_found.json", nil, provider.ClassInvalidRequest, "not_found_error", 0, "req_fake_0001"},
		{"request too large", 413, "errors/request_too_large.json", nil, provider.ClassInvalidRequest, "request_too_large", 0, "req_fake_0001"},
		{"rate limit with retry-after seconds", 429, "errors/rate_limit.json", map[string]string{"retry-after": "17"}, provider.ClassRateLimit, "rate_limit_error", 17 * time.Second, "req_fake_0001"},
		{"rate limit with retry-after date", 429, "errors/rate_limit.json", map[string]string{"retry-after": fixedNow.Add(90 * time.Second).Format(http.TimeFormat)}, provider.ClassRateLimit, "rate_limit_error", 90 * time.Second, "req_fake_0001"},
		{"api error", 500, "errors/api_error.json", nil, provider.ClassServer, "api_error", 0, "req_fake_0001"},
		{"timeout", 504, "errors/timeout.json", nil, provider.ClassTimeout, "timeout_error", 0, "req_fake_0001"},
		{"overloaded", 529, "errors/overloaded.json", nil, provider.ClassServer, "overloaded_error", 0, "req_fake_0001"},
		{"529 without an envelope", 529, "errors/bad_gateway.html", nil, provider.ClassServer, "", 0, "req_fake_0001"},
		{"502 html from a proxy", 502, "errors/bad_gateway.html", map[string]string{"request-id": ""}, provider.ClassServer, "", 0, ""},
		{"unknown 4xx type", 422, "errors/bad_gateway.html", nil, provider.ClassInvalidRequest, "", 0, "req_fake_0001"},
		{"request id from the body when the header is missing", 500, "errors/api_error.json", map[string]string{"request-id": ""}, provider.ClassServer, "api_error", 0, "req_011CApiErrorExample0001"},
	}
	f := newFakeAPI(t)
	c := newTestClient(t, f, nil)
	for _, tt := range tests {
		for _, stream := range []bool{false, true} {
			t.Run(tt.name+map[bool]string{false: "/complete", true: "/stream"}[stream], func(t *testing.T) {
				f.SetReply(anthropicfake.Reply{Status: tt.status, File: tt.file, Header: tt.header})
				var err error
				if stream {
					var s provider.Stream
					if s, err = c.Stream(context.Background(), simpleCall(true)); s != nil {
						s.Close()
						t.Fatal("Stream returned a stream for an error status")
					}
				} else {
					_, err = c.Complete(context.Background(), simpleCall(false))
				}
				var pe *provider.Error
				if !errors.As(err, &pe) {
					t.Fatalf("err = %v, want *provider.Error", err)
				}
				if pe.Class != tt.class || pe.Status != tt.status || pe.Type != tt.typ {
					t.Errorf("got class=%s status=%d type=%q, want %s %d %q", pe.Class, pe.Status, pe.Type, tt.class, tt.status, tt.typ)
				}
				if pe.RetryAfter != tt.retryAfter {
					t.Errorf("RetryAfter = %v, want %v", pe.RetryAfter, tt.retryAfter)
				}
				if pe.RequestID != tt.requestID {
					t.Errorf("RequestID = %q, want %q", pe.RequestID, tt.requestID)
				}
				if !strings.HasPrefix(pe.Message, "anthropic: ") || strings.Contains(err.Error(), fakeKey) {
					t.Errorf("message %q must name the provider and never the key", pe.Message)
				}
			})
		}
	}
}

// TestCompleteFailures covers failures that are not an upstream error body.
func TestCompleteFailures(t *testing.T) {
	tests := []struct {
		name  string
		reply anthropicfake.Reply
		ctx   func() context.Context
		class provider.Class
	}{
		{"truncated JSON body", anthropicfake.Reply{File: "responses/truncated.json"}, nil, provider.ClassBadResponse},
		{"2xx that is not a message", anthropicfake.Reply{File: "responses/not_a_message.json"}, nil, provider.ClassBadResponse},
		{"connection dropped mid-body", anthropicfake.Reply{File: "responses/text.json", Cut: true}, nil, provider.ClassNetwork},
		{"caller canceled", anthropicfake.Reply{File: "responses/text.json"}, func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, provider.ClassCanceled},
	}
	f := newFakeAPI(t)
	c := newTestClient(t, f, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.SetReply(tt.reply)
			ctx := context.Background()
			if tt.ctx != nil {
				ctx = tt.ctx()
			}
			_, err := c.Complete(ctx, simpleCall(false))
			if got := provider.ClassOf(err); got != tt.class {
				t.Errorf("class = %s (%v), want %s", got, err, tt.class)
			}
			var pe *provider.Error
			if !errors.As(err, &pe) {
				t.Errorf("err = %T, want *provider.Error", err)
			}
		})
	}
}

func TestConnectionRefused(t *testing.T) {
	f := newFakeAPI(t)
	c := newTestClient(t, f, nil)
	f.Close()
	_, err := c.Complete(context.Background(), simpleCall(false))
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Class != provider.ClassNetwork {
		t.Fatalf("err = %v, want a ClassNetwork *provider.Error", err)
	}
}

// TestNothingSentWhenInvalid: a request the translation rejects, or a key
// that cannot be resolved, never reaches Anthropic.
func TestNothingSentWhenInvalid(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*config.Provider)
		call   func() *provider.Call
		class  provider.Class
	}{
		{"unsupported parameter", nil, func() *provider.Call {
			c := simpleCall(false)
			c.Request.N = chat.Ptr(2)
			return c
		}, provider.ClassUnsupported},
		{"unresolvable api key", func(c *config.Provider) { c.APIKey = "secret:missing" }, func() *provider.Call { return simpleCall(false) }, provider.ClassAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			c := newTestClient(t, f, tt.mutate)
			_, err := c.Complete(context.Background(), tt.call())
			if got := provider.ClassOf(err); got != tt.class {
				t.Errorf("class = %s (%v), want %s", got, err, tt.class)
			}
			if _, serr := c.Stream(context.Background(), tt.call()); provider.ClassOf(serr) != tt.class {
				t.Errorf("Stream: %v, want class %s", serr, tt.class)
			}
			if n := len(f.Requests()); n != 0 {
				t.Errorf("fake received %d requests, want none", n)
			}
		})
	}
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	for _, base := range []string{"api.anthropic.com", "ftp://api.anthropic.com", "https://"} {
		t.Run(base, func(t *testing.T) {
			_, err := New(config.Provider{Type: "anthropic", BaseURL: base}, provider.Env{Name: "claude"})
			if err == nil || !strings.Contains(err.Error(), "base_url") || !strings.Contains(err.Error(), `"claude"`) {
				t.Errorf("err = %v, want a base_url error naming the provider", err)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	p, err := New(config.Provider{Type: "anthropic"}, provider.Env{})
	if err != nil {
		t.Fatal(err)
	}
	c := p.(*Client)
	if c.endpoint != "https://api.anthropic.com/v1/messages" || c.version != "2023-06-01" || c.http != provider.DefaultHTTPClient() {
		t.Errorf("defaults: endpoint %q version %q shared default client %v", c.endpoint, c.version, c.http == provider.DefaultHTTPClient())
	}
}

// TestErrorMessageWithoutEnvelope: a status with no Anthropic body still
// yields a readable message (Go has no status text for 529).
func TestErrorMessageWithoutEnvelope(t *testing.T) {
	tests := map[int]string{
		529: "anthropic: upstream returned status 529",
		502: "anthropic: upstream returned status 502 Bad Gateway",
	}
	f := newFakeAPI(t)
	c := newTestClient(t, f, nil)
	for status, want := range tests {
		t.Run(http.StatusText(status), func(t *testing.T) {
			f.SetReply(anthropicfake.Reply{Status: status, File: "errors/bad_gateway.html"})
			_, err := c.Complete(context.Background(), simpleCall(false))
			var pe *provider.Error
			if !errors.As(err, &pe) || pe.Message != want {
				t.Errorf("err = %v, want message %q", err, want)
			}
		})
	}
}
