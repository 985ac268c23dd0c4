package messages

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Request is a Messages request body. Only what translation and routing
// read is typed; a native target gets Raw, the caller's bytes, so fields
// not modelled here (container, mcp_servers, service_tier, a parameter
// Anthropic adds tomorrow) still reach it.
type Request struct {
	Model         string          `json:"model"`
	MaxTokens     *int            `json:"max_tokens,omitempty"`
	Messages      []Message       `json:"messages"`
	System        *Content        `json:"system,omitempty"`
	Stream        bool            `json:"stream,omitempty"`
	Temperature   *float64        `json:"temperature,omitempty"`
	TopP          *float64        `json:"top_p,omitempty"`
	TopK          *int            `json:"top_k,omitempty"`
	StopSequences []string        `json:"stop_sequences,omitempty"`
	Tools         []Tool          `json:"tools,omitempty"`
	ToolChoice    *ToolChoice     `json:"tool_choice,omitempty"`
	Metadata      *Metadata       `json:"metadata,omitempty"`
	Thinking      *Thinking       `json:"thinking,omitempty"`
	Router        json.RawMessage `json:"router,omitempty"` // the gateway's inline router, never sent upstream

	// Raw is the body as received.
	Raw []byte `json:"-"`
}

// Message is one turn: user or assistant.
type Message struct {
	Role    string  `json:"role"`
	Content Content `json:"content"`
}

// Content is a string or a list of blocks, as a message's content, the
// system prompt and a tool_result's content all may be.
type Content struct {
	Text     string
	Blocks   []Block
	IsBlocks bool
}

// MarshalJSON writes the string or the blocks, as received.
func (c Content) MarshalJSON() ([]byte, error) {
	if c.IsBlocks {
		if c.Blocks == nil {
			return []byte("[]"), nil
		}
		return json.Marshal(c.Blocks)
	}
	return json.Marshal(c.Text)
}

// UnmarshalJSON takes a string or an array of blocks; anything else
// (null, a number, an object) is refused, as Anthropic refuses it.
func (c *Content) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		*c = Content{}
		return json.Unmarshal(b, &c.Text)
	case len(b) > 0 && b[0] == '[':
		*c = Content{IsBlocks: true}
		return json.Unmarshal(b, &c.Blocks)
	}
	return errors.New("must be a string or an array of content blocks")
}

// Block is a content block. Every kind shares the struct; each fills the
// fields it has. Fields of kinds not modelled are in the caller's Raw.
type Block struct {
	Type string `json:"type"`

	Text string `json:"text,omitempty"` // text

	Source *Source `json:"source,omitempty"` // image, document
	Title  string  `json:"title,omitempty"`  // document

	ID    string          `json:"id,omitempty"`    // tool_use
	Name  string          `json:"name,omitempty"`  // tool_use
	Input json.RawMessage `json:"input,omitempty"` // tool_use: an object

	ToolUseID string   `json:"tool_use_id,omitempty"` // tool_result
	Content   *Content `json:"content,omitempty"`     // tool_result
	IsError   bool     `json:"is_error,omitempty"`    // tool_result

	Thinking  string `json:"thinking,omitempty"`  // thinking
	Signature string `json:"signature,omitempty"` // thinking
	Data      string `json:"data,omitempty"`      // redacted_thinking

	CacheControl json.RawMessage `json:"cache_control,omitempty"`
	Citations    json.RawMessage `json:"citations,omitempty"`
}

// Source is an image's or a document's source.
type Source struct {
	Type      string `json:"type"` // base64, url, text
	MediaType string `json:"media_type,omitempty"`
	Data      string `json:"data,omitempty"`
	URL       string `json:"url,omitempty"`
}

// Tool is a tool definition: a client tool (input_schema), or one of
// Anthropic's server tools (a versioned type such as web_search_20250305).
type Tool struct {
	Type         string          `json:"type,omitempty"`
	Name         string          `json:"name"`
	Description  string          `json:"description,omitempty"`
	InputSchema  json.RawMessage `json:"input_schema,omitempty"`
	CacheControl json.RawMessage `json:"cache_control,omitempty"`
}

// Client reports whether t is a client tool, one a chat function can
// stand for.
func (t Tool) Client() bool { return t.Type == "" || t.Type == "custom" }

// ToolChoice is {"type": auto|any|tool|none, "name", "disable_parallel_tool_use"}.
type ToolChoice struct {
	Type                   string `json:"type"`
	Name                   string `json:"name,omitempty"`
	DisableParallelToolUse bool   `json:"disable_parallel_tool_use,omitempty"`
}

// Metadata is the request's metadata: an opaque end-user id.
type Metadata struct {
	UserID string `json:"user_id,omitempty"`
}

// Thinking is the extended thinking config.
type Thinking struct {
	Type         string `json:"type"` // enabled, disabled, adaptive
	BudgetTokens int    `json:"budget_tokens,omitempty"`
}

// FieldError is a request the real API would refuse, naming the field.
type FieldError struct {
	Param string
	Msg   string
}

func (e *FieldError) Error() string { return e.Param + ": " + e.Msg }

func fieldErr(param, format string, args ...any) *FieldError {
	return &FieldError{Param: param, Msg: fmt.Sprintf(format, args...)}
}
