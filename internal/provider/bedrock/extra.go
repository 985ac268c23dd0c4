package bedrock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// bedrockParams are the Bedrock-only request fields a caller (or a router
// target's params) can set, either as top-level body keys or under
// extra.bedrock; extra.bedrock wins for the same key.
type bedrockParams struct {
	additionalFields document.Interface
	guardrail        *guardrailParams
	performance      *types.PerformanceConfiguration
	metadata         map[string]string
}

// guardrailParams is guardrailConfig in Bedrock's own JSON spelling.
type guardrailParams struct {
	GuardrailIdentifier  *string `json:"guardrailIdentifier"`
	GuardrailVersion     *string `json:"guardrailVersion"`
	Trace                string  `json:"trace"`
	StreamProcessingMode string  `json:"streamProcessingMode"` // ConverseStream only
}

// paramSpellings lists every accepted key with its canonical (Bedrock) name:
// the snake_case the rest of the body uses, then Bedrock's camelCase, which
// wins when a source has both.
var paramSpellings = []struct{ key, name string }{
	{"additional_model_request_fields", "additionalModelRequestFields"}, {"additionalModelRequestFields", "additionalModelRequestFields"},
	{"guardrail_config", "guardrailConfig"}, {"guardrailConfig", "guardrailConfig"},
	{"performance_config", "performanceConfig"}, {"performanceConfig", "performanceConfig"},
	{"request_metadata", "requestMetadata"}, {"requestMetadata", "requestMetadata"},
}

// readBedrockParams collects the Bedrock-only fields. It reads the raw JSON
// rather than Request.ExtraFor, whose float64 decoding would round large
// integers inside additionalModelRequestFields. The two map-valued fields
// (additionalModelRequestFields, requestMetadata) are merged key by key, so a
// target can add top_k while the caller adds a thinking budget.
func readBedrockParams(req *chat.Request) (bedrockParams, error) {
	var p bedrockParams
	raw := map[string][]json.RawMessage{}
	collect := func(src map[string]json.RawMessage) {
		for _, s := range paramSpellings {
			if v, ok := src[s.key]; ok {
				raw[s.name] = append(raw[s.name], v)
			}
		}
	}
	collect(req.Extra)
	if nested, ok := req.Extra["extra"]; ok {
		var extra map[string]json.RawMessage
		if err := json.Unmarshal(nested, &extra); err != nil {
			return p, invalid("extra", "extra must be an object")
		}
		if b, ok := extra["bedrock"]; ok {
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(b, &fields); err != nil {
				return p, invalid("extra.bedrock", "extra.bedrock must be an object")
			}
			collect(fields)
		}
	}

	if vals := raw["additionalModelRequestFields"]; len(vals) > 0 {
		merged := map[string]any{}
		for _, v := range vals {
			obj, err := jsonValue(v)
			m, ok := obj.(map[string]any)
			if err != nil || !ok {
				return p, invalid("additionalModelRequestFields", "must be a JSON object")
			}
			maps.Copy(merged, m)
		}
		p.additionalFields = document.NewLazyDocument(merged)
	}
	if vals := raw["requestMetadata"]; len(vals) > 0 {
		p.metadata = map[string]string{}
		for _, v := range vals {
			var m map[string]string
			if err := json.Unmarshal(v, &m); err != nil {
				return p, invalid("requestMetadata", "must be an object of string values")
			}
			maps.Copy(p.metadata, m)
		}
	}
	if v := last(raw["guardrailConfig"]); v != nil {
		var g guardrailParams
		if err := strictUnmarshal(v, &g); err != nil {
			return p, invalid("guardrailConfig", "%v", err)
		}
		if g.GuardrailIdentifier == nil || g.GuardrailVersion == nil {
			return p, invalid("guardrailConfig", "guardrailIdentifier and guardrailVersion are required")
		}
		p.guardrail = &g
	}
	if v := last(raw["performanceConfig"]); v != nil {
		var pc struct {
			Latency string `json:"latency"`
		}
		if err := strictUnmarshal(v, &pc); err != nil {
			return p, invalid("performanceConfig", "%v", err)
		}
		p.performance = &types.PerformanceConfiguration{Latency: types.PerformanceConfigLatency(pc.Latency)}
	}
	return p, nil
}

// last is the value that wins: extra.bedrock is collected after the top level.
func last(vals []json.RawMessage) json.RawMessage {
	if len(vals) == 0 {
		return nil
	}
	return vals[len(vals)-1]
}

// strictUnmarshal rejects unknown fields, so a misspelt guardrail field is
// a 400 rather than a request that silently runs without its guardrail.
func strictUnmarshal(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("must be an object in Bedrock's spelling: %v", err)
	}
	return nil
}
