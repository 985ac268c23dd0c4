package bedrock

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// fromConverse turns a Converse output into an OpenAI response. Text blocks
// are joined; toolUse blocks become tool calls; reasoning, citation and
// other block kinds have no place in an OpenAI message and are left out.
func fromConverse(out *bedrockruntime.ConverseOutput, id, model string, created int64) (*chat.Response, error) {
	msg, ok := out.Output.(*types.ConverseOutputMemberMessage)
	if !ok {
		return nil, badResponse("converse output has no message (got %T)", out.Output)
	}
	var text strings.Builder
	var calls []chat.ToolCall
	for _, block := range msg.Value.Content {
		switch b := block.(type) {
		case *types.ContentBlockMemberText:
			text.WriteString(b.Value)
		case *types.ContentBlockMemberToolUse:
			args, err := toolInputJSON(b.Value.Input)
			if err != nil {
				return nil, badResponse("toolUse %s input: %v", deref(b.Value.ToolUseId), err)
			}
			calls = append(calls, chat.ToolCall{
				ID:       deref(b.Value.ToolUseId),
				Type:     "function",
				Function: chat.FunctionCall{Name: deref(b.Value.Name), Arguments: args},
			})
		}
	}
	message := chat.Message{Role: "assistant", Content: chat.TextContent(text.String()), ToolCalls: calls}
	if text.Len() == 0 && len(calls) > 0 {
		// OpenAI sends content null on a pure tool-call turn.
		message.Content = chat.Content{Null: true}
	}
	return &chat.Response{
		ID:      id,
		Object:  "chat.completion",
		Created: created,
		Model:   model,
		Choices: []chat.Choice{{Index: 0, Message: message, FinishReason: finishReason(out.StopReason)}},
		Usage:   usage(out.Usage),
	}, nil
}

// finishReason maps Converse's stopReason onto OpenAI's finish_reason.
func finishReason(r types.StopReason) string {
	switch r {
	case types.StopReasonMaxTokens, types.StopReasonModelContextWindowExceeded:
		return "length"
	case types.StopReasonToolUse:
		return "tool_calls"
	case types.StopReasonGuardrailIntervened, types.StopReasonContentFiltered:
		return "content_filter"
	default:
		// end_turn, stop_sequence, and reasons OpenAI has no word for
		// (malformed_model_output, malformed_tool_use): the model stopped.
		return "stop"
	}
}

// usage converts Bedrock's token counts. Bedrock's inputTokens, like
// Anthropic's, excludes tokens read from or written to the prompt cache,
// whereas OpenAI's prompt_tokens includes cached tokens; so prompt_tokens is
// the sum of the three and cached_tokens / cache_write_tokens break it down.
func usage(u *types.TokenUsage) *chat.Usage {
	if u == nil {
		return nil
	}
	in, out := int(deref(u.InputTokens)), int(deref(u.OutputTokens))
	read, write := int(deref(u.CacheReadInputTokens)), int(deref(u.CacheWriteInputTokens))
	cu := &chat.Usage{
		PromptTokens:     in + read + write,
		CompletionTokens: out,
		TotalTokens:      in + read + write + out,
	}
	if u.CacheReadInputTokens != nil || u.CacheWriteInputTokens != nil {
		cu.PromptTokensDetails = &chat.PromptTokensDetails{CachedTokens: read, CacheWriteTokens: write}
	}
	return cu
}

// toolInputJSON is a tool call's input as the JSON string OpenAI's
// arguments field carries.
func toolInputJSON(doc document.Interface) (string, error) {
	if doc == nil {
		return "{}", nil
	}
	b, err := doc.MarshalSmithyDocument()
	if err != nil {
		return "", err
	}
	if s := strings.TrimSpace(string(b)); s != "" && s != "null" {
		return s, nil
	}
	return "{}", nil
}

func badResponse(format string, args ...any) *provider.Error {
	return &provider.Error{Class: provider.ClassBadResponse, Status: 200, Message: "bedrock: " + fmt.Sprintf(format, args...)}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
