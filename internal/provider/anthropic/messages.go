package anthropic

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider/oairules"
)

// imageMediaTypes are the image types Anthropic accepts as base64 data.
var imageMediaTypes = map[string]bool{
	"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true,
}

// convertMessages splits OpenAI messages into Anthropic's top-level system
// prompt and a list of turns that alternate user/assistant:
//   - system and developer messages, wherever they appear, are joined with a
//     blank line into system;
//   - consecutive messages of one role are merged into one turn;
//   - tool messages become tool_result blocks of a user turn, so a run of
//     tool results (and a user message after them) is one user turn.
//
// Messages that translate to no content (an empty assistant message) are
// left out, because Anthropic rejects empty turns.
func convertMessages(msgs []chat.Message) (string, []message, error) {
	var system []string
	var out []message
	for i, m := range msgs {
		var (
			role   string
			blocks []block
			err    error
		)
		switch m.Role {
		case "system", "developer":
			text, err := systemText(m.Content, i)
			if err != nil {
				return "", nil, err
			}
			if text != "" {
				system = append(system, text)
			}
			continue
		case "user":
			role = "user"
			blocks, err = contentBlocks(m.Content, fmt.Sprintf("messages[%d].content", i))
		case "assistant":
			role = "assistant"
			blocks, err = assistantBlocks(m, i)
		case "tool":
			role = "user"
			blocks, err = toolResultBlocks(m, i)
		case "function":
			err = invalid(fmt.Sprintf("messages[%d].role", i), "%s", oairules.LegacyFunctionRole)
		default:
			err = invalid(fmt.Sprintf("messages[%d].role", i), "role %q is not supported", m.Role)
		}
		if err != nil {
			return "", nil, err
		}
		out = appendTurn(out, role, blocks)
	}
	if len(out) == 0 {
		// Anthropic would answer 400 too; saying so here spares a round trip.
		return "", nil, invalid("messages", "at least one non-empty user or assistant message is required")
	}
	return strings.Join(system, "\n\n"), out, nil
}

// appendTurn adds blocks as a turn of role, merged into the previous turn
// when that has the same role: Anthropic wants roles to alternate.
func appendTurn(out []message, role string, blocks []block) []message {
	if len(blocks) == 0 {
		return out
	}
	n := len(out)
	if n == 0 || out[n-1].Role != role {
		return append(out, message{Role: role, Content: blocks})
	}
	merged := append(out[n-1].Content, blocks...)
	// Anthropic requires a user turn's tool_result blocks to come before any
	// other content; a user message sent before a tool result would
	// otherwise be rejected.
	sort.SliceStable(merged, func(a, b int) bool {
		return merged[a].Type == "tool_result" && merged[b].Type != "tool_result"
	})
	out[n-1].Content = merged
	return out
}

// systemText is a system or developer message's text. Anthropic's system
// prompt holds text only.
func systemText(c chat.Content, i int) (string, error) {
	for j, p := range c.Parts {
		if p.Type != "text" {
			return "", invalid(fmt.Sprintf("messages[%d].content[%d].type", i, j), "system messages may only contain text, not %q", p.Type)
		}
	}
	return c.String(), nil
}

// contentBlocks translates user (or tool result) content: text and images.
// Empty text is skipped: Anthropic rejects empty text blocks.
func contentBlocks(c chat.Content, param string) ([]block, error) {
	if !c.IsParts {
		if c.Text == "" {
			return nil, nil
		}
		return []block{{Type: "text", Text: c.Text}}, nil
	}
	out := make([]block, 0, len(c.Parts))
	for j, p := range c.Parts {
		switch p.Type {
		case "text":
			if p.Text != "" {
				out = append(out, block{Type: "text", Text: p.Text})
			}
		case "image_url":
			b, err := imageBlock(p.ImageURL, fmt.Sprintf("%s[%d].image_url.url", param, j))
			if err != nil {
				return nil, err
			}
			out = append(out, b)
		default:
			return nil, invalid(fmt.Sprintf("%s[%d].type", param, j), "content part type %q is not supported by Anthropic", p.Type)
		}
	}
	return out, nil
}

// imageBlock maps an image URL: a base64 data: URL becomes a base64 source,
// an http(s) URL a url source that Anthropic fetches itself.
func imageBlock(u *chat.ImageURL, param string) (block, error) {
	if u == nil || u.URL == "" {
		return block{}, invalid(param, "is required")
	}
	switch {
	case strings.HasPrefix(u.URL, "data:"):
		meta, data, ok := strings.Cut(strings.TrimPrefix(u.URL, "data:"), ",")
		mediaType, isBase64 := strings.CutSuffix(meta, ";base64")
		if !ok || !isBase64 {
			return block{}, invalid(param, "a data: URL must be base64 (data:image/png;base64,...)")
		}
		if !imageMediaTypes[mediaType] {
			return block{}, invalid(param, "image type %q is not supported (jpeg, png, gif, webp)", mediaType)
		}
		return block{Type: "image", Source: &imageSource{Type: "base64", MediaType: mediaType, Data: data}}, nil
	case strings.HasPrefix(u.URL, "https://"), strings.HasPrefix(u.URL, "http://"):
		return block{Type: "image", Source: &imageSource{Type: "url", URL: u.URL}}, nil
	default:
		return block{}, invalid(param, "must be an http(s) URL or a base64 data: URL")
	}
}

// assistantBlocks translates an assistant message: its text, then one
// tool_use block per tool call.
func assistantBlocks(m chat.Message, i int) ([]block, error) {
	var out []block
	for j, p := range m.Content.Parts {
		switch p.Type {
		case "text":
		case "refusal":
			continue // OpenAI's refusal part has no Anthropic counterpart and carries no instruction
		default:
			return nil, invalid(fmt.Sprintf("messages[%d].content[%d].type", i, j), "assistant content part type %q is not supported", p.Type)
		}
	}
	if text := m.Content.String(); text != "" {
		out = append(out, block{Type: "text", Text: text})
	}
	for j, tc := range m.ToolCalls {
		b, err := toolUseBlock(tc, fmt.Sprintf("messages[%d].tool_calls[%d]", i, j))
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// toolUseBlock turns a tool call into a tool_use block. OpenAI carries the
// arguments as a JSON string; Anthropic wants the object itself, so the
// string must parse as a JSON object.
func toolUseBlock(tc chat.ToolCall, param string) (block, error) {
	if tc.Type != "" && tc.Type != "function" {
		return block{}, invalid(param+".type", "only function tool calls are supported, not %q", tc.Type)
	}
	if tc.ID == "" {
		return block{}, invalid(param+".id", "is required")
	}
	if tc.Function.Name == "" {
		return block{}, invalid(param+".function.name", "is required")
	}
	args := strings.TrimSpace(tc.Function.Arguments)
	if args == "" {
		args = "{}"
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(args), &obj); err != nil || obj == nil {
		return block{}, invalid(param+".function.arguments", "must be a JSON object")
	}
	input, err := json.Marshal(obj) // compact, and keys sorted for stable bodies
	if err != nil {
		return block{}, invalid(param+".function.arguments", "must be a JSON object")
	}
	return block{Type: "tool_use", ID: tc.ID, Name: tc.Function.Name, Input: input}, nil
}

// toolResultBlocks turns a role=tool message into a tool_result block.
func toolResultBlocks(m chat.Message, i int) ([]block, error) {
	if m.ToolCallID == "" {
		return nil, invalid(fmt.Sprintf("messages[%d].tool_call_id", i), "is required")
	}
	content, err := contentBlocks(m.Content, fmt.Sprintf("messages[%d].content", i))
	if err != nil {
		return nil, err
	}
	return []block{{Type: "tool_result", ToolUseID: m.ToolCallID, Content: content}}, nil
}
