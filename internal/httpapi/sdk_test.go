package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
)

// The official openai-go SDK, unmodified but for its base URL, works as a
// client of the gateway: proof of drop-in compatibility.
func sdkClient(h *harness) openai.Client {
	return openai.NewClient(option.WithBaseURL(h.srv.URL+"/v1/"), option.WithAPIKey("unused-locally"), option.WithMaxRetries(0))
}

func TestOpenAISDKNonStreamed(t *testing.T) {
	h := newHarness(t, "")
	h.fake.Script("m1", openaifake.Fault{Kind: openaifake.Status, Status: 503})
	client := sdkClient(h)
	var raw *http.Response
	resp, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model:    "router/fb",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.SystemMessage("Be brief."), openai.UserMessage("Hello!")},
	}, option.WithResponseInto(&raw))
	if err != nil {
		t.Fatalf("SDK call: %v", err)
	}
	if got := resp.Choices[0].Message.Content; got != "Hello! How can I assist you today?" {
		t.Errorf("content %q", got)
	}
	if resp.Usage.TotalTokens != 29 {
		t.Errorf("usage %+v", resp.Usage)
	}
	if raw.Header.Get("x-switchyard-target") != "up/m2" || raw.Header.Get("x-switchyard-fallback") != "true" {
		t.Errorf("headers %v", raw.Header)
	}
	// The fallback target's params were merged into its request.
	reqs := h.fake.Requests()
	if len(reqs) != 2 || reqs[1]["temperature"] != 0.2 || reqs[0]["temperature"] != nil {
		t.Errorf("upstream requests %v", reqs)
	}
}

func TestOpenAISDKStreamed(t *testing.T) {
	h := newHarness(t, "")
	client := sdkClient(h)
	stream := client.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
		Model:         "router/fb",
		Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hello!")},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	})
	acc := openai.ChatCompletionAccumulator{}
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("stream: %v", err)
	}
	if got := acc.Choices[0].Message.Content; got != "Hello! How can I help?" {
		t.Errorf("content %q", got)
	}
	if acc.Usage.TotalTokens != 15 {
		t.Errorf("usage %+v", acc.Usage)
	}
}

func TestOpenAISDKStreamErrorAfterCommit(t *testing.T) {
	h := newHarness(t, "")
	h.fake.Script("m1", openaifake.Fault{Kind: openaifake.CutStream, After: 3})
	client := sdkClient(h)
	stream := client.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
		Model:    "router/fb",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hello!")},
	})
	n := 0
	for stream.Next() {
		n++
	}
	if stream.Err() == nil {
		t.Fatal("a cut stream must surface as an error to the SDK, not a clean end")
	}
	if n == 0 {
		t.Error("the chunks before the cut were not delivered")
	}
}

func TestOpenAISDKToolsAndErrors(t *testing.T) {
	h := newHarness(t, "")
	h.fake.Script("m1", openaifake.Fault{Kind: openaifake.Tools})
	client := sdkClient(h)
	resp, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model:    "router/fb",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Weather in Boston?")},
		Tools: []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
			Name: "get_current_weather", Parameters: shared.FunctionParameters{"type": "object", "properties": map[string]any{"location": map[string]any{"type": "string"}}},
		})},
		ToolChoice:     openai.ChatCompletionToolChoiceOptionUnionParam{OfAuto: openai.String("auto")},
		ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONObject: &shared.ResponseFormatJSONObjectParam{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if tc := resp.Choices[0].Message.ToolCalls; len(tc) != 1 || tc[0].Function.Name != "get_current_weather" {
		t.Errorf("tool calls %+v", tc)
	}
	up := h.fake.Requests()[0]
	if up["tools"] == nil || up["tool_choice"] != "auto" || up["response_format"] == nil {
		t.Errorf("tools, tool_choice or response_format not passed upstream: %v", up)
	}

	_, err = client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "router/nope", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
	})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Code != "model_not_found" {
		t.Errorf("unknown router: %v", err)
	}
}
