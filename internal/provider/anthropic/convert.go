package anthropic

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// defaultMaxTokens is sent when the caller sets no output limit: Anthropic
// requires max_tokens, OpenAI does not.
const defaultMaxTokens = 4096

// passthroughKeys are the top-level request keys (as a caller or a router
// target's params send them) that are Anthropic parameters and go into the
// body as they are. Any other unknown top-level key is dropped: Anthropic
// rejects fields it does not know, and OpenAI callers send many.
var passthroughKeys = []string{
	"thinking", "top_k", "service_tier", "output_config",
	"context_management", "container", "mcp_servers",
}

// reservedKeys cannot come from extra.anthropic: the gateway owns them.
var reservedKeys = map[string]bool{"model": true, "messages": true, "stream": true}

// anthropicServiceTiers are the service_tier values Anthropic accepts. An
// OpenAI tier name ("default", "flex", "priority") means nothing there.
var anthropicServiceTiers = map[string]bool{"auto": true, "standard_only": true}

// buildBody translates req into the JSON body of POST /v1/messages for model.
// A request Anthropic cannot honour is an *provider.Error of
// ClassUnsupported, status 400, naming the offending parameter.
func buildBody(model string, req *chat.Request, stream bool) ([]byte, error) {
	if err := checkParameters(req); err != nil {
		return nil, err
	}
	system, msgs, err := convertMessages(req.Messages)
	if err != nil {
		return nil, err
	}
	mr := messagesRequest{
		Model:         model,
		System:        system,
		Messages:      msgs,
		MaxTokens:     req.OutputLimit(), // checkParameters refused a limit below 1
		Temperature:   req.Temperature,
		TopP:          req.TopP,
		StopSequences: req.Stop,
		Stream:        stream,
	}
	if mr.Tools, err = convertTools(req.Tools); err != nil {
		return nil, err
	}
	if mr.ToolChoice, err = convertToolChoice(req.ToolChoice, req.ParallelToolCalls, mr.Tools); err != nil {
		return nil, err
	}
	if mr.OutputConfig, err = convertResponseFormat(req.ResponseFormat); err != nil {
		return nil, err
	}
	userID, err := endUserID(req)
	if err != nil {
		return nil, err
	}
	if userID != "" {
		mr.Metadata = &metadata{UserID: userID}
	}

	fields, err := toFields(mr)
	if err != nil {
		return nil, fmt.Errorf("anthropic: encode request: %w", err)
	}
	params, err := providerParams(req)
	if err != nil {
		return nil, err
	}
	if err := mergeParams(fields, params); err != nil {
		return nil, err
	}
	if mr.MaxTokens == 0 {
		fields["max_tokens"] = defaultLimit(fields["thinking"])
	}
	// Keys are written sorted (encoding/json sorts maps): golden files and
	// upstream logs stay stable.
	return json.Marshal(fields)
}

// invalid is a request Anthropic cannot serve as asked; nothing is sent
// upstream. Its class is ClassUnsupported: the attempt loop tries the next
// target (another provider may serve it), and the caller gets this 400
// only when it is the last outcome.
func invalid(param, format string, args ...any) *provider.Error {
	msg := fmt.Sprintf(format, args...)
	if param != "" {
		msg = param + ": " + msg
	}
	return &provider.Error{
		Class:   provider.ClassUnsupported,
		Status:  http.StatusBadRequest,
		Type:    "invalid_request_error",
		Param:   param,
		Message: "anthropic: " + msg,
	}
}

// endUserID is Anthropic's metadata.user_id, an opaque end-user id that
// Anthropic uses to detect abuse: OpenAI's safety_identifier, which means
// exactly that, else user, the field it replaced.
func endUserID(req *chat.Request) (string, error) {
	raw := req.Extra["safety_identifier"]
	if !present(raw) {
		return req.User, nil
	}
	var id string
	if json.Unmarshal(raw, &id) != nil {
		return "", invalid("safety_identifier", "must be a string")
	}
	if id == "" {
		return req.User, nil
	}
	return id, nil
}

// defaultLimit is max_tokens when the caller set none: defaultMaxTokens, or
// room for the answer above an extended-thinking budget, which Anthropic
// requires to be below max_tokens.
func defaultLimit(thinking json.RawMessage) json.RawMessage {
	n := defaultMaxTokens
	var t struct {
		BudgetTokens int `json:"budget_tokens"`
	}
	if thinking != nil && json.Unmarshal(thinking, &t) == nil && t.BudgetTokens >= n {
		// Saturating: a caller's budget near MaxInt must not wrap into a
		// negative max_tokens. Anthropic refuses such a budget itself.
		n = t.BudgetTokens + min(defaultMaxTokens, math.MaxInt-t.BudgetTokens)
	}
	b, _ := json.Marshal(n)
	return b
}

// convertTools maps OpenAI function tools to Anthropic client tools.
func convertTools(tools []chat.Tool) ([]tool, error) {
	if len(tools) == 0 {
		return nil, nil
	}
	out := make([]tool, 0, len(tools))
	for i, t := range tools {
		if t.Type != "" && t.Type != "function" {
			return nil, invalid(fmt.Sprintf("tools[%d].type", i), "only function tools are supported, not %q", t.Type)
		}
		if t.Function.Name == "" {
			return nil, invalid(fmt.Sprintf("tools[%d].function.name", i), "is required")
		}
		schema := t.Function.Parameters
		if len(schema) == 0 || isNull(schema) {
			// Anthropic requires input_schema; OpenAI allows a function
			// without parameters.
			schema = json.RawMessage(`{"type":"object","properties":{}}`)
		}
		out = append(out, tool{
			Name:        t.Function.Name,
			Description: t.Function.Description,
			InputSchema: schema,
			Strict:      t.Function.Strict,
		})
	}
	return out, nil
}

// convertToolChoice maps tool_choice and parallel_tool_calls. Without tools
// an auto or none choice and parallel_tool_calls mean nothing and Anthropic
// would reject a tool_choice, so they are left out (checkParameters has
// already refused a choice that demands a call).
func convertToolChoice(tc *chat.ToolChoice, parallel *bool, tools []tool) (*toolChoice, error) {
	if len(tools) == 0 {
		return nil, nil
	}
	var out *toolChoice
	switch {
	case tc == nil:
	case tc.Function != "":
		if !hasTool(tools, tc.Function) {
			return nil, invalid("tool_choice.function.name", "%q is not one of the request's tools", tc.Function)
		}
		out = &toolChoice{Type: "tool", Name: tc.Function}
	case tc.Mode == "auto":
		out = &toolChoice{Type: "auto"}
	case tc.Mode == "none":
		out = &toolChoice{Type: "none"}
	case tc.Mode == "required":
		out = &toolChoice{Type: "any"}
	default:
		return nil, invalid("tool_choice", `must be "auto", "none", "required" or a function, not %q`, tc.Mode)
	}
	if parallel != nil && !*parallel {
		if out == nil {
			out = &toolChoice{Type: "auto"}
		}
		// "none" calls no tool at all, so there is nothing to serialise.
		if out.Type != "none" {
			out.DisableParallelToolUse = true
		}
	}
	return out, nil
}

func hasTool(tools []tool, name string) bool {
	for _, t := range tools {
		if t.Name == name {
			return true
		}
	}
	return false
}

// convertResponseFormat maps json_schema onto Anthropic's structured outputs
// (output_config.format). json_object has no Anthropic equivalent — there is
// no JSON mode without a schema — so it is rejected rather than ignored: a
// caller parsing the reply as JSON must not get prose back.
func convertResponseFormat(rf *chat.ResponseFormat) (json.RawMessage, error) {
	if rf == nil || rf.Type == "" || rf.Type == "text" {
		return nil, nil
	}
	switch rf.Type {
	case "json_schema":
		if rf.JSONSchema == nil || len(rf.JSONSchema.Schema) == 0 || isNull(rf.JSONSchema.Schema) {
			return nil, invalid("response_format.json_schema.schema", "is required")
		}
		return json.Marshal(map[string]any{
			"format": map[string]any{"type": "json_schema", "schema": rf.JSONSchema.Schema},
		})
	case "json_object":
		return nil, invalid("response_format", "json_object is not supported by Anthropic; send json_schema with a schema instead")
	default:
		return nil, invalid("response_format.type", "unknown type %q", rf.Type)
	}
}

// toFields turns the typed request into a map so provider parameters can be
// spliced in by key.
func toFields(mr messagesRequest) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(mr)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	err = json.Unmarshal(b, &fields)
	return fields, err
}

// providerParams collects Anthropic parameters from the request: allowed
// top-level keys first (a router target's params land there), then every key
// of extra.anthropic, which the caller addressed to Anthropic explicitly and
// which therefore wins.
func providerParams(req *chat.Request) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	for _, k := range passthroughKeys {
		v, ok := req.Extra[k]
		if !ok || isNull(v) {
			continue
		}
		if k == "service_tier" {
			var tier string
			if json.Unmarshal(v, &tier) != nil || !anthropicServiceTiers[tier] {
				continue
			}
		}
		out[k] = v
	}
	for k, v := range req.ExtraFor("anthropic") {
		if reservedKeys[k] {
			return nil, invalid("extra.anthropic."+k, "is set by the gateway and cannot be overridden")
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, invalid("extra.anthropic."+k, "cannot be encoded: %v", err)
		}
		out[k] = b
	}
	return out, nil
}

// mergeParams writes params over the translated fields. A null removes the
// translated key (extra.anthropic.top_p: null drops a top_p a router target
// added). output_config is merged key by key, so an effort setting and a
// response_format schema can both be sent.
func mergeParams(fields, params map[string]json.RawMessage) error {
	for k, v := range params {
		if isNull(v) {
			delete(fields, k)
			continue
		}
		if k == "output_config" && fields[k] != nil {
			merged, err := mergeObjects(fields[k], v)
			if err != nil {
				return invalid("output_config", "must be an object")
			}
			v = merged
		}
		fields[k] = v
	}
	return nil
}

func mergeObjects(base, over json.RawMessage) (json.RawMessage, error) {
	var a, b map[string]json.RawMessage
	if err := json.Unmarshal(base, &a); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(over, &b); err != nil {
		return nil, err
	}
	for k, v := range b {
		a[k] = v
	}
	return json.Marshal(a)
}

// present reports a field the caller set to something other than null.
func present(raw json.RawMessage) bool {
	return len(raw) > 0 && !isNull(raw)
}

func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}
