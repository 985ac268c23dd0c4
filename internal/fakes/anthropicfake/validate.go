package anthropicfake

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// checkHTTP validates method, path and headers as the API would; a zero
// status means the request passes.
func checkHTTP(r *http.Request, version string) (int, string, string) {
	switch {
	case r.Method != http.MethodPost || (r.URL.Path != "/v1/messages" && r.URL.Path != CountTokensPath):
		return http.StatusNotFound, "not_found_error", "Not Found: " + r.Method + " " + r.URL.Path
	case r.Header.Get("x-api-key") != APIKey:
		return http.StatusUnauthorized, "authentication_error", "invalid x-api-key"
	case r.Header.Get("anthropic-version") != version:
		return http.StatusBadRequest, "invalid_request_error", "anthropic-version: unexpected " + r.Header.Get("anthropic-version")
	case r.Header.Get("content-type") != "application/json":
		return http.StatusBadRequest, "invalid_request_error", "content-type must be application/json"
	}
	return 0, "", ""
}

// knownKeys are the top-level Messages parameters; Anthropic rejects others
// ("Extra inputs are not permitted").
var knownKeys = map[string]bool{
	"model": true, "messages": true, "system": true, "max_tokens": true, "temperature": true,
	"top_p": true, "top_k": true, "stop_sequences": true, "stream": true, "tools": true,
	"tool_choice": true, "metadata": true, "thinking": true, "service_tier": true,
	"output_config": true, "context_management": true, "container": true, "mcp_servers": true,
}

// countKeys are the parameters of POST /v1/messages/count_tokens.
var countKeys = map[string]bool{
	"model": true, "messages": true, "system": true, "tools": true, "tool_choice": true,
	"thinking": true, "mcp_servers": true, "context_management": true,
}

// ValidateBody checks a Messages request body the way the API would, so a
// translation test can prove a body would be accepted without sending it.
func ValidateBody(raw []byte) error { return validateBody(raw, false) }

// ValidateCountBody checks a count_tokens body: no max_tokens, no stream.
func ValidateCountBody(raw []byte) error { return validateBody(raw, true) }

func validateBody(raw []byte, count bool) error {
	var body struct {
		Model     *string          `json:"model"`
		MaxTokens *int             `json:"max_tokens"`
		Temp      *float64         `json:"temperature"`
		Messages  []wireMessage    `json:"messages"`
		System    json.RawMessage  `json:"system"`
		Tools     []map[string]any `json:"tools"`
		Thinking  *struct {
			Type         string `json:"type"`
			BudgetTokens int    `json:"budget_tokens"`
		} `json:"thinking"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return fmt.Errorf("body: %v", err)
	}
	var all map[string]json.RawMessage
	_ = json.Unmarshal(raw, &all)
	keys := knownKeys
	if count {
		keys = countKeys
	}
	for k := range all {
		if !keys[k] {
			return fmt.Errorf("%s: Extra inputs are not permitted", k)
		}
	}
	if t := body.Thinking; t != nil && t.Type == "enabled" {
		// "budget_tokens must be >= 1024" and, without interleaved
		// thinking, less than max_tokens.
		if t.BudgetTokens < 1024 || (!count && body.MaxTokens != nil && t.BudgetTokens >= *body.MaxTokens) {
			return fmt.Errorf("thinking.enabled.budget_tokens: must be >= 1024 and less than max_tokens")
		}
	}
	if err := validateSystem(body.System); err != nil {
		return err
	}
	switch {
	case body.Model == nil || *body.Model == "":
		return fmt.Errorf("model: Field required")
	case !count && (body.MaxTokens == nil || *body.MaxTokens < 1):
		return fmt.Errorf("max_tokens: Field required and must be >= 1")
	case len(body.Messages) == 0:
		return fmt.Errorf("messages: at least one message is required")
	case body.Temp != nil && (*body.Temp < 0 || *body.Temp > 1):
		return fmt.Errorf("temperature: must be between 0 and 1, got %g", *body.Temp)
	}
	for i, t := range body.Tools {
		// A client tool (no type, or "custom") declares its input schema;
		// Anthropic's server tools (web_search_20250305, ...) are typed and
		// take no schema.
		typ, _ := t["type"].(string)
		if t["name"] == "" || t["name"] == nil {
			return fmt.Errorf("tools.%d: name is required", i)
		}
		if _, ok := t["input_schema"]; !ok && (typ == "" || typ == "custom") {
			return fmt.Errorf("tools.%d: input_schema is required for a client tool", i)
		}
	}
	return validateMessages(body.Messages)
}

type wireMessage struct {
	Role    string      `json:"role"`
	Content wireContent `json:"content"`
}

// wireContent is a message's content: a string (one text block) or a
// list of blocks.
type wireContent []wireBlock

func (c *wireContent) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = wireContent{{Type: "text", Text: &s}}
		return nil
	}
	var blocks []wireBlock
	if err := json.Unmarshal(b, &blocks); err != nil {
		return fmt.Errorf("content must be a string or a list of blocks: %w", err)
	}
	*c = blocks
	return nil
}

type wireBlock struct {
	Type         string          `json:"type"`
	Text         *string         `json:"text"`
	ID           string          `json:"id"`
	Input        json.RawMessage `json:"input"`
	ToolUseID    string          `json:"tool_use_id"`
	Source       json.RawMessage `json:"source"`
	Signature    *string         `json:"signature"`
	Thinking     *string         `json:"thinking"`
	Data         string          `json:"data"`
	CacheControl *cacheControl   `json:"cache_control"`
}

// cacheControl is a breakpoint: {"type":"ephemeral"} with an optional
// ttl of 5m or 1h.
type cacheControl struct {
	Type string `json:"type"`
	TTL  string `json:"ttl"`
}

func (c *cacheControl) check(where string) error {
	if c == nil {
		return nil
	}
	if c.Type != "ephemeral" || (c.TTL != "" && c.TTL != "5m" && c.TTL != "1h") {
		return fmt.Errorf("%s.cache_control: type must be ephemeral and ttl 5m or 1h", where)
	}
	return nil
}

// validateSystem takes a string or a list of text blocks (cache_control
// allowed on each).
func validateSystem(raw json.RawMessage) error {
	if len(raw) == 0 || raw[0] == '"' {
		return nil
	}
	var blocks []wireBlock
	if raw[0] != '[' || json.Unmarshal(raw, &blocks) != nil {
		return fmt.Errorf("system: must be a string or a list of text blocks")
	}
	for i, b := range blocks {
		where := fmt.Sprintf("system.%d", i)
		if b.Type != "text" || b.Text == nil || *b.Text == "" {
			return fmt.Errorf("%s: system blocks must be non-empty text blocks", where)
		}
		if err := b.CacheControl.check(where); err != nil {
			return err
		}
	}
	return nil
}

func validateMessages(msgs []wireMessage) error {
	prevToolUses := map[string]bool{}
	for i, m := range msgs {
		switch {
		case i == 0 && m.Role != "user":
			return fmt.Errorf("messages.0.role: first message must use the user role")
		case m.Role != "user" && m.Role != "assistant":
			return fmt.Errorf("messages.%d.role: unexpected role %q", i, m.Role)
		case i > 0 && m.Role == msgs[i-1].Role:
			return fmt.Errorf("messages: roles must alternate between \"user\" and \"assistant\", but found multiple %q roles in a row", m.Role)
		case len(m.Content) == 0:
			return fmt.Errorf("messages.%d: all messages must have non-empty content", i)
		}
		toolUses := map[string]bool{}
		seenOther := false
		for j, b := range m.Content {
			where := fmt.Sprintf("messages.%d.content.%d", i, j)
			if err := b.CacheControl.check(where); err != nil {
				return err
			}
			switch b.Type {
			case "text":
				if b.Text == nil || *b.Text == "" {
					return fmt.Errorf("%s: text content blocks must be non-empty", where)
				}
				seenOther = true
			case "image":
				if m.Role != "user" || len(b.Source) == 0 {
					return fmt.Errorf("%s: image blocks need a source and a user turn", where)
				}
				seenOther = true
			case "tool_use":
				if m.Role != "assistant" || b.ID == "" || len(b.Input) == 0 || b.Input[0] != '{' {
					return fmt.Errorf("%s: tool_use needs an assistant turn, an id and an object input", where)
				}
				toolUses[b.ID] = true
			case "tool_result":
				if m.Role != "user" || seenOther {
					return fmt.Errorf("%s: tool_result blocks must come first in a user turn", where)
				}
				if !prevToolUses[b.ToolUseID] {
					return fmt.Errorf("%s: unexpected tool_use_id %q (no tool_use in the previous message)", where, b.ToolUseID)
				}
			case "document":
				if m.Role != "user" || len(b.Source) == 0 {
					return fmt.Errorf("%s: document blocks need a source and a user turn", where)
				}
				seenOther = true
			case "thinking":
				if m.Role != "assistant" || b.Thinking == nil || b.Signature == nil || *b.Signature == "" {
					return fmt.Errorf("%s: thinking blocks need an assistant turn, thinking and a signature", where)
				}
			case "redacted_thinking":
				if m.Role != "assistant" || b.Data == "" {
					return fmt.Errorf("%s: redacted_thinking blocks need an assistant turn and data", where)
				}
			default:
				return fmt.Errorf("%s.type: unknown block type %q", where, b.Type)
			}
		}
		prevToolUses = toolUses
	}
	return nil
}
