package otel

import (
	"encoding/json"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/attribute"
)

// Attribute names of the OpenTelemetry GenAI semantic conventions.
const (
	AttrOperation     = "gen_ai.operation.name"
	AttrProvider      = "gen_ai.provider.name"
	AttrSystem        = "gen_ai.system" // the name before gen_ai.provider.name; older backends read it
	AttrRequestModel  = "gen_ai.request.model"
	AttrResponseModel = "gen_ai.response.model"
	AttrInputTokens   = "gen_ai.usage.input_tokens"
	AttrOutputTokens  = "gen_ai.usage.output_tokens"
	AttrFinishReasons = "gen_ai.response.finish_reasons"
	AttrErrorType     = "error.type"
	AttrHTTPStatus    = "http.response.status_code"
)

// Prefix names the gateway's own attributes: switchyard.router,
// switchyard.strategy, switchyard.candidates...
const Prefix = "switchyard."

// semantic maps the engine's annotation keys to the convention's names; a
// key mapped here is also kept under Prefix when keep is set (the
// switchyard.* set then reads whole without knowing the conventions).
var semantic = map[string]struct {
	names []string
	keep  bool
}{
	"operation":      {names: []string{AttrOperation}, keep: true},
	"provider_type":  {names: []string{AttrProvider, AttrSystem}},
	"model":          {names: []string{AttrRequestModel}},
	"request_model":  {names: []string{AttrRequestModel}},
	"response_model": {names: []string{AttrResponseModel}},
	"input_tokens":   {names: []string{AttrInputTokens}},
	"output_tokens":  {names: []string{AttrOutputTokens}},
	"finish_reasons": {names: []string{AttrFinishReasons}},
	"error_class":    {names: []string{AttrErrorType}, keep: true},
	"error_code":     {names: []string{AttrErrorType}, keep: true},
	"status":         {names: []string{AttrHTTPStatus}, keep: true},
	"route":          {names: []string{Prefix + "arm"}},
}

// GenAIOperation is gen_ai.operation.name for a gateway operation. The
// GenAI conventions name "chat" and "embeddings" (among others); an
// Anthropic Messages or OpenAI Responses request is a chat completion in
// their terms ("chat": a conversation in, a message out), so both are
// "chat", and switchyard.operation tells them apart.
func GenAIOperation(op string) string {
	if op == "embeddings" {
		return "embeddings"
	}
	return "chat"
}

// providerNames are gen_ai.provider.name's well-known values for the
// gateway's provider types; another type is named as itself.
var providerNames = map[string]string{
	"openai":    "openai",
	"anthropic": "anthropic",
	"gemini":    "gcp.gemini",
	"bedrock":   "aws.bedrock",
}

// attributes is key=value as span attributes.
func attributes(key string, value any) []attribute.KeyValue {
	m, ok := semantic[key]
	if !ok {
		return []attribute.KeyValue{attr(Prefix+key, value)}
	}
	if key == "operation" {
		// The gateway's operation is kept whole under switchyard.operation;
		// gen_ai.operation.name takes the convention's value for it.
		if s, isStr := value.(string); isStr {
			return []attribute.KeyValue{attribute.String(AttrOperation, GenAIOperation(s)), attribute.String(Prefix+key, s)}
		}
	}
	if key == "provider_type" {
		if s, isStr := value.(string); isStr && providerNames[s] != "" {
			value = providerNames[s]
		}
	}
	if key == "status" {
		// 0 is a failure before any HTTP answer: no status code to report.
		if n, isInt := value.(int); isInt && n == 0 {
			return []attribute.KeyValue{attr(Prefix+key, value)}
		}
	}
	out := make([]attribute.KeyValue, 0, len(m.names)+1)
	for _, n := range m.names {
		out = append(out, attr(n, value))
	}
	if m.keep {
		out = append(out, attr(Prefix+key, value))
	}
	return out
}

// attr converts v to an attribute value: scalars and string slices as
// themselves, anything else (candidate scores, decisions) as JSON.
func attr(k string, v any) attribute.KeyValue {
	switch x := v.(type) {
	case string:
		return attribute.String(k, x)
	case bool:
		return attribute.Bool(k, x)
	case int:
		return attribute.Int(k, x)
	case int32:
		return attribute.Int(k, int(x))
	case int64:
		return attribute.Int64(k, x)
	case uint32:
		return attribute.Int64(k, int64(x))
	case float32:
		return attribute.Float64(k, float64(x))
	case float64:
		return attribute.Float64(k, x)
	case []string:
		return attribute.StringSlice(k, x)
	case fmt.Stringer:
		return attribute.String(k, x.String())
	}
	b, err := json.Marshal(v)
	if err != nil {
		return attribute.String(k, fmt.Sprint(v))
	}
	return attribute.String(k, string(b))
}

// spanName is the name of a span the engine opened as name once key=value
// is known: an attempt is a GenAI client span, "chat <model>".
func spanName(name, op, model string) string {
	if name != "attempt" || model == "" {
		return name
	}
	return op + " " + model
}

// routes are the gateway's paths, for the server span's name; any other
// path (a scanner's guesses) leaves the name to the method alone, so span
// names stay a bounded set.
var routes = map[string]bool{
	"/healthz": true, "/v1/chat/completions": true, "/chat/completions": true, "/v1/models": true,
	"/v1/routing/explain": true, "/v1/metrics": true, "/v1/traces": true, "/metrics": true, "/console": true,
	"/v1/messages": true, "/v1/messages/count_tokens": true, "/v1/responses": true, "/v1/embeddings": true,
}

// serverSpanName is "<method> <route>" (the HTTP semantic conventions'
// name), ids in a path replaced by their parameter's name.
func serverSpanName(method, path string) string {
	switch {
	case routes[path]:
		return method + " " + path
	case strings.HasPrefix(path, "/v1/traces/"):
		return method + " /v1/traces/{trace_id}"
	case strings.HasPrefix(path, "/v1/admin/"):
		return method + " /v1/admin/{kind}/{name}"
	}
	return method
}
