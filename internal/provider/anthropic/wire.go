package anthropic

import "encoding/json"

// The request side of the Messages API wire format. Only what the
// translation produces is modelled; provider-specific parameters callers send
// (thinking, top_k, ...) are spliced into the body as raw JSON by buildBody,
// so a new Anthropic parameter never needs a change here.

// messagesRequest is the body of POST /v1/messages.
type messagesRequest struct {
	Model         string          `json:"model"`
	System        string          `json:"system,omitempty"`
	Messages      []message       `json:"messages"`
	MaxTokens     int             `json:"max_tokens"`
	Temperature   *float64        `json:"temperature,omitempty"`
	TopP          *float64        `json:"top_p,omitempty"`
	StopSequences []string        `json:"stop_sequences,omitempty"`
	Stream        bool            `json:"stream,omitempty"`
	Tools         []tool          `json:"tools,omitempty"`
	ToolChoice    *toolChoice     `json:"tool_choice,omitempty"`
	Metadata      *metadata       `json:"metadata,omitempty"`
	OutputConfig  json.RawMessage `json:"output_config,omitempty"`
}

// message is one turn. Content is always a list of blocks (never the string
// shorthand) so that consecutive turns of one role can be merged.
type message struct {
	Role    string  `json:"role"`
	Content []block `json:"content"`
}

// block is a request content block: text, image, tool_use or tool_result.
// Every field but Type is omitempty so each kind marshals with its own keys.
type block struct {
	Type string `json:"type"`

	Text string `json:"text,omitempty"` // text

	Source *imageSource `json:"source,omitempty"` // image

	ID    string          `json:"id,omitempty"`    // tool_use
	Name  string          `json:"name,omitempty"`  // tool_use
	Input json.RawMessage `json:"input,omitempty"` // tool_use: always an object

	ToolUseID string  `json:"tool_use_id,omitempty"` // tool_result
	Content   []block `json:"content,omitempty"`     // tool_result: text and image blocks
}

// imageSource is an image block's source: base64 data or a URL.
type imageSource struct {
	Type      string `json:"type"` // "base64" or "url"
	MediaType string `json:"media_type,omitempty"`
	Data      string `json:"data,omitempty"`
	URL       string `json:"url,omitempty"`
}

// tool is a client tool definition.
type tool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema"`
	Strict      *bool           `json:"strict,omitempty"`
}

// toolChoice is {"type": auto|any|tool|none, "name", "disable_parallel_tool_use"}.
type toolChoice struct {
	Type                   string `json:"type"`
	Name                   string `json:"name,omitempty"`
	DisableParallelToolUse bool   `json:"disable_parallel_tool_use,omitempty"`
}

// metadata is the only metadata Anthropic accepts: an opaque end-user id.
type metadata struct {
	UserID string `json:"user_id"`
}
