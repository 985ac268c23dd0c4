package bedrock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// jsonObjectInstruction is added to the system prompt for
// response_format json_object: Converse has no JSON mode without a schema,
// and an instruction is what OpenAI's own JSON mode requires of callers.
const jsonObjectInstruction = "Respond with a single valid JSON object and nothing else."

// inferenceConfig maps temperature, top_p, the output limit and stop.
// seed, presence_penalty, frequency_penalty and logit_bias have no Converse
// field and are dropped; logprobs is refused by checkParameters
// (docs/providers/bedrock.md).
func inferenceConfig(req *chat.Request) (*types.InferenceConfiguration, error) {
	var ic types.InferenceConfiguration
	set := false
	if req.Temperature != nil {
		ic.Temperature, set = aws.Float32(float32(*req.Temperature)), true
	}
	if req.TopP != nil {
		ic.TopP, set = aws.Float32(float32(*req.TopP)), true
	}
	if req.MaxCompletionTokens != nil || req.MaxTokens != nil {
		limit, param := req.OutputLimit(), "max_tokens"
		if req.MaxCompletionTokens != nil {
			param = "max_completion_tokens"
		}
		if limit > math.MaxInt32 || limit < math.MinInt32 {
			return nil, invalid(param, "%d is out of range", limit)
		}
		ic.MaxTokens, set = aws.Int32(int32(limit)), true
	}
	if len(req.Stop) > 0 {
		ic.StopSequences, set = append([]string(nil), req.Stop...), true
	}
	if !set {
		return nil, nil
	}
	return &ic, nil
}

// toolConfig maps tools and tool_choice. "none" omits the tools, since
// Converse has no way to forbid calls, except when the history already holds
// tool calls or results: Bedrock then rejects a request without toolConfig,
// so the tools are sent with no tool choice. For the same reason a history
// with tool calls or results but no tools at all is refused here, before
// Bedrock's own 400 would end the attempt loop: another provider may serve it.
func toolConfig(req *chat.Request, hasToolBlocks bool) (*types.ToolConfiguration, error) {
	if len(req.Tools) == 0 {
		if hasToolBlocks {
			return nil, invalid("tools", "Bedrock Converse requires the tools to be defined when the messages hold tool calls or tool results; send the tools")
		}
		return nil, nil
	}
	choice := req.ToolChoice
	if choice != nil && choice.Function == "" && choice.Mode == "none" && !hasToolBlocks {
		return nil, nil
	}
	tc := &types.ToolConfiguration{}
	names := make(map[string]bool, len(req.Tools))
	for i, t := range req.Tools {
		at := fmt.Sprintf("tools[%d]", i)
		if t.Type != "function" {
			return nil, invalid(at+".type", "tool type %q is not supported (only function)", t.Type)
		}
		if t.Function.Name == "" {
			return nil, invalid(at+".function.name", "tool needs a function name")
		}
		schema, err := toolSchema(t.Function.Parameters)
		if err != nil {
			return nil, invalid(at+".function.parameters", "parameters must be a JSON Schema object: %v", err)
		}
		spec := types.ToolSpecification{
			Name:        aws.String(t.Function.Name),
			InputSchema: &types.ToolInputSchemaMemberJson{Value: schema},
			Strict:      t.Function.Strict,
		}
		if t.Function.Description != "" {
			spec.Description = aws.String(t.Function.Description)
		}
		tc.Tools = append(tc.Tools, &types.ToolMemberToolSpec{Value: spec})
		names[t.Function.Name] = true
	}
	switch {
	case choice == nil || choice.Mode == "auto" || choice.Mode == "none":
		if choice != nil && choice.Mode == "auto" {
			tc.ToolChoice = &types.ToolChoiceMemberAuto{}
		}
	case choice.Function != "":
		if !names[choice.Function] {
			return nil, invalid("tool_choice.function.name", "tool_choice names %q, which is not among the tools", choice.Function)
		}
		tc.ToolChoice = &types.ToolChoiceMemberTool{Value: types.SpecificToolChoice{Name: aws.String(choice.Function)}}
	case choice.Mode == "required":
		tc.ToolChoice = &types.ToolChoiceMemberAny{}
	default:
		return nil, invalid("tool_choice", "tool_choice %q is not supported (auto, none, required or a function)", choice.Mode)
	}
	return tc, nil
}

// toolSchema is a function's parameters; OpenAI allows omitting them for a
// function without arguments, Converse requires a schema.
func toolSchema(raw json.RawMessage) (document.Interface, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return document.NewLazyDocument(map[string]any{"type": "object", "properties": map[string]any{}}), nil
	}
	return jsonObject(raw)
}

// outputConfig maps response_format: json_schema becomes Converse's native
// structured output (outputConfig.textFormat); json_object, which Converse
// cannot express without a schema, becomes a system instruction returned as
// the second value; text is the default and needs nothing.
func outputConfig(rf *chat.ResponseFormat) (*types.OutputConfig, string, error) {
	if rf == nil {
		return nil, "", nil
	}
	switch rf.Type {
	case "", "text":
		return nil, "", nil
	case "json_object":
		return nil, jsonObjectInstruction, nil
	case "json_schema":
		if rf.JSONSchema == nil || len(bytes.TrimSpace(rf.JSONSchema.Schema)) == 0 {
			return nil, "", invalid("response_format.json_schema.schema", "json_schema needs a schema")
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, rf.JSONSchema.Schema); err != nil {
			return nil, "", invalid("response_format.json_schema.schema", "schema is not valid JSON: %v", err)
		}
		def := types.JsonSchemaDefinition{Schema: aws.String(compact.String())}
		if rf.JSONSchema.Name != "" {
			def.Name = aws.String(rf.JSONSchema.Name)
		}
		if rf.JSONSchema.Description != "" {
			def.Description = aws.String(rf.JSONSchema.Description)
		}
		return &types.OutputConfig{TextFormat: &types.OutputFormat{
			Type:      types.OutputFormatTypeJsonSchema,
			Structure: &types.OutputFormatStructureMemberJsonSchema{Value: def},
		}}, "", nil
	default:
		return nil, "", invalid("response_format.type", "response_format type %q is not supported (text, json_object or json_schema)", rf.Type)
	}
}
