package messages

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// Decode reads a POST /v1/messages body. It is lenient where the API is
// (unknown fields are kept, in Raw, for a native target) and strict where
// the API refuses: model, max_tokens and messages required, roles user or
// assistant, numbers in their ranges. max_tokens is capped at
// chat.MaxOutputTokens, as chat's is, since it multiplies into the
// budget's worst case. The returned Request keeps body as Raw (not
// copied: the caller must not reuse it).
func Decode(body []byte) (*Request, *FieldError) { return decode(body, false) }

// DecodeCount reads a POST /v1/messages/count_tokens body: the same, but
// with no max_tokens.
func DecodeCount(body []byte) (*Request, *FieldError) { return decode(body, true) }

func decode(body []byte, count bool) (*Request, *FieldError) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return nil, fieldErr("body", "the request body must be a JSON object")
	}
	var r Request
	for k, v := range top {
		dst := r.field(k)
		if dst == nil {
			continue // kept in Raw
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return nil, fieldErr(k, "%s", describe(err))
		}
	}
	r.Raw = body
	if fe := r.check(count); fe != nil {
		return nil, fe
	}
	return &r, nil
}

func (r *Request) field(k string) any {
	switch k {
	case "model":
		return &r.Model
	case "max_tokens":
		return &r.MaxTokens
	case "messages":
		return &r.Messages
	case "system":
		return &r.System
	case "stream":
		return &r.Stream
	case "temperature":
		return &r.Temperature
	case "top_p":
		return &r.TopP
	case "top_k":
		return &r.TopK
	case "stop_sequences":
		return &r.StopSequences
	case "tools":
		return &r.Tools
	case "tool_choice":
		return &r.ToolChoice
	case "metadata":
		return &r.Metadata
	case "thinking":
		return &r.Thinking
	case "router":
		return &r.Router
	}
	return nil
}

// describe words a decoding error without Go's type names.
func describe(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		where := te.Field
		if where != "" {
			where = " at " + where
		}
		return fmt.Sprintf("unexpected %s%s", te.Value, where)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// check refuses what the Messages API refuses before any upstream is
// called (and what would overflow the gateway's arithmetic).
func (r *Request) check(count bool) *FieldError {
	if r.Model == "" {
		return fieldErr("model", "Field required")
	}
	if r.MaxTokens == nil && !count {
		return fieldErr("max_tokens", "Field required")
	}
	if r.MaxTokens != nil {
		if v := *r.MaxTokens; v < 1 || v > chat.MaxOutputTokens {
			return fieldErr("max_tokens", "must be an integer from 1 to %d, not %d", chat.MaxOutputTokens, v)
		}
	}
	if len(r.Messages) == 0 {
		return fieldErr("messages", "Field required: at least one message")
	}
	for i, m := range r.Messages {
		if m.Role != "user" && m.Role != "assistant" {
			return fieldErr(fmt.Sprintf("messages.%d.role", i), "Input should be 'user' or 'assistant', not %q", m.Role)
		}
		if m.Content.Text == "" && len(m.Content.Blocks) == 0 {
			return fieldErr(fmt.Sprintf("messages.%d.content", i), "all messages must have non-empty content")
		}
		if err := checkContent(m.Content, fmt.Sprintf("messages.%d.content", i)); err != nil {
			return err
		}
	}
	if r.System != nil {
		for j, b := range r.System.Blocks {
			if b.Type != "text" {
				return fieldErr(fmt.Sprintf("system.%d.type", j), "system blocks must be text blocks, not %q", b.Type)
			}
		}
	}
	for _, f := range [...]struct {
		name string
		v    *float64
	}{{"temperature", r.Temperature}, {"top_p", r.TopP}} {
		if f.v != nil && (*f.v < 0 || *f.v > 1) {
			return fieldErr(f.name, "must be between 0 and 1, not %g", *f.v)
		}
	}
	if r.TopK != nil && *r.TopK < 0 {
		return fieldErr("top_k", "must be 0 or more, not %d", *r.TopK)
	}
	if t := r.Thinking; t != nil {
		switch t.Type {
		case "enabled":
			if t.BudgetTokens < 1 || t.BudgetTokens > chat.MaxOutputTokens {
				return fieldErr("thinking.budget_tokens", "must be an integer from 1 to %d, not %d", chat.MaxOutputTokens, t.BudgetTokens)
			}
		case "disabled", "adaptive":
		default:
			return fieldErr("thinking.type", "must be enabled, disabled or adaptive, not %q", t.Type)
		}
	}
	for i, t := range r.Tools {
		if t.Name == "" {
			return fieldErr(fmt.Sprintf("tools.%d.name", i), "Field required")
		}
		if t.Client() && len(t.InputSchema) == 0 {
			return fieldErr(fmt.Sprintf("tools.%d.input_schema", i), "Field required")
		}
	}
	if tc := r.ToolChoice; tc != nil {
		switch tc.Type {
		case "auto", "any", "none":
		case "tool":
			if tc.Name == "" {
				return fieldErr("tool_choice.name", "Field required for tool_choice type tool")
			}
		default:
			return fieldErr("tool_choice.type", "must be auto, any, tool or none, not %q", tc.Type)
		}
	}
	if len(r.Router) > 0 && r.Router[0] != '{' {
		return fieldErr("router", "an inline router must be an object")
	}
	return nil
}

// checkContent refuses blocks with no type, and tool_use inputs that are
// not objects.
func checkContent(c Content, where string) *FieldError {
	if !c.IsBlocks {
		return nil
	}
	for j, b := range c.Blocks {
		at := fmt.Sprintf("%s.%d", where, j)
		switch b.Type {
		case "":
			return fieldErr(at+".type", "Field required")
		case "tool_use", "server_tool_use":
			if b.ID == "" {
				return fieldErr(at+".id", "Field required")
			}
			if len(b.Input) == 0 || b.Input[0] != '{' {
				return fieldErr(at+".input", "must be an object")
			}
		case "tool_result":
			if b.ToolUseID == "" {
				return fieldErr(at+".tool_use_id", "Field required")
			}
			if b.Content != nil {
				if err := checkContent(*b.Content, at+".content"); err != nil {
					return err
				}
			}
		case "image", "document":
			if b.Source == nil {
				return fieldErr(at+".source", "Field required")
			}
		}
	}
	return nil
}
