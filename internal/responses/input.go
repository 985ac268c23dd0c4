package responses

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// Item is one input item: a message (Role and Content; Type "message" or
// empty), a function_call (CallID, Name, Arguments), a function_call_output
// (CallID, Output), or another type kept by Type only (reasoning,
// item_reference, built-in tool calls), which translation drops or
// refuses.
type Item struct {
	Type string `json:"type,omitempty"`
	ID   string `json:"id,omitempty"`
	Role string `json:"role,omitempty"`
	// Content is a string or an array of content parts (Parts reads it).
	Content   json.RawMessage `json:"content,omitempty"`
	CallID    string          `json:"call_id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Arguments string          `json:"arguments,omitempty"`
	// Output is a function_call_output's output: a string or an array of
	// content parts.
	Output json.RawMessage `json:"output,omitempty"`
}

// ContentPart is one part of a message's content: input_text, output_text
// (an assistant's earlier answer), refusal, input_image (ImageURL, a URL
// or a data URL; or FileID) or input_file.
type ContentPart struct {
	Type     string `json:"type"`
	Text     string `json:"text,omitempty"`
	ImageURL string `json:"image_url,omitempty"`
	Detail   string `json:"detail,omitempty"`
	FileID   string `json:"file_id,omitempty"`
	Refusal  string `json:"refusal,omitempty"`
}

// Items reads input: a string is one user message; an array is read item
// by item. An error names the offending item (input[3].role).
func (r *Request) Items() ([]Item, *chat.FieldError) {
	raw := bytes.TrimSpace(r.Input)
	if len(raw) == 0 || isNull(raw) {
		return nil, &chat.FieldError{Param: "input", Code: "missing_required_parameter", Msg: "input is required: a string or an array of input items"}
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, &chat.FieldError{Param: "input", Msg: "input is not a valid JSON string"}
		}
		text, _ := json.Marshal(s)
		return []Item{{Type: "message", Role: "user", Content: text}}, nil
	case '[':
	default:
		return nil, &chat.FieldError{Param: "input", Msg: "input must be a string or an array of input items"}
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, &chat.FieldError{Param: "input", Msg: "input is not a valid JSON array"}
	}
	if len(elems) == 0 {
		return nil, &chat.FieldError{Param: "input", Msg: "input must not be an empty array"}
	}
	if len(elems) > MaxInputItems {
		return nil, &chat.FieldError{Param: "input", Code: "array_above_max_length",
			Msg: fmt.Sprintf("input has %d items; at most %d are accepted", len(elems), MaxInputItems)}
	}
	items := make([]Item, len(elems))
	for i, e := range elems {
		it := &items[i]
		if err := json.Unmarshal(e, it); err != nil {
			return nil, &chat.FieldError{Param: fmt.Sprintf("input[%d]", i), Msg: fmt.Sprintf("input[%d] must be an input item object: %s", i, typeProblem(err))}
		}
		if fe := it.check(i); fe != nil {
			return nil, fe
		}
	}
	return items, nil
}

// check refuses an item a Responses API server would refuse.
func (it *Item) check(i int) *chat.FieldError {
	at := func(field string) string { return fmt.Sprintf("input[%d].%s", i, field) }
	switch it.Type {
	case "", "message":
		switch it.Role {
		case "user", "assistant", "system", "developer":
		case "":
			return &chat.FieldError{Param: at("role"), Msg: at("role") + " is required: user, assistant, system or developer"}
		default:
			return &chat.FieldError{Param: at("role"), Msg: fmt.Sprintf("%s must be user, assistant, system or developer, not %q", at("role"), it.Role)}
		}
		if _, fe := parts(it.Content, at("content")); fe != nil {
			return fe
		}
	case "function_call":
		if it.CallID == "" || it.Name == "" {
			return &chat.FieldError{Param: at("call_id"), Msg: at("call_id") + " and name are required for a function_call item"}
		}
	case "function_call_output":
		if it.CallID == "" {
			return &chat.FieldError{Param: at("call_id"), Msg: at("call_id") + " is required for a function_call_output item"}
		}
		if _, fe := outputText(it.Output, at("output")); fe != nil {
			return fe
		}
	}
	return nil
}

// parts reads a message's content: a string is one text part.
func parts(raw json.RawMessage, param string) ([]ContentPart, *chat.FieldError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || isNull(raw) {
		return nil, &chat.FieldError{Param: param, Msg: param + " is required"}
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, &chat.FieldError{Param: param, Msg: param + " is not a valid JSON string"}
		}
		return []ContentPart{{Type: "input_text", Text: s}}, nil
	}
	var ps []ContentPart
	if raw[0] != '[' || json.Unmarshal(raw, &ps) != nil {
		return nil, &chat.FieldError{Param: param, Msg: param + " must be a string or an array of content parts"}
	}
	if len(ps) > MaxContentParts {
		return nil, &chat.FieldError{Param: param, Code: "array_above_max_length",
			Msg: fmt.Sprintf("%s has %d parts; at most %d are accepted", param, len(ps), MaxContentParts)}
	}
	for j, p := range ps {
		switch p.Type {
		case "input_text", "output_text", "refusal", "input_image", "input_file":
		default:
			return nil, &chat.FieldError{Param: fmt.Sprintf("%s[%d].type", param, j),
				Msg: fmt.Sprintf("%s[%d].type must be input_text, input_image, input_file, output_text or refusal, not %q", param, j, p.Type)}
		}
	}
	return ps, nil
}

// outputText reads a function_call_output's output: a string, or an
// array of content parts whose text parts are joined (images and files in
// a tool's output have no chat equivalent: nonText reports them).
func outputText(raw json.RawMessage, param string) (text string, fe *chat.FieldError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || isNull(raw) {
		return "", &chat.FieldError{Param: param, Msg: param + " is required for a function_call_output item"}
	}
	if raw[0] == '"' {
		if json.Unmarshal(raw, &text) != nil {
			return "", &chat.FieldError{Param: param, Msg: param + " is not a valid JSON string"}
		}
		return text, nil
	}
	ps, fe := parts(raw, param)
	if fe != nil {
		return "", fe
	}
	var b bytes.Buffer
	for _, p := range ps {
		b.WriteString(p.Text)
	}
	return b.String(), nil
}
