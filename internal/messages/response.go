package messages

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// Response is a non-streamed Message, as the Messages API answers.
type Response struct {
	ID           string     `json:"id"`
	Type         string     `json:"type"` // "message"
	Role         string     `json:"role"` // "assistant"
	Model        string     `json:"model"`
	Content      []OutBlock `json:"content"`
	StopReason   *string    `json:"stop_reason"`
	StopSequence *string    `json:"stop_sequence"`
	Usage        Usage      `json:"usage"`
}

// OutBlock is an answer's content block: text or tool_use (a translated
// answer has no others).
type OutBlock struct {
	Type  string
	Text  string
	ID    string
	Name  string
	Input json.RawMessage
}

// MarshalJSON writes the keys of the block's kind, and only those: a text
// block always has "text", even empty.
func (b OutBlock) MarshalJSON() ([]byte, error) {
	if b.Type == "tool_use" {
		input := b.Input
		if len(input) == 0 {
			input = json.RawMessage("{}")
		}
		return json.Marshal(struct {
			Type  string          `json:"type"`
			ID    string          `json:"id"`
			Name  string          `json:"name"`
			Input json.RawMessage `json:"input"`
		}{b.Type, b.ID, b.Name, input})
	}
	return json.Marshal(struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}{b.Type, b.Text})
}

// Usage is a Message's token counts. input_tokens excludes the cache's
// reads and writes, which are counted apart.
type Usage struct {
	InputTokens              int `json:"input_tokens"`
	OutputTokens             int `json:"output_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
}

// UsageFromChat splits chat's prompt tokens (cache included) into
// Anthropic's three input counts.
func UsageFromChat(u *chat.Usage) Usage {
	if u == nil {
		return Usage{}
	}
	out := Usage{InputTokens: u.PromptTokens, OutputTokens: u.CompletionTokens}
	if d := u.PromptTokensDetails; d != nil {
		out.CacheReadInputTokens = d.CachedTokens
		out.CacheCreationInputTokens = d.CacheWriteTokens
		out.InputTokens = max(0, u.PromptTokens-d.CachedTokens-d.CacheWriteTokens)
	}
	return out
}

// ToChatUsage is the inverse: chat's prompt tokens include the cache's.
func (u Usage) ToChatUsage() *chat.Usage {
	in := u.InputTokens + u.CacheReadInputTokens + u.CacheCreationInputTokens
	out := &chat.Usage{PromptTokens: in, CompletionTokens: u.OutputTokens, TotalTokens: in + u.OutputTokens}
	if u.CacheReadInputTokens > 0 || u.CacheCreationInputTokens > 0 {
		out.PromptTokensDetails = &chat.PromptTokensDetails{CachedTokens: u.CacheReadInputTokens, CacheWriteTokens: u.CacheCreationInputTokens}
	}
	return out
}

// StopReason maps a chat finish_reason to Anthropic's stop_reason. Chat
// does not say which stop sequence matched, so "stop" is end_turn.
func StopReason(finish string) string {
	switch finish {
	case "length":
		return "max_tokens"
	case "tool_calls", "function_call":
		return "tool_use"
	case "content_filter":
		return "refusal"
	}
	return "end_turn"
}

// MessageID is an id in Anthropic's form for a chat answer's id.
func MessageID(id string) string {
	if strings.HasPrefix(id, "msg_") {
		return id
	}
	if id == "" {
		id = "switchyard"
	}
	return "msg_" + id
}

// ToolUseID is a chat tool call's id as a tool_use id: the caller sends it
// back with the tool's result on the next turn, where an empty id is
// refused, so an upstream that gave none gets a fresh random one. Other
// ids are kept as they are: a provider may carry state in them (Gemini's
// thought signatures), which it reads back on the next turn.
func ToolUseID(id string) string {
	if id != "" {
		return id
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "toolu_" + hex.EncodeToString(b[:])
}

// FromChat translates a chat answer (its first choice) into a Message. An
// answer relayed as bytes (Raw, from an OpenAI-compatible provider, which
// decodes only the usage) is decoded here.
func FromChat(resp *chat.Response) *Response {
	if len(resp.Choices) == 0 && len(resp.Raw) > 0 {
		var full chat.Response
		if json.Unmarshal(resp.Raw, &full) == nil {
			full.Usage = resp.Usage
			if resp.Model != "" {
				full.Model = resp.Model
			}
			resp = &full
		}
	}
	out := &Response{ID: MessageID(resp.ID), Type: "message", Role: "assistant", Model: resp.Model,
		Content: []OutBlock{}, Usage: UsageFromChat(resp.Usage)}
	stop := "end_turn"
	if len(resp.Choices) > 0 {
		c := resp.Choices[0]
		if s := c.Message.Content.String(); s != "" {
			out.Content = append(out.Content, OutBlock{Type: "text", Text: s})
		} else if c.Message.Refusal != nil && *c.Message.Refusal != "" {
			out.Content = append(out.Content, OutBlock{Type: "text", Text: *c.Message.Refusal})
		}
		for _, tc := range c.Message.ToolCalls {
			out.Content = append(out.Content, OutBlock{Type: "tool_use", ID: ToolUseID(tc.ID), Name: tc.Function.Name, Input: toolInput(tc.Function.Arguments)})
		}
		stop = StopReason(c.FinishReason)
	}
	out.StopReason = &stop
	return out
}

// toolInput is a tool call's arguments as the object tool_use.input must
// be: {} for none, the arguments wrapped when a model sent something else.
func toolInput(args string) json.RawMessage {
	raw := json.RawMessage(strings.TrimSpace(args))
	if len(raw) == 0 {
		return json.RawMessage("{}")
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil || obj == nil {
		b, _ := json.Marshal(map[string]string{"arguments": args})
		return b
	}
	return raw
}
