package responses

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// Request is a Responses API request (POST /v1/responses). The fields the
// gateway reads or translates are typed; every other top-level field is
// kept verbatim in Extra, and Raw is the body as received, which a native
// target (OpenAI) gets unchanged but for the model.
type Request struct {
	Model string `json:"model"`
	// Input is a string or an array of items, kept as received (Items
	// reads it).
	Input             json.RawMessage `json:"input"`
	Instructions      *string         `json:"instructions,omitempty"`
	Tools             []Tool          `json:"tools,omitempty"`
	ToolChoice        json.RawMessage `json:"tool_choice,omitempty"`
	Temperature       *float64        `json:"temperature,omitempty"`
	TopP              *float64        `json:"top_p,omitempty"`
	MaxOutputTokens   *int            `json:"max_output_tokens,omitempty"`
	Text              *TextConfig     `json:"text,omitempty"`
	Metadata          map[string]any  `json:"metadata,omitempty"`
	Store             *bool           `json:"store,omitempty"`
	Stream            bool            `json:"stream,omitempty"`
	ParallelToolCalls *bool           `json:"parallel_tool_calls,omitempty"`
	Reasoning         *Reasoning      `json:"reasoning,omitempty"`
	User              string          `json:"user,omitempty"`

	// Extra holds every other top-level field as received (router, extra,
	// include, truncation, service_tier...).
	Extra map[string]json.RawMessage `json:"-"`
	// Raw is the body as received.
	Raw []byte `json:"-"`

	items []Item // input read by Decode
}

// Tool is one entry of tools: a function tool (Name, Parameters...) or a
// built-in tool (web_search, file_search, ...) kept as received in Raw.
type Tool struct {
	Type        string          `json:"type"`
	Name        string          `json:"name,omitempty"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
	Raw         json.RawMessage `json:"-"`
}

func (t *Tool) UnmarshalJSON(b []byte) error {
	type alias Tool
	var a alias
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	*t = Tool(a)
	t.Raw = append(json.RawMessage(nil), b...)
	return nil
}

func (t Tool) MarshalJSON() ([]byte, error) {
	if t.Raw != nil {
		return t.Raw, nil
	}
	type alias Tool
	return json.Marshal(alias(t))
}

// TextConfig is text: the output format.
type TextConfig struct {
	Format    *Format `json:"format,omitempty"`
	Verbosity string  `json:"verbosity,omitempty"`
}

// Format is text.format: text, json_object or json_schema (whose name,
// schema and strict sit beside type, not under a json_schema key as in
// chat).
type Format struct {
	Type        string          `json:"type"`
	Name        string          `json:"name,omitempty"`
	Description string          `json:"description,omitempty"`
	Schema      json.RawMessage `json:"schema,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// Reasoning is reasoning: effort (minimal, low, medium, high...) and
// summary.
type Reasoning struct {
	Effort  string `json:"effort,omitempty"`
	Summary string `json:"summary,omitempty"`
}

// stateful are the parameters that need responses stored by the gateway,
// which it does not do: refused with a 400 naming them.
var stateful = []string{"previous_response_id", "conversation"}

// Decode reads a caller's request body. Every error is a *chat.FieldError
// naming the parameter: a body that is not a JSON object, a field of the
// wrong type, no model, no input, a stateful parameter, a number out of
// range, too many items or tools.
func Decode(body []byte) (*Request, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, &chat.FieldError{Msg: "the request body must be a JSON object with model and input"}
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(body, &all); err != nil {
		return nil, &chat.FieldError{Msg: "the request body is not valid JSON: " + err.Error()}
	}
	r := &Request{Raw: body}
	for k, v := range all {
		dst := r.field(k)
		if dst == nil {
			if r.Extra == nil {
				r.Extra = make(map[string]json.RawMessage, len(all))
			}
			r.Extra[k] = v
			continue
		}
		if isNull(v) {
			continue // null is "not set" for every typed field
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return nil, &chat.FieldError{Param: k, Msg: fmt.Sprintf("%s has the wrong type: %s", k, typeProblem(err))}
		}
	}
	if fe := r.check(); fe != nil {
		return nil, fe
	}
	return r, nil
}

func (r *Request) check() *chat.FieldError {
	for _, k := range stateful {
		if v, ok := r.Extra[k]; ok && !isNull(v) {
			return &chat.FieldError{Param: k, Code: "unsupported_parameter",
				Msg: k + " is not supported: this gateway does not store responses; send the whole conversation in input"}
		}
	}
	if len(r.Input) == 0 {
		return &chat.FieldError{Param: "input", Code: "missing_required_parameter", Msg: "input is required: a string or an array of input items"}
	}
	if r.MaxOutputTokens != nil {
		if v := *r.MaxOutputTokens; v < 1 || v > MaxOutputTokens {
			code := chat.CodeAboveMax
			if v < 1 {
				code = chat.CodeBelowMin
			}
			return &chat.FieldError{Param: "max_output_tokens", Code: code,
				Msg: fmt.Sprintf("max_output_tokens must be an integer from 1 to %d, not %d", MaxOutputTokens, v)}
		}
	}
	if len(r.Tools) > MaxTools {
		return &chat.FieldError{Param: "tools", Code: "array_above_max_length",
			Msg: fmt.Sprintf("tools has %d entries; at most %d are accepted", len(r.Tools), MaxTools)}
	}
	for i, t := range r.Tools {
		if t.Type == "" {
			return &chat.FieldError{Param: fmt.Sprintf("tools[%d].type", i), Msg: fmt.Sprintf("tools[%d].type is required", i)}
		}
		if t.Type == "function" && t.Name == "" {
			return &chat.FieldError{Param: fmt.Sprintf("tools[%d].name", i), Msg: fmt.Sprintf("tools[%d].name is required for a function tool", i)}
		}
	}
	items, fe := r.Items()
	if fe != nil {
		return fe
	}
	r.items = items
	return nil
}

// field is a pointer to the typed field for JSON key k, nil for keys kept
// in Extra.
func (r *Request) field(k string) any {
	switch k {
	case "model":
		return &r.Model
	case "input":
		return &r.Input
	case "instructions":
		return &r.Instructions
	case "tools":
		return &r.Tools
	case "tool_choice":
		return &r.ToolChoice
	case "temperature":
		return &r.Temperature
	case "top_p":
		return &r.TopP
	case "max_output_tokens":
		return &r.MaxOutputTokens
	case "text":
		return &r.Text
	case "metadata":
		return &r.Metadata
	case "store":
		return &r.Store
	case "stream":
		return &r.Stream
	case "parallel_tool_calls":
		return &r.ParallelToolCalls
	case "reasoning":
		return &r.Reasoning
	case "user":
		return &r.User
	}
	return nil
}

// BuiltinTools lists the tools that are not functions (web_search,
// file_search, computer_use, mcp...), with their index: only a native
// target can run them.
func (r *Request) BuiltinTools() []int {
	var out []int
	for i, t := range r.Tools {
		if t.Type != "function" {
			out = append(out, i)
		}
	}
	return out
}

func isNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

// typeProblem says what encoding/json refused, in the caller's terms.
func typeProblem(err error) string {
	if ute, ok := err.(*json.UnmarshalTypeError); ok {
		where := ute.Field
		if where != "" {
			return fmt.Sprintf("%s must not be a JSON %s", where, ute.Value)
		}
		return "must not be a JSON " + ute.Value
	}
	return err.Error()
}
