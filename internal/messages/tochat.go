package messages

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// UnsupportedError says what of a request a chat target cannot be given
// (a server tool, a document by URL): such a target is passed over for the
// next, rather than sent a request that would mean something else.
type UnsupportedError struct{ What string }

func (e *UnsupportedError) Error() string {
	return "this target does not speak the Messages API natively and chat has no equivalent for " + e.What
}

// ToChat translates r into chat form. The chat request is always built:
// it is the view routing conditions, token estimates and budgets read,
// with what cannot be translated left out. err is non-nil (an
// *UnsupportedError) when something was left out that a chat target would
// need; a non-native target then cannot serve r.
//
// Kept: system (text joined), text, images (base64 as data URLs, or URLs),
// PDF and text documents (as file and text parts), tool_use / tool_result
// (as tool_calls and tool messages), client tools and tool_choice,
// stop_sequences, temperature, top_p, max_tokens, metadata.user_id (as
// user), stream. Dropped: thinking config and thinking blocks,
// cache_control, top_k, citations.
func ToChat(r *Request) (*chat.Request, error) {
	t := &translator{}
	out := &chat.Request{Model: r.Model, MaxTokens: r.MaxTokens, Temperature: r.Temperature, TopP: r.TopP,
		Stream: r.Stream, Stop: chat.Stop(r.StopSequences)}
	if r.Stream {
		out.StreamOptions = &chat.StreamOptions{IncludeUsage: true}
	}
	if r.System != nil {
		if s := t.systemText(*r.System); s != "" {
			out.Messages = append(out.Messages, chat.Message{Role: "system", Content: chat.TextContent(s)})
		}
	}
	for i, m := range r.Messages {
		out.Messages = append(out.Messages, t.message(m, i)...)
	}
	for i, tl := range r.Tools {
		if !tl.Client() {
			t.unsupported(fmt.Sprintf("the server tool tools.%d (%s)", i, tl.Type))
			continue
		}
		out.Tools = append(out.Tools, chat.Tool{Type: "function", Function: chat.FunctionSpec{
			Name: tl.Name, Description: tl.Description, Parameters: tl.InputSchema}})
	}
	if tc := r.ToolChoice; tc != nil {
		switch tc.Type {
		case "auto":
			out.ToolChoice = &chat.ToolChoice{Mode: "auto"}
		case "any":
			out.ToolChoice = &chat.ToolChoice{Mode: "required"}
		case "none":
			out.ToolChoice = &chat.ToolChoice{Mode: "none"}
		case "tool":
			out.ToolChoice = &chat.ToolChoice{Function: tc.Name}
		}
		if tc.DisableParallelToolUse && len(out.Tools) > 0 {
			out.ParallelToolCalls = chat.Ptr(false)
		}
	}
	if r.Metadata != nil {
		out.User = r.Metadata.UserID
	}
	if len(r.Router) > 0 {
		out.Extra = map[string]json.RawMessage{"router": r.Router}
	}
	if t.err != nil {
		return out, t.err
	}
	return out, nil
}

type translator struct{ err *UnsupportedError }

func (t *translator) unsupported(what string) {
	if t.err == nil {
		t.err = &UnsupportedError{What: what}
	}
}

func (t *translator) systemText(c Content) string {
	if !c.IsBlocks {
		return c.Text
	}
	var parts []string
	for _, b := range c.Blocks {
		if b.Text != "" {
			parts = append(parts, b.Text)
		}
	}
	return strings.Join(parts, "\n\n")
}

// message translates one turn. A user turn's tool_result blocks become
// tool messages, before the user message with its other blocks (Anthropic
// puts results first in the turn; chat wants each right after the
// assistant's tool calls). An assistant turn's tool_use blocks become its
// tool_calls.
func (t *translator) message(m Message, i int) []chat.Message {
	if !m.Content.IsBlocks {
		return []chat.Message{{Role: m.Role, Content: chat.TextContent(m.Content.Text)}}
	}
	if m.Role == "assistant" {
		return []chat.Message{t.assistant(m.Content.Blocks, i)}
	}
	var out []chat.Message
	var parts []chat.Part
	for j, b := range m.Content.Blocks {
		where := fmt.Sprintf("messages.%d.content.%d", i, j)
		if b.Type == "tool_result" {
			text, images := t.toolResult(b, where)
			out = append(out, chat.Message{Role: "tool", ToolCallID: b.ToolUseID, Content: chat.TextContent(text)})
			parts = append(parts, images...)
			continue
		}
		if p, ok := t.part(b, where); ok {
			parts = append(parts, p)
		}
	}
	if len(parts) > 0 {
		out = append(out, chat.Message{Role: "user", Content: chat.Content{Parts: parts, IsParts: true}})
	}
	return out
}

func (t *translator) assistant(blocks []Block, i int) chat.Message {
	msg := chat.Message{Role: "assistant"}
	var text strings.Builder
	for j, b := range blocks {
		switch b.Type {
		case "text":
			text.WriteString(b.Text)
		case "tool_use":
			msg.ToolCalls = append(msg.ToolCalls, chat.ToolCall{ID: b.ID, Type: "function",
				Function: chat.FunctionCall{Name: b.Name, Arguments: string(b.Input)}})
		case "thinking", "redacted_thinking":
			// Thinking is the model's own; another model cannot continue it.
		default:
			t.unsupported(fmt.Sprintf("the %s block at messages.%d.content.%d", b.Type, i, j))
		}
	}
	if text.Len() > 0 || len(msg.ToolCalls) == 0 {
		msg.Content = chat.TextContent(text.String())
	} else {
		msg.Content = chat.Content{Null: true}
	}
	return msg
}

// toolResult is a tool_result's text (is_error said in words, as chat has
// no flag) and its images, which go to the user message after it.
func (t *translator) toolResult(b Block, where string) (string, []chat.Part) {
	var text strings.Builder
	if b.IsError {
		text.WriteString("[tool error] ")
	}
	var images []chat.Part
	if c := b.Content; c != nil {
		if !c.IsBlocks {
			text.WriteString(c.Text)
		}
		for k, cb := range c.Blocks {
			p, ok := t.part(cb, fmt.Sprintf("%s.content.%d", where, k))
			switch {
			case !ok:
			case p.Type == "text":
				if text.Len() > 0 && !strings.HasSuffix(text.String(), " ") {
					text.WriteString("\n")
				}
				text.WriteString(p.Text)
			default:
				images = append(images, p)
			}
		}
	}
	return text.String(), images
}

// part translates a user content block into a chat part.
func (t *translator) part(b Block, where string) (chat.Part, bool) {
	switch b.Type {
	case "text":
		return chat.Part{Type: "text", Text: b.Text}, true
	case "image":
		switch s := b.Source; {
		case s != nil && s.Type == "base64":
			return chat.Part{Type: "image_url", ImageURL: &chat.ImageURL{URL: "data:" + s.MediaType + ";base64," + s.Data}}, true
		case s != nil && s.Type == "url":
			return chat.Part{Type: "image_url", ImageURL: &chat.ImageURL{URL: s.URL}}, true
		}
	case "document":
		switch s := b.Source; {
		case s != nil && s.Type == "text":
			text := s.Data
			if b.Title != "" {
				text = b.Title + "\n\n" + text
			}
			return chat.Part{Type: "text", Text: text}, true
		case s != nil && s.Type == "base64" && s.MediaType == "application/pdf":
			name := b.Title
			if name == "" {
				name = "document.pdf"
			}
			raw, _ := json.Marshal(map[string]any{"type": "file", "file": map[string]string{
				"filename": name, "file_data": "data:application/pdf;base64," + s.Data}})
			return chat.Part{Type: "file", Raw: raw}, true
		}
	}
	t.unsupported(fmt.Sprintf("the %s block at %s", b.Type, where))
	// The routing view keeps a mark of the block, so that the turn is
	// not lost (no chat target is sent this request).
	return chat.Part{Type: "text", Text: "[" + b.Type + "]"}, true
}
