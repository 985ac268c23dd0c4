package bedrock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/fakes/bedrockfake"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

const (
	claudeModel   = "anthropic.claude-sonnet-4-20250514-v1:0"
	claudeProfile = "us.anthropic.claude-sonnet-4-20250514-v1:0"
	messagesBody  = `{"model":"claude-sonnet-4","max_tokens":256,"stream":true,"system":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],` +
		`"messages":[{"role":"user","content":"Capital of Italy?"}],"thinking":{"type":"enabled","budget_tokens":1024}}`
)

func nativeCall(model, body string, header http.Header) *provider.NativeCall {
	return &provider.NativeCall{Model: model, Body: []byte(body), Header: header, RequestID: "req-1"}
}

// sentBody is the JSON object the fake received as the last request's
// body (for count-tokens, the InvokeModel body inside it).
func sentBody(t *testing.T, f *bedrockfake.Fake) map[string]any {
	t.Helper()
	reqs := f.Requests()
	if len(reqs) == 0 {
		t.Fatal("the fake received no request")
	}
	body := reqs[len(reqs)-1].Body
	if reqs[len(reqs)-1].Op == "count-tokens" {
		var ct struct {
			Input struct {
				InvokeModel struct {
					Body []byte `json:"body"`
				} `json:"invokeModel"`
			} `json:"input"`
		}
		if err := json.Unmarshal(body, &ct); err != nil {
			t.Fatal(err)
		}
		body = ct.Input.InvokeModel.Body
	}
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil {
		t.Fatalf("sent body is not JSON: %v\n%s", err, body)
	}
	return obj
}

func TestNativeMessagesModels(t *testing.T) {
	tests := map[string]bool{
		claudeModel:   true,
		claudeProfile: true,
		"global.anthropic.claude-sonnet-4-5-v1:0":                                                              true,
		"eu.anthropic.claude-3-7-sonnet-20250219-v1:0":                                                         true,
		"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0": true,
		"amazon.nova-pro-v1:0":               false,
		"meta.llama3-70b-instruct-v1:0":      false,
		"us.meta.llama3-2-90b-instruct-v1:0": false,
		"amazon.titan-embed-text-v2:0":       false,
		"anthropic.claude":                   false,
		"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123": false,
	}
	c := &Client{}
	for model, want := range tests {
		if got := c.NativeMessages(model); got != want {
			t.Errorf("NativeMessages(%q) = %v, want %v", model, got, want)
		}
	}
}

func TestBaseModel(t *testing.T) {
	tests := map[string]string{
		claudeModel:   claudeModel,
		claudeProfile: claudeModel,
		"global.anthropic.claude-sonnet-4-5-v1:0":                                                      "anthropic.claude-sonnet-4-5-v1:0",
		"arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-3-7-sonnet-v1:0": "anthropic.claude-3-7-sonnet-v1:0",
		"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-v1:0":                    "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-v1:0",
		"amazon.nova-pro-v1:0": "amazon.nova-pro-v1:0",
	}
	for in, want := range tests {
		if got := baseModel(in); got != want {
			t.Errorf("baseModel(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMessagesBody: the InvokeModel body is the caller's with model and
// stream removed, Bedrock's anthropic_version, and the anthropic-beta
// header values as an anthropic_beta array; everything else (cache_control,
// thinking) reaches Bedrock untouched; the caller's body is not modified.
func TestMessagesBody(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		header    http.Header
		wantBetas []any // nil: no anthropic_beta member
	}{
		{"no beta", messagesBody, nil, nil},
		{"beta header values, repeated and comma-separated", messagesBody,
			http.Header{"Anthropic-Beta": {"interleaved-thinking-2025-05-14, token-efficient-tools-2025-02-19", "context-1m-2025-08-07"}},
			[]any{"interleaved-thinking-2025-05-14", "token-efficient-tools-2025-02-19", "context-1m-2025-08-07"}},
		{"body betas kept, header adds the missing ones",
			`{"max_tokens":5,"messages":[{"role":"user","content":"x"}],"anthropic_beta":["context-1m-2025-08-07"]}`,
			http.Header{"Anthropic-Beta": {"context-1m-2025-08-07,computer-use-2025-01-24"}},
			[]any{"context-1m-2025-08-07", "computer-use-2025-01-24"}},
		// Claude Code's first-party betas: Bedrock refuses a request naming
		// any beta it does not know, so those are dropped, the rest kept.
		{"header betas Bedrock does not take are dropped", messagesBody,
			http.Header{"Anthropic-Beta": {"claude-code-20250219,oauth-2025-04-20,interleaved-thinking-2025-05-14,prompt-caching-scope-2026-01-05"}},
			[]any{"interleaved-thinking-2025-05-14"}},
		{"only unknown header betas: no anthropic_beta", messagesBody,
			http.Header{"Anthropic-Beta": {"claude-code-20250219,fast-mode-2026-02-01"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			c := newTestClient(t, f, provider.Env{})
			call := nativeCall(claudeModel, tt.body, tt.header)
			orig := append([]byte(nil), call.Body...)
			if _, err := c.Messages(context.Background(), call); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(call.Body, orig) {
				t.Errorf("the caller's body was modified")
			}
			got := sentBody(t, f)
			var want map[string]any
			_ = json.Unmarshal([]byte(tt.body), &want)
			delete(want, "model")
			delete(want, "stream")
			want["anthropic_version"] = "bedrock-2023-05-31"
			if tt.wantBetas != nil {
				want["anthropic_beta"] = tt.wantBetas
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("sent body\n%v\nwant\n%v", got, want)
			}
			if r := f.Requests()[0]; r.Op != "invoke" || r.Model != claudeModel {
				t.Errorf("sent %s to %s, want invoke to %s", r.Op, r.Model, claudeModel)
			}
		})
	}
}

// TestMessagesResponse: the Anthropic message is relayed byte for byte,
// with its usage (cache reads and writes included in prompt tokens),
// model, stop reason and Bedrock's request id read out.
func TestMessagesResponse(t *testing.T) {
	tests := []struct {
		name, fixture, wantStop string
		wantUsage               *chat.Usage
	}{
		{"text with cache", "claude_text", "end_turn", &chat.Usage{PromptTokens: 21 + 3400 + 1200, CompletionTokens: 14, TotalTokens: 4635,
			PromptTokensDetails: &chat.PromptTokensDetails{CachedTokens: 3400, CacheWriteTokens: 1200}}},
		{"thinking and tool use", "claude_tool_use", "tool_use", &chat.Usage{PromptTokens: 310, CompletionTokens: 62, TotalTokens: 372,
			PromptTokensDetails: &chat.PromptTokensDetails{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.SetReply(bedrockfake.ClaudeMessage(tt.fixture))
			c := newTestClient(t, f, provider.Env{})
			resp, err := c.Messages(context.Background(), nativeCall(claudeProfile, messagesBody, nil))
			if err != nil {
				t.Fatal(err)
			}
			want, _ := bedrockfake.Fixture("invoke/" + tt.fixture + ".json")
			if !bytes.Equal(resp.Body, want) {
				t.Errorf("body not relayed as received:\n%s\nwant\n%s", resp.Body, want)
			}
			if !reflect.DeepEqual(resp.Usage, tt.wantUsage) {
				t.Errorf("usage = %+v, want %+v", resp.Usage, tt.wantUsage)
			}
			if resp.StopReason != tt.wantStop || resp.Model != "claude-sonnet-4-20250514" || resp.UpstreamRequestID != fakeRequestID {
				t.Errorf("stop %q model %q request id %q", resp.StopReason, resp.Model, resp.UpstreamRequestID)
			}
		})
	}
}

// TestMessagesErrors: each failure before an answer, with its class.
func TestMessagesErrors(t *testing.T) {
	tests := []struct {
		name      string
		model     string
		body      string
		header    http.Header
		reply     bedrockfake.Reply
		want      provider.Class
		wantSent  bool
		wantParam string
	}{
		{"throttled", claudeModel, messagesBody, nil, bedrockfake.Throttled(), provider.ClassRateLimit, true, ""},
		{"service unavailable", claudeModel, messagesBody, nil, bedrockfake.ServiceUnavailable(), provider.ClassServer, true, ""},
		{"access denied", claudeModel, messagesBody, nil, apiError(403, "AccessDeniedException", "You don't have access to the model with the specified model ID.", nil), provider.ClassAuth, true, ""},
		{"prompt too long", claudeModel, messagesBody, nil, apiError(400, "ValidationException", "prompt is too long: 215000 tokens > 200000 maximum", nil), provider.ClassContextLength, true, ""},
		{"validation", claudeModel, messagesBody, nil, apiError(400, "ValidationException", "messages: roles must alternate", nil), provider.ClassInvalidRequest, true, ""},
		{"model timeout", claudeModel, messagesBody, nil, apiError(408, "ModelTimeoutException", "Model has timed out.", nil), provider.ClassTimeout, true, ""},
		{"not an Anthropic message", claudeModel, messagesBody, nil, bedrockfake.ClaudeMessage("not_a_message"), provider.ClassBadResponse, true, ""},
		{"HTML 502 from a proxy", claudeModel, messagesBody, nil, bedrockfake.Reply{Status: 502, File: "errors/bad_gateway.html", ContentType: "text/html"}, provider.ClassServer, true, ""},
		{"cut connection", claudeModel, messagesBody, nil, bedrockfake.Reply{File: "invoke/claude_text.json", Cut: true}, provider.ClassNetwork, true, ""},
		{"not a Claude model", "amazon.nova-pro-v1:0", messagesBody, nil, bedrockfake.Reply{}, provider.ClassUnsupported, false, ""},
		{"body not an object", claudeModel, `[1,2]`, nil, bedrockfake.Reply{}, provider.ClassInvalidRequest, false, ""},
		{"anthropic_beta not an array", claudeModel, `{"max_tokens":1,"messages":[{"role":"user","content":"x"}],"anthropic_beta":"x"}`,
			http.Header{"Anthropic-Beta": {"y"}}, bedrockfake.Reply{}, provider.ClassInvalidRequest, false, "anthropic_beta"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.SetReply(tt.reply)
			c := newTestClient(t, f, provider.Env{})
			_, err := c.Messages(context.Background(), nativeCall(tt.model, tt.body, tt.header))
			var pe *provider.Error
			if !errors.As(err, &pe) || pe.Class != tt.want {
				t.Fatalf("err = %v, want a *provider.Error of class %s", err, tt.want)
			}
			if sent := len(f.Requests()) > 0; sent != tt.wantSent {
				t.Errorf("request sent upstream = %v, want %v", sent, tt.wantSent)
			}
			if pe.Param != tt.wantParam {
				t.Errorf("param = %q, want %q", pe.Param, tt.wantParam)
			}
			if tt.wantSent && tt.want != provider.ClassNetwork && pe.RequestID != fakeRequestID {
				t.Errorf("request id = %q, want Bedrock's", pe.RequestID)
			}
		})
	}
}

// TestCountTokens: CountTokens sends the InvokeModel body (with a
// max_tokens the count needs and the caller's betas) to the base model of
// an inference profile, which Bedrock requires, and returns its count.
func TestCountTokens(t *testing.T) {
	body := `{"model":"claude-sonnet-4","system":"Be brief.","messages":[{"role":"user","content":"Capital of Italy?"}]}`
	for _, model := range []string{claudeModel, claudeProfile} {
		t.Run(model, func(t *testing.T) {
			f := newFake(t)
			f.SetReply(bedrockfake.Reply{InputTokens: 17})
			c := newTestClient(t, f, provider.Env{})
			n, err := c.CountTokens(context.Background(), nativeCall(model, body, http.Header{"Anthropic-Beta": {"context-1m-2025-08-07"}}))
			if err != nil {
				t.Fatal(err)
			}
			if n != 17 {
				t.Errorf("count = %d, want 17", n)
			}
			r := f.Requests()[0]
			if r.Op != "count-tokens" || r.Model != claudeModel {
				t.Errorf("sent %s to %s, want count-tokens to %s", r.Op, r.Model, claudeModel)
			}
			got := sentBody(t, f)
			want := map[string]any{"anthropic_version": "bedrock-2023-05-31", "max_tokens": float64(1), "system": "Be brief.",
				"messages": []any{map[string]any{"role": "user", "content": "Capital of Italy?"}}, "anthropic_beta": []any{"context-1m-2025-08-07"}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("counted body %v, want %v", got, want)
			}
		})
	}
	t.Run("errors", func(t *testing.T) {
		tests := []struct {
			name  string
			model string
			reply bedrockfake.Reply
			want  provider.Class
		}{
			{"throttled", claudeModel, bedrockfake.Throttled(), provider.ClassRateLimit},
			// Refusals another target may not meet move on, and an
			// access denial for CountTokens does not mark the target
			// unhealthy (class auth would).
			{"model without counting", claudeModel, apiError(400, "ValidationException", "The provided model doesn't support counting tokens.", nil), provider.ClassUnsupported},
			{"role without bedrock:CountTokens", claudeModel, apiError(403, "AccessDeniedException", "User is not authorized to perform: bedrock:CountTokens", nil), provider.ClassUnsupported},
			{"other validation", claudeModel, apiError(400, "ValidationException", "messages: roles must alternate", nil), provider.ClassInvalidRequest},
			{"bad credentials", claudeModel, apiError(403, "UnrecognizedClientException", "The security token included in the request is invalid.", nil), provider.ClassAuth},
			{"not a Claude model", "amazon.nova-pro-v1:0", bedrockfake.Reply{}, provider.ClassUnsupported},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f := newFake(t)
				f.SetReply(tt.reply)
				c := newTestClient(t, f, provider.Env{})
				_, err := c.CountTokens(context.Background(), nativeCall(tt.model, body, nil))
				var pe *provider.Error
				if !errors.As(err, &pe) || pe.Class != tt.want {
					t.Fatalf("err = %v, want class %s", err, tt.want)
				}
			})
		}
	})
}
