package httpapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/switchyard-llm/switchyard/internal/fakes/anthropicfake"
	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
)

func hello(model string) anthropic.MessageNewParams {
	return anthropic.MessageNewParams{Model: anthropic.Model(model), MaxTokens: 1024,
		System:   []anthropic.TextBlockParam{{Text: "Be brief.", CacheControl: anthropic.NewCacheControlEphemeralParam()}},
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Hello!"))}}
}

// TestMessagesSDK: the official Anthropic SDK, unmodified but for its base
// URL, gets a Message from a native target (the caller's body passed
// through, anthropic-beta forwarded) and from a translated one, streamed
// and not, with the routing headers.
func TestMessagesSDK(t *testing.T) {
	tests := []struct {
		name, model, target, text string
		stream                    bool
		input, output             int64
	}{
		{"native", "native", "ant/claude-sonnet-4-5", "Hello!", false, 12, 6},
		{"native stream", "native", "ant/claude-sonnet-4-5", "Hello!", true, 25, 15},
		{"translated", "translated", "up/m1", "Hello! How can I assist you today?", false, 19, 10},
		{"translated stream", "translated", "up/m1", "Hello! How can I help?", true, 9, 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newMessagesHarness(t)
			c := h.client(option.WithHeader("anthropic-beta", "prompt-caching-2024-07-31"))
			var raw *http.Response
			var msg anthropic.Message
			if tc.stream {
				s := c.Messages.NewStreaming(context.Background(), hello(tc.model), option.WithResponseInto(&raw))
				for s.Next() {
					if err := msg.Accumulate(s.Current()); err != nil {
						t.Fatalf("accumulate: %v", err)
					}
				}
				if err := s.Err(); err != nil {
					t.Fatalf("stream: %v", err)
				}
			} else {
				m, err := c.Messages.New(context.Background(), hello(tc.model), option.WithResponseInto(&raw))
				if err != nil {
					t.Fatalf("SDK: %v", err)
				}
				msg = *m
			}
			if len(msg.Content) != 1 || msg.Content[0].Text != tc.text || msg.StopReason != anthropic.StopReasonEndTurn {
				t.Errorf("message %+v", msg)
			}
			if msg.Usage.InputTokens != tc.input || msg.Usage.OutputTokens != tc.output {
				t.Errorf("usage %+v, want %d in, %d out", msg.Usage, tc.input, tc.output)
			}
			if got := raw.Header.Get("x-switchyard-target"); got != tc.target {
				t.Errorf("x-switchyard-target %q, want %q", got, tc.target)
			}
			// Priced from the usage read from the answer: 3/15 USD per Mtok
			// natively (12 in, 6 out), 1/2 translated (19 in, 10 out).
			if want := map[string]string{"native": "0.000126", "translated": "0.000039"}[tc.name]; want != "" && raw.Header.Get("x-switchyard-cost-usd") != want {
				t.Errorf("cost %q, want %q", raw.Header.Get("x-switchyard-cost-usd"), want)
			}
			if tc.model != "native" {
				return
			}
			reqs := h.ant.Requests()
			if len(reqs) != 1 {
				t.Fatalf("anthropic got %d requests", len(reqs))
			}
			got := reqs[0]
			if got.Model != "claude-sonnet-4-5" || got.Header.Get("anthropic-beta") != "prompt-caching-2024-07-31" {
				t.Errorf("upstream model %q, beta %q", got.Model, got.Header.Get("anthropic-beta"))
			}
			// cache_control reached Anthropic: nothing of the caller's body is lost.
			if !strings.Contains(string(got.Raw), `"cache_control":{"type":"ephemeral"}`) {
				t.Errorf("upstream body lost cache_control: %s", got.Raw)
			}
		})
	}
}

// TestMessagesSDKTools: tool definitions, tool_choice and tool_use answers
// in both directions, native and translated, streamed and not.
func TestMessagesSDKTools(t *testing.T) {
	params := func(model string) anthropic.MessageNewParams {
		p := hello(model)
		p.Tools = []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{Name: "get_weather", Description: anthropic.String("Weather of a city"),
			InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{"location": map[string]any{"type": "string"}}, Required: []string{"location"}}}}}
		p.ToolChoice = anthropic.ToolChoiceUnionParam{OfAny: &anthropic.ToolChoiceAnyParam{}}
		return p
	}
	for _, stream := range []bool{false, true} {
		for _, native := range []bool{true, false} {
			name := map[bool]string{true: "native", false: "translated"}[native]
			t.Run(name+map[bool]string{true: " stream", false: ""}[stream], func(t *testing.T) {
				h := newMessagesHarness(t)
				h.ant.Script("claude-sonnet-4-5", anthropicfake.Tools())
				h.oai.Script("m1", openaifake.Fault{Kind: openaifake.Tools})
				var msg anthropic.Message
				if stream {
					s := h.client().Messages.NewStreaming(context.Background(), params(name))
					for s.Next() {
						if err := msg.Accumulate(s.Current()); err != nil {
							t.Fatal(err)
						}
					}
					if err := s.Err(); err != nil {
						t.Fatal(err)
					}
				} else {
					m, err := h.client().Messages.New(context.Background(), params(name))
					if err != nil {
						t.Fatal(err)
					}
					msg = *m
				}
				var uses []anthropic.ToolUseBlock
				for _, b := range msg.Content {
					if b.Type == "tool_use" {
						uses = append(uses, b.AsToolUse())
					}
				}
				if len(uses) == 0 || msg.StopReason != anthropic.StopReasonToolUse {
					t.Fatalf("no tool_use: %+v", msg)
				}
				if !strings.Contains(string(uses[0].Input), "location") || uses[0].ID == "" || uses[0].Name == "" {
					t.Errorf("tool_use %+v input %s", uses[0], uses[0].Input)
				}
				if native {
					return
				}
				// The chat upstream got the tool as a function and any as required.
				req := h.oai.Requests()[0]
				if req["tool_choice"] != "required" || !strings.Contains(mustJSON(req["tools"]), `"name":"get_weather"`) {
					t.Errorf("chat request %v", req)
				}
			})
		}
	}
}

// TestMessagesSDKThinking: a native target's thinking blocks, signatures
// and redacted thinking reach the SDK untouched; the streamed thinking
// (signature_delta) too.
func TestMessagesSDKThinking(t *testing.T) {
	h := newMessagesHarness(t)
	h.ant.Script("claude-sonnet-4-5", anthropicfake.Reply{File: "responses/thinking.json"}, anthropicfake.Reply{StreamFile: "streams/thinking_parallel_tools.sse"})
	p := hello("native")
	p.MaxTokens = 4096
	p.Thinking = anthropic.ThinkingConfigParamOfEnabled(2048)
	m, err := h.client().Messages.New(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Content) != 3 || m.Content[0].Type != "thinking" || m.Content[0].Signature == "" || m.Content[1].Type != "redacted_thinking" || m.Content[1].Data == "" {
		t.Errorf("thinking answer %+v", m.Content)
	}
	if !strings.Contains(string(h.ant.Requests()[0].Raw), `"thinking":{"budget_tokens":2048,"type":"enabled"}`) {
		t.Errorf("thinking config not passed through: %s", h.ant.Requests()[0].Raw)
	}
	var acc anthropic.Message
	s := h.client().Messages.NewStreaming(context.Background(), p)
	for s.Next() {
		if err := acc.Accumulate(s.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if len(acc.Content) < 2 || acc.Content[0].Type != "thinking" || acc.Content[0].Signature == "" || acc.Usage.CacheReadInputTokens != 1024 {
		t.Errorf("streamed thinking %+v usage %+v", acc.Content, acc.Usage)
	}
}

// TestMessagesCountTokens: count_tokens through the SDK: a native target
// counts (Anthropic's answer relayed), a translated one gets the gateway's
// estimate, and counting costs nothing.
func TestMessagesCountTokens(t *testing.T) {
	h := newMessagesHarness(t)
	params := func(model string) anthropic.MessageCountTokensParams {
		return anthropic.MessageCountTokensParams{Model: anthropic.Model(model),
			System:   anthropic.MessageCountTokensParamsSystemUnion{OfTextBlockArray: []anthropic.TextBlockParam{{Text: "Be brief."}}},
			Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(strings.Repeat("word ", 400)))}}
	}
	var raw *http.Response
	n, err := h.client().Messages.CountTokens(context.Background(), params("native"), option.WithResponseInto(&raw))
	if err != nil {
		t.Fatal(err)
	}
	if n.InputTokens != 2095 || raw.Header.Get("x-switchyard-target") != "ant/claude-sonnet-4-5" || raw.Header.Get("x-switchyard-cost-usd") != "0" {
		t.Errorf("native count %d, headers %v", n.InputTokens, raw.Header)
	}
	if reqs := h.ant.Requests(); len(reqs) != 1 || reqs[0].Header.Get("x-api-key") != anthropicfake.APIKey {
		t.Errorf("count_tokens upstream requests %v", reqs)
	}
	n, err = h.client().Messages.CountTokens(context.Background(), params("translated"), option.WithResponseInto(&raw))
	if err != nil {
		t.Fatal(err)
	}
	if n.InputTokens < 400 || n.InputTokens > 2000 || raw.Header.Get("x-switchyard-target") != "up/m1" {
		t.Errorf("estimated count %d, target %q", n.InputTokens, raw.Header.Get("x-switchyard-target"))
	}
	if h.oai.Hits("m1") != 0 {
		t.Error("a translated count_tokens called the upstream")
	}
}

// TestMessagesFallback: a native target failing (529 overloaded) falls back
// to the translated one, non-streamed and streamed; the SDK sees the
// answer and the headers say fallback.
func TestMessagesFallback(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(map[bool]string{false: "complete", true: "stream"}[stream], func(t *testing.T) {
			h := newMessagesHarness(t)
			h.ant.Script("claude-sonnet-4-5", anthropicfake.Overloaded())
			var raw *http.Response
			var msg anthropic.Message
			if stream {
				s := h.client().Messages.NewStreaming(context.Background(), hello("claude-sonnet-4-5"), option.WithResponseInto(&raw))
				for s.Next() {
					_ = msg.Accumulate(s.Current())
				}
				if err := s.Err(); err != nil {
					t.Fatal(err)
				}
			} else {
				m, err := h.client().Messages.New(context.Background(), hello("claude-sonnet-4-5"), option.WithResponseInto(&raw))
				if err != nil {
					t.Fatal(err)
				}
				msg = *m
			}
			if len(msg.Content) == 0 || !strings.HasPrefix(msg.Content[0].Text, "Hello!") {
				t.Errorf("message %+v", msg)
			}
			if raw.Header.Get("x-switchyard-target") != "up/m1" || raw.Header.Get("x-switchyard-fallback") != "true" || raw.Header.Get("x-switchyard-attempts") != "2" {
				t.Errorf("headers %v", raw.Header)
			}
		})
	}
}

// TestMessagesErrors: the SDK sees Anthropic's error types and statuses,
// with the attempts in the body.
func TestMessagesErrors(t *testing.T) {
	tests := []struct {
		name   string
		model  string
		script func(h *mharness)
		status int
		typ    string
	}{
		{"unknown model", "claude-nope", nil, 404, "not_found_error"},
		{"upstream auth failure", "native", func(h *mharness) {
			h.ant.Script("claude-sonnet-4-5", anthropicfake.Reply{Status: 401, File: "errors/authentication.json"})
		}, 502, "api_error"},
		{"every target overloaded", "translated", func(h *mharness) {
			h.oai.Script("m1", openaifake.Fault{Kind: openaifake.Status, Status: 503})
			h.oai.Script("m2", openaifake.Fault{Kind: openaifake.Status, Status: 503})
		}, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newMessagesHarness(t)
			if tc.script != nil {
				tc.script(h)
			}
			_, err := h.client().Messages.New(context.Background(), hello(tc.model))
			var ae *anthropic.Error
			if !errors.As(err, &ae) {
				t.Fatalf("err %v is not an *anthropic.Error", err)
			}
			if tc.status != 0 && (ae.StatusCode != tc.status || string(ae.Type()) != tc.typ) {
				t.Errorf("status %d type %q, want %d %q (%s)", ae.StatusCode, ae.Type(), tc.status, tc.typ, ae.RawJSON())
			}
			if tc.status == 0 && (ae.StatusCode < 500 || ae.Type() == "") {
				t.Errorf("status %d type %q (%s)", ae.StatusCode, ae.Type(), ae.RawJSON())
			}
			e := decodeAnthropicErr(t, []byte(ae.RawJSON()))
			if tc.script != nil && len(e.Error.Attempts) == 0 {
				t.Errorf("no attempts in %s", ae.RawJSON())
			}
		})
	}
}

// TestMessagesBadRequests: what the Messages API refuses is refused before
// any upstream call, in Anthropic's envelope.
func TestMessagesBadRequests(t *testing.T) {
	tests := []struct{ name, path, body, param string }{
		{"no max_tokens", "/v1/messages", `{"model":"native","messages":[{"role":"user","content":"hi"}]}`, "max_tokens"},
		{"max_tokens over the cap", "/v1/messages", `{"model":"native","max_tokens":10000001,"messages":[{"role":"user","content":"hi"}]}`, "max_tokens"},
		{"system role", "/v1/messages", `{"model":"native","max_tokens":5,"messages":[{"role":"system","content":"hi"}]}`, "messages.0.role"},
		{"not JSON", "/v1/messages", `{"model":`, "body"},
		{"count without messages", "/v1/messages/count_tokens", `{"model":"native"}`, "messages"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newMessagesHarness(t)
			resp, body := h.post(tc.path, []byte(tc.body))
			e := decodeAnthropicErr(t, body)
			if resp.StatusCode != 400 || e.Error.Type != "invalid_request_error" || !strings.Contains(e.Error.Message, tc.param) {
				t.Errorf("%d %s", resp.StatusCode, body)
			}
			if len(h.ant.Requests()) != 0 || h.oai.Hits("m1") != 0 {
				t.Error("an upstream was called")
			}
		})
	}
	t.Run("wrong method", func(t *testing.T) {
		h := newMessagesHarness(t)
		resp, err := http.Get(h.srv.URL + "/v1/messages")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 405 || !strings.Contains(string(b), `"type":"error"`) {
			t.Errorf("%d %s", resp.StatusCode, b)
		}
	})
}

// TestMessagesBudgetNoRetry: a budget 429 carries x-should-retry: false,
// and the SDK, allowed two retries, sends the request once.
func TestMessagesBudgetNoRetry(t *testing.T) {
	h := newMessagesHarness(t)
	_, err := h.client(option.WithMaxRetries(2)).Messages.New(context.Background(), hello("capped"))
	var ae *anthropic.Error
	if !errors.As(err, &ae) {
		t.Fatalf("err %v", err)
	}
	if ae.StatusCode != 429 || ae.Type() != "rate_limit_error" || ae.Response.Header.Get("x-should-retry") != "false" {
		t.Errorf("status %d type %q headers %v", ae.StatusCode, ae.Type(), ae.Response.Header)
	}
	if e := decodeAnthropicErr(t, []byte(ae.RawJSON())); e.Error.Code != "budget_exceeded" {
		t.Errorf("code %q", e.Error.Code)
	}
	if n := h.calls.Load(); n != 1 {
		t.Errorf("the SDK sent %d requests, want 1", n)
	}
	if h.oai.Hits("m1") != 0 {
		t.Error("the upstream was called over budget")
	}
}

// TestMessagesStreamFailsAfterCommit: an upstream failing after the
// stream started ends it with Anthropic's error event, which the SDK
// reports as the stream's error: native (Anthropic's own error event
// relayed as the gateway's) and translated (a chat stream cut).
func TestMessagesStreamFailsAfterCommit(t *testing.T) {
	tests := []struct {
		name, model string
		script      func(h *mharness)
		text, typ   string
	}{
		{"native", "native", func(h *mharness) { h.ant.Script("claude-sonnet-4-5", anthropicfake.ErrorMidStream()) }, "Once upon", "overloaded_error"},
		{"translated", "translated", func(h *mharness) { h.oai.Script("m1", openaifake.Fault{Kind: openaifake.CutStream, After: 3}) }, "Hello!", "api_error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newMessagesHarness(t)
			tc.script(h)
			var acc anthropic.Message
			var raw *http.Response
			s := h.client().Messages.NewStreaming(context.Background(), hello(tc.model), option.WithResponseInto(&raw))
			for s.Next() {
				_ = acc.Accumulate(s.Current())
			}
			err := s.Err()
			// The error event's type: the native upstream's own, else by status.
			if err == nil || !strings.Contains(err.Error(), tc.typ) {
				t.Fatalf("stream error %v, want type %s", err, tc.typ)
			}
			if len(acc.Content) == 0 || acc.Content[0].Text != tc.text {
				t.Errorf("content before the failure %+v", acc.Content)
			}
			if raw.StatusCode != 200 || raw.Header.Get("x-switchyard-attempts") != "1" {
				t.Errorf("status %d headers %v", raw.StatusCode, raw.Header)
			}
		})
	}
}
