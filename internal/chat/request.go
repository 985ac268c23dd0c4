package chat

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Request is an OpenAI chat completion request. Fields the gateway reads are
// typed; everything else a caller sends is kept verbatim in Extra.
type Request struct {
	Model               string          `json:"model"`
	Messages            []Message       `json:"messages"`
	Stream              bool            `json:"stream,omitempty"`
	StreamOptions       *StreamOptions  `json:"stream_options,omitempty"`
	Temperature         *float64        `json:"temperature,omitempty"`
	TopP                *float64        `json:"top_p,omitempty"`
	MaxTokens           *int            `json:"max_tokens,omitempty"`
	MaxCompletionTokens *int            `json:"max_completion_tokens,omitempty"`
	Stop                Stop            `json:"stop,omitempty"`
	Seed                *int64          `json:"seed,omitempty"`
	N                   *int            `json:"n,omitempty"`
	PresencePenalty     *float64        `json:"presence_penalty,omitempty"`
	FrequencyPenalty    *float64        `json:"frequency_penalty,omitempty"`
	Tools               []Tool          `json:"tools,omitempty"`
	ToolChoice          *ToolChoice     `json:"tool_choice,omitempty"`
	ParallelToolCalls   *bool           `json:"parallel_tool_calls,omitempty"`
	ResponseFormat      *ResponseFormat `json:"response_format,omitempty"`
	User                string          `json:"user,omitempty"`
	Metadata            map[string]any  `json:"metadata,omitempty"`

	// Extra holds every other top-level field as received (logprobs,
	// reasoning_effort, router, extra, ...). Keys of the typed fields above
	// never appear here.
	Extra map[string]json.RawMessage `json:"-"`

	// rawMessages is messages as received; MarshalJSON reuses it while
	// Messages is the slice decoded from it (providers must not modify a
	// request), so an OpenAI-compatible upstream gets the caller's
	// messages byte for byte, unknown fields included, without re-encoding.
	rawMessages json.RawMessage
	msgsHead    *Message
	msgsLen     int
}

// StreamOptions is stream_options.
type StreamOptions struct {
	IncludeUsage bool `json:"include_usage,omitempty"`
	// IncludeObfuscation is OpenAI's switch for the padding field on
	// stream events; relayed as sent.
	IncludeObfuscation *bool `json:"include_obfuscation,omitempty"`
}

// WithUsage returns a copy of o that asks for the usage chunk
// (include_usage), the caller's other options kept. o may be nil. The
// gateway asks for usage on every stream, to price it.
func (o *StreamOptions) WithUsage() *StreamOptions {
	var c StreamOptions
	if o != nil {
		c = *o
	}
	c.IncludeUsage = true
	return &c
}

// Stop accepts a single string or a list of strings, as OpenAI does.
type Stop []string

func (s *Stop) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*s = nil
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = Stop{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return &shapeError{"a string or an array of strings", jsonKindOf(b)}
	}
	*s = many
	return nil
}

// Tool is a function tool definition.
type Tool struct {
	Type     string       `json:"type"`
	Function FunctionSpec `json:"function"`
}

// FunctionSpec describes a callable function.
type FunctionSpec struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// ToolChoice is "auto" | "none" | "required" or {"type":"function","function":{"name":...}}.
type ToolChoice struct {
	Mode     string // auto, none, required; empty when Function is set
	Function string // the named function to force
}

func (t ToolChoice) MarshalJSON() ([]byte, error) {
	if t.Function != "" {
		return json.Marshal(map[string]any{"type": "function", "function": map[string]string{"name": t.Function}})
	}
	return json.Marshal(t.Mode)
}

func (t *ToolChoice) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &t.Mode)
	}
	var obj struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if len(b) == 0 || b[0] != '{' {
		return &shapeError{`"auto", "none", "required" or {"type":"function","function":{"name":...}}`, jsonKindOf(b)}
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return err // names the member of the wrong type (function.name)
	}
	if obj.Function.Name == "" {
		return &missingError{"function.name"}
	}
	t.Function = obj.Function.Name
	return nil
}

// ResponseFormat is response_format: text, json_object or json_schema.
type ResponseFormat struct {
	Type       string      `json:"type"`
	JSONSchema *JSONSchema `json:"json_schema,omitempty"`
}

// JSONSchema is response_format.json_schema.
type JSONSchema struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Schema      json.RawMessage `json:"schema,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// requestAlias has Request's fields without its methods, for default (un)marshalling.
type requestAlias Request

// UnmarshalJSON decodes the typed fields and keeps the rest in Extra.
func (r *Request) UnmarshalJSON(b []byte) error {
	if decodeFast(b, r) {
		return nil
	}
	return r.unmarshalSlow(b)
}

// unmarshalSlow is UnmarshalJSON by encoding/json alone: each top-level
// value is decoded into its field, and its errors name the field.
func (r *Request) unmarshalSlow(b []byte) error {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return describe("", err) // not an object
	}
	*r = Request{}
	for k, v := range all {
		dst := r.field(k)
		if dst == nil {
			if r.Extra == nil {
				r.Extra = make(map[string]json.RawMessage, len(all))
			}
			r.Extra[k] = v
			continue
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return fieldError(b, k, err)
		}
	}
	if raw, ok := all["messages"]; ok && len(r.Messages) > 0 {
		r.rawMessages, r.msgsHead, r.msgsLen = raw, &r.Messages[0], len(r.Messages)
	}
	return nil
}

// messagesAsReceived reports whether Messages is still the decoded slice.
func (r *Request) messagesAsReceived() bool {
	return r.rawMessages != nil && len(r.Messages) == r.msgsLen && r.msgsLen > 0 && &r.Messages[0] == r.msgsHead
}

// field returns a pointer to the typed field for JSON key k, nil for keys
// kept in Extra.
func (r *Request) field(k string) any {
	switch k {
	case "model":
		return &r.Model
	case "messages":
		return &r.Messages
	case "stream":
		return &r.Stream
	case "stream_options":
		return &r.StreamOptions
	case "temperature":
		return &r.Temperature
	case "top_p":
		return &r.TopP
	case "max_tokens":
		return &r.MaxTokens
	case "max_completion_tokens":
		return &r.MaxCompletionTokens
	case "stop":
		return &r.Stop
	case "seed":
		return &r.Seed
	case "n":
		return &r.N
	case "presence_penalty":
		return &r.PresencePenalty
	case "frequency_penalty":
		return &r.FrequencyPenalty
	case "tools":
		return &r.Tools
	case "tool_choice":
		return &r.ToolChoice
	case "parallel_tool_calls":
		return &r.ParallelToolCalls
	case "response_format":
		return &r.ResponseFormat
	case "user":
		return &r.User
	case "metadata":
		return &r.Metadata
	}
	return nil
}

// MarshalJSON writes the typed fields then Extra.
func (r Request) MarshalJSON() ([]byte, error) {
	if b, ok := r.appendFast(make([]byte, 0, len(r.rawMessages)+256)); ok {
		return b, nil
	}
	return r.marshalSlow()
}

// marshalSlow is MarshalJSON by encoding/json: the reference appendFast
// is held to, and the error when a value does not encode.
func (r Request) marshalSlow() ([]byte, error) {
	a := requestAlias(r)
	reuse := r.messagesAsReceived()
	if reuse {
		a.Messages = nil
	}
	base, err := marshalRaw(a)
	if err != nil {
		return nil, err
	}
	if reuse {
		// "model" (a string, its quotes escaped) is the only field before
		// messages, so the first match is the messages field.
		base = bytes.Replace(base, []byte(`"messages":null`), append([]byte(`"messages":`), r.rawMessages...), 1)
	}
	if len(r.Extra) == 0 {
		return base, nil
	}
	extra, err := marshalRaw(r.Extra)
	if err != nil {
		return nil, err
	}
	// Splice {"a":1} + {"b":2} into {"a":1,"b":2}.
	out := make([]byte, 0, len(base)+len(extra))
	out = append(out, base[:len(base)-1]...)
	out = append(out, ',')
	out = append(out, extra[1:]...)
	return out, nil
}

// Clone returns a deep copy, so a target's params never leak into the
// caller's request or into another target's attempt.
func (r *Request) Clone() *Request {
	c := *r
	c.Messages = append([]Message(nil), r.Messages...)
	c.Tools = append([]Tool(nil), r.Tools...)
	c.Stop = append(Stop(nil), r.Stop...)
	if r.Extra != nil {
		c.Extra = make(map[string]json.RawMessage, len(r.Extra))
		for k, v := range r.Extra {
			c.Extra[k] = v
		}
	}
	if r.Metadata != nil {
		c.Metadata = make(map[string]any, len(r.Metadata))
		for k, v := range r.Metadata {
			c.Metadata[k] = v
		}
	}
	return &c
}

// WithParams returns a copy of r with params merged in as if the caller had
// sent them as top-level fields (a target's params win over the caller's).
// A merged value out of its range (CheckLimits) is an error wrapping the
// *FieldError.
func (r *Request) WithParams(params map[string]any) (*Request, error) {
	if len(params) == 0 {
		return r, nil
	}
	raw, err := r.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	for k, v := range params {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("params.%s: %w", k, err)
		}
		m[k] = b
	}
	merged, err := marshalRaw(m)
	if err != nil {
		return nil, err
	}
	var out Request
	if err := json.Unmarshal(merged, &out); err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	// An inline router's params are the caller's numbers too.
	if fe := out.CheckLimits(); fe != nil {
		return nil, fmt.Errorf("params: %w", fe)
	}
	return &out, nil
}

// OutputLimit is the caller's cap on output tokens (max_completion_tokens,
// else max_tokens), or 0 when unset.
func (r *Request) OutputLimit() int {
	if r.MaxCompletionTokens != nil {
		return *r.MaxCompletionTokens
	}
	if r.MaxTokens != nil {
		return *r.MaxTokens
	}
	return 0
}

// ExtraFor decodes extra.<provider> (provider-specific parameters) if present.
func (r *Request) ExtraFor(provider string) map[string]any {
	raw, ok := r.Extra["extra"]
	if !ok {
		return nil
	}
	var all map[string]json.RawMessage
	if json.Unmarshal(raw, &all) != nil {
		return nil
	}
	var out map[string]any
	if json.Unmarshal(all[provider], &out) != nil {
		return nil
	}
	return out
}

// marshalRaw is json.Marshal without HTML escaping: a caller's "<b>" or
// "a && b" goes upstream as sent, not as \u003cb\u003e.
func marshalRaw(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
