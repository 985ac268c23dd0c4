package openai_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/provider/openai"
)

func newClient(t *testing.T, fake *openaifake.Fake, cfg config.Provider) provider.Provider {
	t.Helper()
	t.Setenv("TEST_OPENAI_KEY", "sk-test")
	fake.APIKey = "sk-test"
	cfg.Type = "openai-compatible"
	cfg.BaseURL = fake.BaseURL()
	cfg.APIKey = "env:TEST_OPENAI_KEY"
	p, err := openai.New(cfg, provider.Env{Name: "groq", Secrets: engine.EnvSecrets{}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func call(body string) *provider.Call {
	var r chat.Request
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		panic(err)
	}
	return &provider.Call{Model: "llama", Request: &r, RequestID: "req-1"}
}

func TestRequestShape(t *testing.T) {
	fake := openaifake.New(t)
	p := newClient(t, fake, config.Provider{Headers: map[string]string{"X-Team": "ml"}})
	_, err := p.Complete(context.Background(), call(`{"model":"router/x","messages":[{"role":"user","content":"hi"}],
		"stream_options":{"include_usage":true},"router":{"strategy":"fallback"},"reasoning_effort":"low",
		"extra":{"groq":{"service_tier":"flex"},"anthropic":{"top_k":3}}}`))
	if err != nil {
		t.Fatal(err)
	}
	up := fake.Requests()[0]
	h := fake.Headers()[0]
	if up["model"] != "llama" {
		t.Errorf("model %v: the target's model must replace the router name", up["model"])
	}
	if up["router"] != nil || up["extra"] != nil || up["stream_options"] != nil {
		t.Errorf("gateway-only fields or stream_options on a non-stream leaked upstream: %v", up)
	}
	if up["reasoning_effort"] != "low" || up["service_tier"] != "flex" || up["top_k"] != nil {
		t.Errorf("passthrough/extra.<provider> wrong: %v", up)
	}
	if h.Get("X-Team") != "ml" || h.Get("X-Client-Request-Id") != "req-1" || h.Get("Authorization") != "Bearer sk-test" {
		t.Errorf("headers %v", h)
	}
}

// TestAuthHeader: auth_header moves the key out of Authorization: Bearer
// into the named header (Azure OpenAI reads api-key), so such endpoints
// are served with a secret reference rather than a literal header.
func TestAuthHeader(t *testing.T) {
	tests := []struct {
		name, authHeader string
		want             map[string]string // header -> value; "" means absent
	}{
		{"default", "", map[string]string{"Authorization": "Bearer sk-test", "Api-Key": ""}},
		{"Authorization spelled out", "authorization", map[string]string{"Authorization": "Bearer sk-test"}},
		{"azure api-key", "api-key", map[string]string{"Api-Key": "sk-test", "Authorization": ""}},
		{"custom header", "X-Portkey-Api-Key", map[string]string{"X-Portkey-Api-Key": "sk-test", "Authorization": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := openaifake.New(t) // no APIKey: the fake does not check Authorization
			t.Setenv("TEST_OPENAI_KEY", "sk-test")
			p, err := openai.New(config.Provider{Type: "openai-compatible", BaseURL: fake.BaseURL(), APIKey: "env:TEST_OPENAI_KEY",
				AuthHeader: tt.authHeader}, provider.Env{Name: "azure", Secrets: engine.EnvSecrets{}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Complete(context.Background(), call(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`)); err != nil {
				t.Fatal(err)
			}
			h := fake.Headers()[0]
			for name, want := range tt.want {
				if got := h.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

// TestStreamRelaysUsage: the engine asks every stream for usage (to price
// it); the client sends that on and returns the usage chunk.
func TestStreamRelaysUsage(t *testing.T) {
	fake := openaifake.New(t)
	p := newClient(t, fake, config.Provider{})
	s, err := p.Stream(context.Background(), call(`{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}`))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var usage *chat.Usage
	for s.Next() {
		if u := s.Current().Usage; u != nil {
			usage = u
		}
	}
	if s.Err() != nil || usage == nil || usage.TotalTokens != 15 {
		t.Fatalf("err %v usage %+v", s.Err(), usage)
	}
	if opts, _ := fake.Requests()[0]["stream_options"].(map[string]any); opts["include_usage"] != true {
		t.Errorf("stream_options %v", fake.Requests()[0]["stream_options"])
	}
	_ = s.Close() // safe twice
}

func TestErrorClasses(t *testing.T) {
	tests := []struct {
		name   string
		fault  openaifake.Fault
		class  provider.Class
		status int
	}{
		{"rate limit", openaifake.Fault{Kind: openaifake.Status, Status: 429, Headers: map[string]string{"Retry-After": "2"}}, provider.ClassRateLimit, 429},
		{"server", openaifake.Fault{Kind: openaifake.Status, Status: 500}, provider.ClassServer, 500},
		{"auth", openaifake.Fault{Kind: openaifake.Status, Status: 401}, provider.ClassAuth, 401},
		{"quota", openaifake.Fault{Kind: openaifake.Status, Status: 429, Body: `{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}`}, provider.ClassAuth, 429},
		{"context length", openaifake.Fault{Kind: openaifake.Status, Status: 400, Body: `{"error":{"message":"This model's maximum context length is 128000 tokens","type":"invalid_request_error","code":"context_length_exceeded"}}`}, provider.ClassContextLength, 400},
		{"bad request", openaifake.Fault{Kind: openaifake.Status, Status: 400}, provider.ClassInvalidRequest, 400},
		{"html error page", openaifake.Fault{Kind: openaifake.Status, Status: 502, Body: "<html>bad gateway</html>"}, provider.ClassServer, 502},
		{"malformed", openaifake.Fault{Kind: openaifake.Malformed}, provider.ClassBadResponse, 200},
		{"reset", openaifake.Fault{Kind: openaifake.Reset}, provider.ClassNetwork, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := openaifake.New(t)
			p := newClient(t, fake, config.Provider{})
			fake.Script("llama", tt.fault)
			_, err := p.Complete(context.Background(), call(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
			var pe *provider.Error
			if !errors.As(err, &pe) {
				t.Fatalf("err %v is not a *provider.Error", err)
			}
			if pe.Class != tt.class || pe.Status != tt.status {
				t.Errorf("class %s status %d, want %s %d (%v)", pe.Class, pe.Status, tt.class, tt.status, pe)
			}
			if tt.class == provider.ClassRateLimit && pe.RetryAfter.Seconds() != 2 {
				t.Errorf("retry-after %v", pe.RetryAfter)
			}
			if pe.RequestID == "" && tt.status >= 400 {
				t.Error("upstream request id not kept")
			}
		})
	}
}

func TestMissingCredential(t *testing.T) {
	fake := openaifake.New(t)
	p, _ := openai.New(config.Provider{Type: "openai", BaseURL: fake.BaseURL(), APIKey: "env:SWITCHYARD_TEST_UNSET_KEY"},
		provider.Env{Name: "openai", Secrets: engine.EnvSecrets{}})
	_, err := p.Complete(context.Background(), call(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
	if provider.ClassOf(err) != provider.ClassAuth || fake.Hits("llama") != 0 {
		t.Fatalf("err %v hits %d: an unset key must fail as auth without calling upstream", err, fake.Hits("llama"))
	}
}
