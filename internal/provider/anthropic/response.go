package anthropic

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// messageResponse is a Message as POST /v1/messages returns it (and as the
// message_start event carries it, with empty content).
type messageResponse struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Role       string          `json:"role"`
	Model      string          `json:"model"`
	Content    []responseBlock `json:"content"`
	StopReason string          `json:"stop_reason"`
	Usage      usage           `json:"usage"`
}

// responseBlock is a content block of a reply. Only the fields the
// translation reads are decoded, so block kinds it ignores (server tool
// results with their own shapes) never make a reply unreadable.
type responseBlock struct {
	Type  string          `json:"type"`
	Text  string          `json:"text"`
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
}

// usage is Anthropic's token accounting. input_tokens excludes cached input,
// which is reported apart as cache reads and cache writes.
type usage struct {
	InputTokens              int `json:"input_tokens"`
	OutputTokens             int `json:"output_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
}

// decodeResponse reads a 2xx body. Anything that is not a Message is a bad
// response: the upstream (or a proxy in front of it) broke its contract.
func decodeResponse(body []byte) (*messageResponse, *provider.Error) {
	var m messageResponse
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, badResponse(fmt.Errorf("anthropic: decode message: %w", err))
	}
	if m.Type != "message" {
		return nil, badResponse(fmt.Errorf("anthropic: expected a message, got type %q", m.Type))
	}
	return &m, nil
}

func badResponse(err error) *provider.Error {
	return &provider.Error{Class: provider.ClassBadResponse, Message: err.Error(), Err: err}
}

// convertResponse translates a Message into an OpenAI chat completion.
// Text blocks are concatenated into the content, tool_use blocks become
// tool_calls, and thinking blocks are dropped: OpenAI's message has no place
// for them and a caller would otherwise read the model's scratchpad as its
// answer.
func convertResponse(m *messageResponse, model string, created int64) (*chat.Response, error) {
	var text strings.Builder
	var calls []chat.ToolCall
	for _, b := range m.Content {
		switch b.Type {
		case "text":
			text.WriteString(b.Text)
		case "tool_use":
			args := "{}"
			if len(b.Input) > 0 && !isNull(b.Input) {
				compact, err := json.Marshal(b.Input)
				if err != nil {
					return nil, badResponse(fmt.Errorf("anthropic: tool_use %s input: %w", b.ID, err))
				}
				args = string(compact)
			}
			calls = append(calls, chat.ToolCall{
				ID:       b.ID,
				Type:     "function",
				Function: chat.FunctionCall{Name: b.Name, Arguments: args},
			})
		}
	}
	msg := chat.Message{Role: "assistant", Content: chat.TextContent(text.String()), ToolCalls: calls}
	if text.Len() == 0 && len(calls) > 0 {
		msg.Content = chat.Content{Null: true} // OpenAI sends content null beside tool calls
	}
	if m.Model != "" {
		model = m.Model
	}
	return &chat.Response{
		ID:      m.ID,
		Object:  "chat.completion",
		Created: created,
		Model:   model,
		Choices: []chat.Choice{{Index: 0, Message: msg, FinishReason: finishReason(m.StopReason)}},
		Usage:   convertUsage(m.Usage),
	}, nil
}

// finishReason maps stop_reason onto OpenAI's finish_reason. pause_turn (a
// server tool loop paused; the caller may continue) has no OpenAI
// counterpart and reads as stop; an unknown future reason does too.
func finishReason(stop string) string {
	switch stop {
	case "max_tokens", "model_context_window_exceeded":
		return "length"
	case "tool_use":
		return "tool_calls"
	case "refusal":
		return "content_filter"
	default: // end_turn, stop_sequence, pause_turn
		return "stop"
	}
}

// convertUsage reports all input, cached or not, as prompt tokens (as OpenAI
// does), with the cached share and the cache writes broken out so cost can
// price each at its own rate.
func convertUsage(u usage) *chat.Usage {
	prompt := u.InputTokens + u.CacheReadInputTokens + u.CacheCreationInputTokens
	return &chat.Usage{
		PromptTokens:     prompt,
		CompletionTokens: u.OutputTokens,
		TotalTokens:      prompt + u.OutputTokens,
		PromptTokensDetails: &chat.PromptTokensDetails{
			CachedTokens:     u.CacheReadInputTokens,
			CacheWriteTokens: u.CacheCreationInputTokens,
		},
	}
}
