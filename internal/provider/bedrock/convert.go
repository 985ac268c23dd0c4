package bedrock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	smithydocument "github.com/aws/smithy-go/document"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// converseRequest is a translated chat request. Converse and ConverseStream
// take the same fields except the guardrail, whose stream variant adds a
// processing mode, so one value feeds both inputs.
type converseRequest struct {
	modelID    string
	system     []types.SystemContentBlock
	messages   []types.Message
	inference  *types.InferenceConfiguration
	toolConfig *types.ToolConfiguration
	output     *types.OutputConfig
	extra      bedrockParams
}

// toConverse translates req for model. It never modifies req. A request
// Bedrock cannot serve as asked is an *provider.Error of ClassUnsupported
// naming the parameter, returned before anything is sent.
func toConverse(model string, req *chat.Request) (*converseRequest, error) {
	if req == nil {
		return nil, invalid("", "empty request")
	}
	if model == "" {
		// The SDK would send POST /model//converse and read the 404 as an
		// unknown route rather than a caller error.
		return nil, invalid("model", "no Bedrock model id")
	}
	if err := checkParameters(req); err != nil {
		return nil, err
	}
	conv, err := convertMessages(req.Messages)
	if err != nil {
		return nil, err
	}
	inference, err := inferenceConfig(req)
	if err != nil {
		return nil, err
	}
	tools, err := toolConfig(req, conv.hasToolBlocks)
	if err != nil {
		return nil, err
	}
	output, instruction, err := outputConfig(req.ResponseFormat)
	if err != nil {
		return nil, err
	}
	if instruction != "" {
		conv.system = append(conv.system, &types.SystemContentBlockMemberText{Value: instruction})
	}
	extra, err := readBedrockParams(req)
	if err != nil {
		return nil, err
	}
	return &converseRequest{
		modelID:    model,
		system:     conv.system,
		messages:   conv.messages,
		inference:  inference,
		toolConfig: tools,
		output:     output,
		extra:      extra,
	}, nil
}

func (r *converseRequest) converseInput() *bedrockruntime.ConverseInput {
	in := &bedrockruntime.ConverseInput{
		ModelId:                      aws.String(r.modelID),
		System:                       r.system,
		Messages:                     r.messages,
		InferenceConfig:              r.inference,
		ToolConfig:                   r.toolConfig,
		OutputConfig:                 r.output,
		AdditionalModelRequestFields: r.extra.additionalFields,
		PerformanceConfig:            r.extra.performance,
		RequestMetadata:              r.extra.metadata,
	}
	if g := r.extra.guardrail; g != nil {
		in.GuardrailConfig = &types.GuardrailConfiguration{
			GuardrailIdentifier: g.GuardrailIdentifier,
			GuardrailVersion:    g.GuardrailVersion,
			Trace:               types.GuardrailTrace(g.Trace),
		}
	}
	return in
}

func (r *converseRequest) streamInput() *bedrockruntime.ConverseStreamInput {
	in := &bedrockruntime.ConverseStreamInput{
		ModelId:                      aws.String(r.modelID),
		System:                       r.system,
		Messages:                     r.messages,
		InferenceConfig:              r.inference,
		ToolConfig:                   r.toolConfig,
		OutputConfig:                 r.output,
		AdditionalModelRequestFields: r.extra.additionalFields,
		PerformanceConfig:            r.extra.performance,
		RequestMetadata:              r.extra.metadata,
	}
	if g := r.extra.guardrail; g != nil {
		in.GuardrailConfig = &types.GuardrailStreamConfiguration{
			GuardrailIdentifier:  g.GuardrailIdentifier,
			GuardrailVersion:     g.GuardrailVersion,
			Trace:                types.GuardrailTrace(g.Trace),
			StreamProcessingMode: types.GuardrailStreamProcessingMode(g.StreamProcessingMode),
		}
	}
	return in
}

// invalid reports a request Bedrock cannot serve; nothing was sent
// upstream. Another target may serve it (ClassUnsupported); if none can,
// the caller gets this message as a 400.
func invalid(param, format string, args ...any) *provider.Error {
	return &provider.Error{
		Class:   provider.ClassUnsupported,
		Status:  http.StatusBadRequest,
		Message: "bedrock: " + fmt.Sprintf(format, args...),
		Type:    "invalid_request_error",
		Param:   param,
	}
}

// jsonObject parses raw as a JSON object into a Smithy document.
func jsonObject(raw []byte) (document.Interface, error) {
	v, err := jsonValue(raw)
	if err != nil {
		return nil, err
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, errors.New("not a JSON object")
	}
	return document.NewLazyDocument(v), nil
}

// jsonValue decodes one JSON value, keeping numbers exact: the SDK's
// document encoder writes smithydocument.Number verbatim but would quote a
// json.Number and round a float64, so a large integer id in tool arguments
// would not survive either.
func jsonValue(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON value")
	}
	return exactNumbers(v), nil
}

func exactNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		return smithydocument.Number(t)
	case map[string]any:
		for k, e := range t {
			t[k] = exactNumbers(e)
		}
	case []any:
		for i, e := range t {
			t[i] = exactNumbers(e)
		}
	}
	return v
}
