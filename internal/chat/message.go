package chat

import (
	"encoding/json"
	"strings"
)

// Message is one chat message. Content is a string or a list of parts.
type Message struct {
	Role       string     `json:"role"`
	Content    Content    `json:"content"`
	Name       string     `json:"name,omitempty"`
	ToolCalls  []ToolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
	Refusal    *string    `json:"refusal,omitempty"`

	// FunctionCall is an assistant message's deprecated function_call
	// ({"name","arguments"}), kept verbatim: decoding would otherwise drop
	// it without a trace, so a provider that cannot translate it could not
	// refuse it. A JSON null is kept as null and means "absent".
	FunctionCall json.RawMessage `json:"function_call,omitempty"`
}

// Content is a message's content: plain text, or parts (text, image_url,
// input_audio, file...). A nil Content marshals as null, which OpenAI uses
// for assistant messages that only carry tool calls.
type Content struct {
	Text    string
	Parts   []Part
	IsParts bool // true when the caller sent an array (even of one text part)
	Null    bool // true when the caller sent null or omitted content
}

// TextContent is a plain-text Content.
func TextContent(s string) Content { return Content{Text: s} }

// Part is one content part. Unknown part types are kept verbatim in Raw.
type Part struct {
	Type     string          `json:"type"`
	Text     string          `json:"text,omitempty"`
	ImageURL *ImageURL       `json:"image_url,omitempty"`
	Raw      json.RawMessage `json:"-"`
}

// ImageURL is an image part's URL: https://... or data:image/png;base64,...
type ImageURL struct {
	URL    string `json:"url"`
	Detail string `json:"detail,omitempty"`
}

func (p Part) MarshalJSON() ([]byte, error) {
	if p.Raw != nil {
		return p.Raw, nil
	}
	type alias Part
	return json.Marshal(alias(p))
}

func (p *Part) UnmarshalJSON(b []byte) error {
	type alias Part
	var a alias
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	*p = Part(a)
	if p.Type != "text" && p.Type != "image_url" {
		p.Raw = append(json.RawMessage(nil), b...)
	}
	return nil
}

func (c Content) MarshalJSON() ([]byte, error) {
	switch {
	case c.IsParts:
		if c.Parts == nil {
			return []byte("[]"), nil
		}
		return json.Marshal(c.Parts)
	case c.Null && c.Text == "":
		return []byte("null"), nil
	default:
		return json.Marshal(c.Text)
	}
}

func (c *Content) UnmarshalJSON(b []byte) error {
	*c = Content{}
	switch {
	case string(b) == "null":
		c.Null = true
		return nil
	case len(b) > 0 && b[0] == '"':
		return json.Unmarshal(b, &c.Text)
	case len(b) > 0 && b[0] == '[':
		c.IsParts = true
		return json.Unmarshal(b, &c.Parts)
	}
	return &shapeError{"a string, an array of content parts or null", jsonKindOf(b)}
}

// String returns the text of the content: the string, or its text parts joined.
func (c Content) String() string {
	if !c.IsParts {
		return c.Text
	}
	var sb strings.Builder
	for _, p := range c.Parts {
		if p.Type == "text" {
			sb.WriteString(p.Text)
		}
	}
	return sb.String()
}

// HasImages reports whether any part is an image.
func (c Content) HasImages() bool {
	for _, p := range c.Parts {
		if p.Type == "image_url" {
			return true
		}
	}
	return false
}

// ToolCall is an assistant's call of a function.
type ToolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"`
	Function FunctionCall `json:"function"`
}

// FunctionCall carries the function name and its JSON-string arguments.
type FunctionCall struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}
