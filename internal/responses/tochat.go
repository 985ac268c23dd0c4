package responses

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// ToChat translates r into the chat request a non-native target is sent
// (and that routing conditions, token estimates and budgets read for
// every target). The translation keeps: input messages (input_text,
// output_text, refusal and input_image URL parts), function_call and
// function_call_output items (as assistant tool_calls and tool messages),
// instructions (a leading system message), function tools, tool_choice,
// temperature, top_p, max_output_tokens (max_tokens), text.format (as
// response_format), metadata, user, parallel_tool_calls, reasoning.effort
// (reasoning_effort), and the gateway's own router and extra fields. It
// drops reasoning items (a model's earlier thoughts, which another model
// cannot read) and store.
//
// What chat cannot express is not dropped silently: the first such thing
// (a built-in tool, a file input, an image by file id, an item_reference,
// a built-in tool call item, a hosted tool_choice) is returned as
// unsupported, naming the parameter. req is then still the translation of
// everything else, for routing; only a native target can serve it.
func (r *Request) ToChat() (req *chat.Request, unsupported *chat.FieldError) {
	items := r.items
	if items == nil {
		var fe *chat.FieldError
		if items, fe = r.Items(); fe != nil {
			return nil, fe
		}
	}
	note := func(param, msg string) {
		if unsupported == nil {
			unsupported = &chat.FieldError{Param: param, Code: "unsupported_parameter", Msg: msg}
		}
	}
	req = &chat.Request{Model: r.Model, Temperature: r.Temperature, TopP: r.TopP, MaxTokens: r.MaxOutputTokens,
		ParallelToolCalls: r.ParallelToolCalls, User: r.User, Metadata: r.Metadata, Stream: r.Stream}
	if r.Instructions != nil && *r.Instructions != "" {
		req.Messages = append(req.Messages, chat.Message{Role: "system", Content: chat.TextContent(*r.Instructions)})
	}
	for i, it := range items {
		at := fmt.Sprintf("input[%d]", i)
		switch it.Type {
		case "", "message":
			m, why := message(it, at)
			if why != nil {
				note(why.Param, why.Msg)
				continue
			}
			req.Messages = append(req.Messages, m)
		case "function_call":
			tc := chat.ToolCall{ID: it.CallID, Type: "function", Function: chat.FunctionCall{Name: it.Name, Arguments: it.Arguments}}
			// Consecutive calls (parallel tool calls) and the text before
			// them are one assistant turn in chat.
			if n := len(req.Messages); n > 0 && req.Messages[n-1].Role == "assistant" {
				req.Messages[n-1].ToolCalls = append(req.Messages[n-1].ToolCalls, tc)
				continue
			}
			req.Messages = append(req.Messages, chat.Message{Role: "assistant", Content: chat.Content{Null: true}, ToolCalls: []chat.ToolCall{tc}})
		case "function_call_output":
			text, _ := outputText(it.Output, at+".output") // checked by Items
			if j := nonText(it.Output); j >= 0 {
				note(fmt.Sprintf("%s.output[%d]", at, j), fmt.Sprintf("%s.output[%d] is not text: a tool's image or file output only an OpenAI target can read", at, j))
			}
			req.Messages = append(req.Messages, chat.Message{Role: "tool", ToolCallID: it.CallID, Content: chat.TextContent(text)})
		case "reasoning":
			// Dropped: see above.
		default:
			note(at+".type", fmt.Sprintf("%s is a %q item, which only an OpenAI target can take (this gateway is stateless and cannot translate it)", at, it.Type))
		}
	}
	for i, t := range r.Tools {
		if t.Type != "function" {
			note(fmt.Sprintf("tools[%d].type", i), fmt.Sprintf("tools[%d] is a built-in %q tool, which only an OpenAI target can run; other targets take function tools only", i, t.Type))
			continue
		}
		req.Tools = append(req.Tools, chat.Tool{Type: "function", Function: chat.FunctionSpec{Name: t.Name, Description: t.Description, Parameters: t.Parameters, Strict: t.Strict}})
	}
	if tc, why := toolChoice(r.ToolChoice); why != "" {
		note("tool_choice", why)
	} else {
		req.ToolChoice = tc
	}
	if f := r.Text; f != nil && f.Format != nil {
		switch f.Format.Type {
		case "", "text":
		case "json_object":
			req.ResponseFormat = &chat.ResponseFormat{Type: "json_object"}
		case "json_schema":
			req.ResponseFormat = &chat.ResponseFormat{Type: "json_schema", JSONSchema: &chat.JSONSchema{
				Name: f.Format.Name, Description: f.Format.Description, Schema: f.Format.Schema, Strict: f.Format.Strict}}
		default:
			note("text.format.type", fmt.Sprintf("text.format.type %q is not supported; use text, json_object or json_schema", f.Format.Type))
		}
	}
	extra := map[string]json.RawMessage{}
	if r.Reasoning != nil && r.Reasoning.Effort != "" {
		extra["reasoning_effort"], _ = json.Marshal(r.Reasoning.Effort)
	}
	for _, k := range []string{"router", "extra"} {
		if v, ok := r.Extra[k]; ok {
			extra[k] = v
		}
	}
	if len(extra) > 0 {
		req.Extra = extra
	}
	if len(req.Messages) == 0 {
		note("input", "input has no message a non-OpenAI target can take")
	}
	if unsupported != nil {
		// Only a native target can serve this request, and it is sent the
		// caller's body, not this translation, which left out what chat
		// cannot carry. So that token estimates (key limits, provider
		// quotas, budgets' worst case, routing conditions) count what is
		// sent, the translation carries the whole input once more as text:
		// a 4 MiB input beside an input_file part must not count as none.
		req.Messages = append(req.Messages, chat.Message{Role: "user", Content: chat.TextContent(string(r.Input))})
	}
	return req, unsupported
}

// message translates a message item; why names a part chat cannot carry.
func message(it Item, at string) (chat.Message, *chat.FieldError) {
	ps, fe := parts(it.Content, at+".content")
	if fe != nil {
		return chat.Message{}, fe
	}
	m := chat.Message{Role: it.Role}
	if len(bytes.TrimSpace(it.Content)) > 0 && bytes.TrimSpace(it.Content)[0] == '"' {
		m.Content = chat.TextContent(ps[0].Text)
		return m, nil
	}
	out := make([]chat.Part, 0, len(ps))
	for j, p := range ps {
		param := fmt.Sprintf("%s.content[%d]", at, j)
		switch p.Type {
		case "input_text", "output_text":
			out = append(out, chat.Part{Type: "text", Text: p.Text})
		case "refusal":
			if it.Role != "assistant" {
				return m, &chat.FieldError{Param: param, Msg: param + " is a refusal, which only an assistant message may hold"}
			}
			m.Refusal = chat.Ptr(p.Refusal)
		case "input_image":
			if p.ImageURL == "" {
				return m, &chat.FieldError{Param: param + ".image_url", Msg: param + " names its image by file_id, which only an OpenAI target can read; send image_url"}
			}
			out = append(out, chat.Part{Type: "image_url", ImageURL: &chat.ImageURL{URL: p.ImageURL, Detail: p.Detail}})
		case "input_file":
			return m, &chat.FieldError{Param: param, Msg: param + " is an input_file, which only an OpenAI target can read"}
		}
	}
	if it.Role == "assistant" || it.Role == "system" || it.Role == "developer" {
		// Those roles take text only in chat: their parts become a string,
		// which every provider accepts.
		var b bytes.Buffer
		for _, p := range out {
			if p.Type != "text" {
				return m, &chat.FieldError{Param: at + ".content", Msg: at + " is a " + it.Role + " message with an image, which chat cannot carry"}
			}
			b.WriteString(p.Text)
		}
		m.Content = chat.TextContent(b.String())
		return m, nil
	}
	m.Content = chat.Content{Parts: out, IsParts: true}
	return m, nil
}

// toolChoice translates tool_choice: a mode, or a named function (in the
// Responses shape {"type":"function","name":...}). why says what a hosted
// or allowed_tools choice cannot become.
func toolChoice(raw json.RawMessage) (*chat.ToolChoice, string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || isNull(raw) {
		return nil, ""
	}
	if raw[0] == '"' {
		var mode string
		_ = json.Unmarshal(raw, &mode)
		switch mode {
		case "auto", "none", "required":
			return &chat.ToolChoice{Mode: mode}, ""
		}
		return nil, fmt.Sprintf("tool_choice %q is not supported: use auto, none, required or {\"type\":\"function\",\"name\":...}", mode)
	}
	var obj struct {
		Type string `json:"type"`
		Name string `json:"name"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		return nil, "tool_choice must be a string or an object"
	}
	if obj.Type == "function" && obj.Name != "" {
		return &chat.ToolChoice{Function: obj.Name}, ""
	}
	return nil, fmt.Sprintf("tool_choice of type %q only an OpenAI target can honour; other targets take auto, none, required or a function", obj.Type)
}

// nonText is the index of the first part of a function_call_output's
// output that is not text, -1 when all are (or the output is a string).
func nonText(raw json.RawMessage) int {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return -1
	}
	ps, fe := parts(raw, "")
	if fe != nil {
		return -1
	}
	for j, p := range ps {
		if p.Type != "input_text" && p.Type != "output_text" {
			return j
		}
	}
	return -1
}
