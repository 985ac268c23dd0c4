package openai_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/provider/openai"
)

func newResponder(t *testing.T, fake *openaifake.Fake, typ string) provider.Responder {
	t.Helper()
	t.Setenv("TEST_OPENAI_KEY", "sk-test")
	fake.APIKey = "sk-test"
	p, err := openai.New(config.Provider{Type: typ, BaseURL: fake.BaseURL(), APIKey: "env:TEST_OPENAI_KEY"},
		provider.Env{Name: "oa", Secrets: engine.EnvSecrets{}})
	if err != nil {
		t.Fatal(err)
	}
	return p.(provider.Responder)
}

// TestNativeResponsesOnlyForTypeOpenAI: OpenAI-compatible servers rarely
// serve /responses, so only type openai is native.
func TestNativeResponsesOnlyForTypeOpenAI(t *testing.T) {
	fake := openaifake.New(t)
	if !newResponder(t, fake, "openai").NativeResponses("gpt-4.1") || newResponder(t, fake, "openai-compatible").NativeResponses("gpt-4.1") {
		t.Fatal("NativeResponses must be true for type openai only")
	}
}

// TestResponsesBody: the caller's body goes to /responses with the model
// replaced, stream as the call has it, the gateway's own fields removed
// and everything else as sent; usage is read for pricing.
func TestResponsesBody(t *testing.T) {
	fake := openaifake.New(t)
	p := newResponder(t, fake, "openai")
	body := `{"model":"router/x","input":[{"role":"user","content":"<b>hi</b>"}],"include":["reasoning.encrypted_content"],"router":{"strategy":"fallback"},"extra":{"a":1},"stream":true,"store":true}`
	out, err := p.Responses(context.Background(), &provider.NativeCall{Model: "gpt-4.1", Body: []byte(body), RequestID: "req-1"})
	if err != nil {
		t.Fatal(err)
	}
	up := fake.Requests()[0]
	raw := string(fake.RawRequests()[0])
	// store is false whatever the caller said: the gateway is stateless,
	// and OpenAI would otherwise keep every caller's conversation.
	if up["model"] != "gpt-4.1" || up["router"] != nil || up["extra"] != nil || up["stream"] != nil || up["include"] == nil || !strings.Contains(raw, "<b>hi</b>") ||
		up["store"] != false {
		t.Errorf("upstream body = %s", raw)
	}
	if out.Usage == nil || out.Usage.PromptTokens != 36 || out.Usage.CompletionTokens != 87 || out.Model != "gpt-4.1" || out.StopReason != "completed" || out.UpstreamRequestID == "" {
		t.Errorf("answer = %+v usage %+v", out, out.Usage)
	}
}

// TestResponsesUpstreamFailures: what ends a native attempt, so the loop
// can fall back: an HTTP error, a body that is not a response, a stream
// error event, a stream cut before response.completed.
func TestResponsesUpstreamFailures(t *testing.T) {
	tests := []struct {
		name   string
		fault  openaifake.Fault
		stream bool
		class  provider.Class
	}{
		{"503", openaifake.Fault{Kind: openaifake.Status, Status: 503}, false, provider.ClassServer},
		{"malformed", openaifake.Fault{Kind: openaifake.Malformed}, false, provider.ClassBadResponse},
		{"error event", openaifake.Fault{Kind: openaifake.ErrorEvent, After: 5}, true, provider.ClassServer},
		{"cut", openaifake.Fault{Kind: openaifake.CutStream, After: 5}, true, provider.ClassNetwork},
		{"no response.completed", openaifake.Fault{Kind: openaifake.NoDone}, true, provider.ClassNetwork},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := openaifake.New(t)
			fake.Script("gpt-4.1", tc.fault)
			p := newResponder(t, fake, "openai")
			call := &provider.NativeCall{Model: "gpt-4.1", Body: []byte(`{"model":"x","input":"hi"}`), Stream: tc.stream}
			var err error
			if tc.stream {
				s, serr := p.ResponsesStream(context.Background(), call)
				if serr != nil {
					t.Fatal(serr)
				}
				n := 0
				for s.Next() {
					n++
				}
				err = s.Err()
				s.Close()
				if n != tc.fault.After && tc.fault.Kind != openaifake.NoDone {
					t.Errorf("relayed %d events before the failure, want %d", n, tc.fault.After)
				}
			} else {
				_, err = p.Responses(context.Background(), call)
			}
			var pe *provider.Error
			if !errors.As(err, &pe) || pe.Class != tc.class {
				t.Fatalf("err = %v, want class %s", err, tc.class)
			}
		})
	}
}
