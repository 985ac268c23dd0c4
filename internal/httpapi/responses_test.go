package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/fakes/anthropicfake"
	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	_ "github.com/switchyard-llm/switchyard/internal/provider/anthropic"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// responsesConfig has a native OpenAI target (oa, type openai), an
// OpenAI-compatible one (compat, translated) on the same fake, and an
// Anthropic one (ant, translated).
const responsesConfig = `
providers:
  oa: {type: openai, base_url: OAI_URL, api_key: env:RESP_OPENAI_API_KEY}
  compat: {type: openai-compatible, base_url: OAI_URL, api_key: env:RESP_OPENAI_API_KEY}
  ant: {type: anthropic, base_url: ANT_URL, api_key: env:RESP_ANTHROPIC_API_KEY}
models:
  oa/gpt-4.1: {input_per_mtok: 2, output_per_mtok: 8}
  compat/m1: {input_per_mtok: 1, output_per_mtok: 2}
  ant/claude-haiku-4-5: {input_per_mtok: 1, output_per_mtok: 5}
routers:
  native_first:
    strategy: fallback
    targets: [{model: oa/gpt-4.1}, {model: ant/claude-haiku-4-5}]
  compat_first:
    strategy: fallback
    targets: [{model: compat/m1}, {model: ant/claude-haiku-4-5}]
  translated_only:
    strategy: fallback
    targets: [{model: compat/m1}, {model: ant/claude-haiku-4-5}]
  tools_mixed:
    strategy: fallback
    targets: [{model: compat/m1}, {model: oa/gpt-4.1}]
  capped: {strategy: fallback, targets: [{model: compat/m1}]}
budgets:
  - {name: tiny, scope: "router:capped", limit_usd: 0.0000001, period: day, on_exceed: reject}
  - {name: nat, scope: "router:native_first", limit_usd: 100, period: day, on_exceed: reject}
`

type respGateway struct {
	oai *openaifake.Fake
	ant *anthropicfake.Fake
	srv *httptest.Server
}

func newRespGateway(t *testing.T) *respGateway {
	t.Helper()
	g := &respGateway{oai: openaifake.New(t), ant: anthropicfake.New(t)}
	g.oai.APIKey = "sk-resp-openai"
	t.Setenv("RESP_OPENAI_API_KEY", g.oai.APIKey)
	t.Setenv("RESP_ANTHROPIC_API_KEY", anthropicfake.APIKey)
	yml := strings.ReplaceAll(responsesConfig, "OAI_URL", g.oai.BaseURL())
	yml = strings.ReplaceAll(yml, "ANT_URL", g.ant.BaseURL())
	cfg, err := config.Parse([]byte(yml))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	st := store.NewMemory()
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	src, err := configsource.FromConfig(cfg, engine.Deps{Store: st, Logger: log, Seed: 42,
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	t.Cleanup(func() { src.Engine().Close() })
	g.srv = httptest.NewServer(httpapi.New(src, httpapi.Options{Logger: log, Store: st}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *respGateway) client(opts ...option.RequestOption) *openai.Client {
	base := []option.RequestOption{option.WithBaseURL(g.srv.URL + "/v1/"), option.WithAPIKey("unused-locally"), option.WithMaxRetries(0)}
	c := openai.NewClient(append(base, opts...)...)
	return &c
}

// lastOpenAI is the last body the OpenAI fake received.
func (g *respGateway) lastOpenAI(t *testing.T) map[string]any {
	t.Helper()
	reqs := g.oai.Requests()
	if len(reqs) == 0 {
		t.Fatal("the OpenAI fake received nothing")
	}
	return reqs[len(reqs)-1]
}

func weatherTool() responses.ToolUnionParam {
	return responses.ToolUnionParam{OfFunction: &responses.FunctionToolParam{
		Name: "get_weather", Description: openai.String("Current weather"), Strict: openai.Bool(false),
		Parameters: map[string]any{"type": "object", "properties": map[string]any{"location": map[string]any{"type": "string"}}},
	}}
}

// TestResponsesSDKTranslated: the openai-go Responses client against an
// OpenAI-compatible target, served by translation to chat: a string input
// and instructions become a system and a user message, max_output_tokens
// max_tokens, and the chat answer comes back as a response object with
// its text and usage.
func TestResponsesSDKTranslated(t *testing.T) {
	g := newRespGateway(t)
	var raw *http.Response
	resp, err := g.client().Responses.New(context.Background(), responses.ResponseNewParams{
		Model:           "compat/m1",
		Input:           responses.ResponseNewParamsInputUnion{OfString: openai.String("Hello!")},
		Instructions:    openai.String("Be brief."),
		MaxOutputTokens: openai.Int(64),
		Temperature:     openai.Float(0.5),
		Store:           openai.Bool(true), // accepted, ignored: nothing is stored
	}, option.WithResponseInto(&raw))
	if err != nil {
		t.Fatalf("SDK call: %v", err)
	}
	if resp.OutputText() != "Hello! How can I assist you today?" || resp.Status != "completed" || !strings.HasPrefix(resp.ID, "resp_") {
		t.Fatalf("response = %s", resp.RawJSON())
	}
	if resp.Usage.InputTokens != 19 || resp.Usage.OutputTokens != 10 || resp.Usage.TotalTokens != 29 {
		t.Errorf("usage = %+v", resp.Usage)
	}
	if resp.Instructions.OfString != "Be brief." || resp.MaxOutputTokens != 64 {
		t.Errorf("settings not echoed: %s", resp.RawJSON())
	}
	if raw.Header.Get("x-switchyard-target") != "compat/m1" || raw.Header.Get("x-switchyard-router") != "direct" {
		t.Errorf("headers = %v", raw.Header)
	}
	up := g.lastOpenAI(t)
	msgs, _ := up["messages"].([]any)
	if len(msgs) != 2 || msgs[0].(map[string]any)["role"] != "system" || msgs[1].(map[string]any)["content"] != "Hello!" {
		t.Errorf("upstream messages = %v", up["messages"])
	}
	if up["max_tokens"] != float64(64) || up["temperature"] != 0.5 || up["input"] != nil || up["store"] != nil {
		t.Errorf("upstream body = %v", up)
	}
}

// TestResponsesSDKNative: a type openai target gets the caller's body as
// sent (items, tools, include...) at /responses, with the model replaced
// and the gateway's router field removed; its response object is relayed
// as received.
func TestResponsesSDKNative(t *testing.T) {
	g := newRespGateway(t)
	var raw *http.Response
	resp, err := g.client().Responses.New(context.Background(), responses.ResponseNewParams{
		Model: "router/native_first",
		Input: responses.ResponseNewParamsInputUnion{OfInputItemList: responses.ResponseInputParam{
			responses.ResponseInputItemParamOfMessage("Tell me a story.", responses.EasyInputMessageRoleUser),
		}},
		Include: []responses.ResponseIncludable{responses.ResponseIncludableMessageOutputTextLogprobs},
		Tools:   []responses.ToolUnionParam{{OfWebSearch: &responses.WebSearchToolParam{Type: responses.WebSearchToolTypeWebSearch}}},
	}, option.WithResponseInto(&raw))
	if err != nil {
		t.Fatalf("SDK call: %v", err)
	}
	if resp.ID != "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b" || !strings.HasPrefix(resp.OutputText(), "In a peaceful grove") {
		t.Fatalf("not relayed: %s", resp.RawJSON())
	}
	if raw.Header.Get("x-switchyard-target") != "oa/gpt-4.1" || raw.Header.Get("x-switchyard-fallback") != "false" {
		t.Errorf("headers = %v", raw.Header)
	}
	up := g.lastOpenAI(t)
	if up["model"] != "gpt-4.1" || up["include"] == nil || up["tools"].([]any)[0].(map[string]any)["type"] != "web_search" {
		t.Errorf("upstream body = %v", up)
	}
	if g.oai.Hits("gpt-4.1") != 1 || g.ant.Hits("claude-haiku-4-5") != 0 {
		t.Errorf("hits: openai %d anthropic %d", g.oai.Hits("gpt-4.1"), g.ant.Hits("claude-haiku-4-5"))
	}
}

// TestResponsesSDKFunctionRoundTrip: function tools through a translated
// target (Anthropic): the tool_use answer comes back as function_call
// items, and the next turn's function_call and function_call_output items
// reach Anthropic as tool_use and tool_result blocks.
func TestResponsesSDKFunctionRoundTrip(t *testing.T) {
	g := newRespGateway(t)
	g.ant.Script("claude-haiku-4-5", anthropicfake.Tools())
	client := g.client()
	first, err := client.Responses.New(context.Background(), responses.ResponseNewParams{
		Model: "ant/claude-haiku-4-5",
		Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("Weather in SF?")},
		Tools: []responses.ToolUnionParam{weatherTool()},
	})
	if err != nil {
		t.Fatalf("first turn: %v", err)
	}
	var calls []responses.ResponseOutputItemUnion
	for _, it := range first.Output {
		if it.Type == "function_call" {
			calls = append(calls, it)
		}
	}
	if len(calls) != 2 || calls[0].Name != "get_weather" || calls[0].CallID != "toolu_01A09q90qw90lq917835lq9" ||
		!strings.Contains(calls[0].Arguments.OfString, "San Francisco") || !strings.HasPrefix(first.OutputText(), "I'll check") {
		t.Fatalf("first turn output = %s", first.RawJSON())
	}
	items := responses.ResponseInputParam{
		responses.ResponseInputItemParamOfMessage("Weather in SF?", responses.EasyInputMessageRoleUser),
	}
	for _, c := range calls {
		items = append(items, responses.ResponseInputItemParamOfFunctionCall(c.Arguments.OfString, c.CallID, c.Name))
	}
	for _, c := range calls {
		out := responses.ResponseInputItemParamOfFunctionCallOutput(`{"temp_c":18}`)
		out.OfFunctionCallOutput.CallID = openai.String(c.CallID)
		items = append(items, out)
	}
	second, err := client.Responses.New(context.Background(), responses.ResponseNewParams{
		Model: "ant/claude-haiku-4-5",
		Input: responses.ResponseNewParamsInputUnion{OfInputItemList: items},
		Tools: []responses.ToolUnionParam{weatherTool()},
	})
	if err != nil {
		t.Fatalf("second turn: %v", err)
	}
	if second.OutputText() != "Hello!" {
		t.Errorf("second turn = %s", second.RawJSON())
	}
	reqs := g.ant.Requests()
	body := string(reqs[len(reqs)-1].Raw)
	for _, want := range []string{`"type":"tool_use"`, `"id":"toolu_01A09q90qw90lq917835lq9"`, `"type":"tool_result"`,
		`"tool_use_id":"toolu_01B19q90qw90lq917835lq8"`, `{\"temp_c\":18}`} {
		if !strings.Contains(body, want) {
			t.Errorf("anthropic request lacks %s:\n%s", want, body)
		}
	}
}

// TestResponsesErrors: requests the gateway refuses before any upstream,
// in OpenAI's error envelope with the parameter named; a budget refusal is
// a 429 the SDK does not retry.
func TestResponsesErrors(t *testing.T) {
	tests := []struct {
		name, body, param, code string
		status                  int
	}{
		{"previous_response_id", `{"model":"compat/m1","input":"hi","previous_response_id":"resp_1"}`, "previous_response_id", "unsupported_parameter", 400},
		{"conversation", `{"model":"compat/m1","input":"hi","conversation":"conv_1"}`, "conversation", "unsupported_parameter", 400},
		{"no input", `{"model":"compat/m1"}`, "input", "missing_required_parameter", 400},
		{"bad role", `{"model":"compat/m1","input":[{"role":"robot","content":"hi"}]}`, "input[0].role", "invalid_request", 400},
		{"max_output_tokens", `{"model":"compat/m1","input":"hi","max_output_tokens":100000000}`, "max_output_tokens", "integer_above_max_value", 400},
		{"built-in tool, translated targets", `{"model":"router/translated_only","input":"hi","tools":[{"type":"web_search"}]}`, "tools[0].type", "unsupported_parameter", 400},
		{"input_file, translated target", `{"model":"compat/m1","input":[{"role":"user","content":[{"type":"input_file","file_id":"file-1"}]}]}`, "input[0].content[0]", "unsupported_parameter", 400},
		{"too many items", `{"model":"compat/m1","input":[` + strings.Repeat(`{"role":"user","content":"x"},`, 10_000) + `{"role":"user","content":"x"}]}`, "input", "array_above_max_length", 400},
		{"unknown model", `{"model":"nope/x","input":"hi"}`, "model", "model_not_found", 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newRespGateway(t)
			req, _ := http.NewRequest(http.MethodPost, g.srv.URL+"/v1/responses", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var env struct {
				Error struct {
					Message string  `json:"message"`
					Code    *string `json:"code"`
					Param   *string `json:"param"`
				} `json:"error"`
			}
			if err := json.Unmarshal(body, &env); err != nil {
				t.Fatalf("not an error envelope: %s", body)
			}
			if resp.StatusCode != tc.status || env.Error.Param == nil || *env.Error.Param != tc.param || env.Error.Code == nil || *env.Error.Code != tc.code {
				t.Errorf("status %d body %s; want %d param %s code %s", resp.StatusCode, body, tc.status, tc.param, tc.code)
			}
			if g.oai.Hits("m1") != 0 || g.ant.Hits("claude-haiku-4-5") != 0 {
				t.Errorf("an upstream was called")
			}
		})
	}
}

// TestResponsesBuiltinToolsGoNative: a request with a built-in tool skips
// the translated target (it cannot run it) and is served by the native
// one; the caller sees no error.
func TestResponsesBuiltinToolsGoNative(t *testing.T) {
	g := newRespGateway(t)
	var raw *http.Response
	resp, err := g.client().Responses.New(context.Background(), responses.ResponseNewParams{
		Model: "router/tools_mixed", Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("news?")},
		Tools: []responses.ToolUnionParam{{OfWebSearch: &responses.WebSearchToolParam{Type: responses.WebSearchToolTypeWebSearch}}},
	}, option.WithResponseInto(&raw))
	if err != nil {
		t.Fatalf("call: %v", err)
	}
	if raw.Header.Get("x-switchyard-target") != "oa/gpt-4.1" || resp.OutputText() == "" || g.oai.Hits("m1") != 0 {
		t.Errorf("target %s, hits m1 %d", raw.Header.Get("x-switchyard-target"), g.oai.Hits("m1"))
	}
}

// TestResponsesBudgetNoRetry: a budget refusal is a 429 budget_exceeded
// with x-should-retry: false, which the SDK obeys with its default
// retries on: one request reaches the gateway, none the upstream.
func TestResponsesBudgetNoRetry(t *testing.T) {
	g := newRespGateway(t)
	sent := 0
	client := g.client(option.WithMaxRetries(2), option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		sent++
		return next(r)
	}))
	_, err := client.Responses.New(context.Background(), responses.ResponseNewParams{
		Model: "router/capped", Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("Hello!")},
	})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests || apiErr.Code != "budget_exceeded" {
		t.Fatalf("err = %v", err)
	}
	if apiErr.Response.Header.Get("x-should-retry") != "false" || sent != 1 || g.oai.Hits("m1") != 0 {
		t.Errorf("x-should-retry %q, sent %d, upstream hits %d", apiErr.Response.Header.Get("x-should-retry"), sent, g.oai.Hits("m1"))
	}
}

// TestResponsesExplain: POST /v1/routing/explain plans a Responses body
// (input, no messages) as POST /v1/responses would serve it.
func TestResponsesExplain(t *testing.T) {
	g := newRespGateway(t)
	for _, tc := range []struct {
		body   string
		status int
		want   string
	}{
		{`{"model":"router/native_first","input":[{"role":"user","content":"hi"}],"max_output_tokens":10}`, 200, `"ant/claude-haiku-4-5"`},
		{`{"model":"router/native_first","input":"hi","previous_response_id":"resp_1"}`, 400, `previous_response_id`},
	} {
		for _, path := range []string{"/v1/routing/explain", "/v1/routing/explain?operation=responses"} {
			req, _ := http.NewRequest(http.MethodPost, g.srv.URL+path, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.want) {
				t.Errorf("%s: %d %s", tc.body, resp.StatusCode, body)
			}
			if tc.status == 200 && !strings.Contains(string(body), `"oa/gpt-4.1"`) {
				t.Errorf("plan lacks the native target: %s", body)
			}
			if tc.status == 200 && strings.Contains(path, "operation=") && !strings.Contains(strings.Join(strings.Fields(string(body)), ""), `"operation":"responses"`) {
				t.Errorf("%s: plan does not say it is for a Responses request: %s", path, body)
			}
		}
	}
	if g.oai.Hits("gpt-4.1") != 0 {
		t.Error("explain called an upstream")
	}
}
