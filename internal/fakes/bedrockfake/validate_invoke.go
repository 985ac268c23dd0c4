package bedrockfake

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Family is the kind of model an InvokeModel request addresses, which
// decides its body format.
type Family int

const (
	// FamilyUnknown is a model the fake has no InvokeModel format for.
	FamilyUnknown Family = iota
	// FamilyClaude is Anthropic Claude (Messages API bodies).
	FamilyClaude
	// FamilyTitanEmbed is Amazon Titan Text Embeddings (V1 or V2).
	FamilyTitanEmbed
	// FamilyCohereEmbed is Cohere Embed v3.
	FamilyCohereEmbed
)

// ModelFamily reads the family from a model id, a cross-region inference
// profile id (us.anthropic.claude-...) or an ARN ending in either.
func ModelFamily(model string) Family {
	if i := strings.LastIndexByte(model, '/'); i >= 0 {
		model = model[i+1:]
	}
	switch {
	case strings.HasPrefix(model, "anthropic.claude-"), strings.Contains(model, ".anthropic.claude-"):
		return FamilyClaude
	case strings.HasPrefix(model, "amazon.titan-embed-text-"):
		return FamilyTitanEmbed
	case strings.HasPrefix(model, "cohere.embed-"):
		return FamilyCohereEmbed
	}
	return FamilyUnknown
}

// AnthropicVersion is the anthropic_version Bedrock requires in a Claude
// InvokeModel body.
const AnthropicVersion = "bedrock-2023-05-31"

// validateOpBody applies the body rules of the request's operation.
func validateOpBody(rec Request) error {
	switch rec.Op {
	case "converse", "converse-stream":
		return ValidateBody(rec.Body)
	case "count-tokens":
		return validateCountTokens(rec.Model, rec.Body)
	}
	switch ModelFamily(rec.Model) {
	case FamilyClaude:
		return ValidateClaudeBody(rec.Body, true)
	case FamilyTitanEmbed:
		if rec.Op != "invoke" {
			return errors.New("The model is unsupported for streaming.")
		}
		return ValidateTitanBody(rec.Model, rec.Body)
	case FamilyCohereEmbed:
		if rec.Op != "invoke" {
			return errors.New("The model is unsupported for streaming.")
		}
		return ValidateCohereBody(rec.Body)
	}
	return fmt.Errorf("The provided model identifier is invalid: %s", rec.Model)
}

// ValidateClaudeBody checks a Claude Messages body for InvokeModel as
// Bedrock does: anthropic_version "bedrock-2023-05-31", no model or stream
// member (Bedrock answers "extraneous key [stream] is not permitted"),
// anthropic_beta an array of strings, a non-empty messages array, and
// max_tokens a positive integer when needMaxTokens.
func ValidateClaudeBody(body []byte, needMaxTokens bool) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return fmt.Errorf("Malformed input request: body is not a JSON object: %v", err)
	}
	for _, k := range []string{"model", "stream"} {
		if _, ok := obj[k]; ok {
			return fmt.Errorf("Malformed input request: #: extraneous key [%s] is not permitted, please reformat your input and try again.", k)
		}
	}
	var version string
	if err := json.Unmarshal(obj["anthropic_version"], &version); err != nil || version != AnthropicVersion {
		return fmt.Errorf("Malformed input request: #: required key [anthropic_version] not found or not %q", AnthropicVersion)
	}
	if raw, ok := obj["anthropic_beta"]; ok {
		var betas []string
		if err := json.Unmarshal(raw, &betas); err != nil {
			return errors.New("Malformed input request: #/anthropic_beta: expected type: JSONArray of strings")
		}
	}
	var msgs []json.RawMessage
	if err := json.Unmarshal(obj["messages"], &msgs); err != nil || len(msgs) == 0 {
		return errors.New("Malformed input request: #: required key [messages] not found or empty")
	}
	if needMaxTokens {
		var mt int
		if err := json.Unmarshal(obj["max_tokens"], &mt); err != nil || mt < 1 {
			return errors.New("Malformed input request: #: required key [max_tokens] not found or not a positive integer")
		}
	}
	return nil
}

// countTokensBody is the CountTokens request for an InvokeModel body: the
// body travels base64-encoded (a blob in Smithy's JSON).
type countTokensBody struct {
	Input struct {
		InvokeModel *struct {
			Body []byte `json:"body"`
		} `json:"invokeModel"`
		Converse json.RawMessage `json:"converse"`
	} `json:"input"`
}

// validateCountTokens checks a CountTokens request. Bedrock counts only
// for base model ids: an inference profile (us.anthropic...) is refused.
func validateCountTokens(model string, body []byte) error {
	if ModelFamily(model) != FamilyClaude || strings.Contains(model, ".anthropic.") {
		return errors.New("The provided model doesn't support counting tokens.")
	}
	var ct countTokensBody
	if err := json.Unmarshal(body, &ct); err != nil {
		return fmt.Errorf("count-tokens body: %v", err)
	}
	if ct.Input.InvokeModel == nil {
		return errors.New("count-tokens body: input.invokeModel is required for an InvokeModel body")
	}
	return ValidateClaudeBody(ct.Input.InvokeModel.Body, true)
}

// titanBody is a Titan Text Embeddings request.
type titanBody struct {
	InputText      *string  `json:"inputText"`
	Dimensions     *int     `json:"dimensions"`
	Normalize      *bool    `json:"normalize"`
	EmbeddingTypes []string `json:"embeddingTypes"`
}

// ValidateTitanBody checks a Titan Text Embeddings body: a non-empty
// inputText of at most 50,000 characters, and for V2 only, dimensions of
// 256, 512 or 1024 and embeddingTypes float/binary. V1 takes inputText
// alone.
func ValidateTitanBody(model string, body []byte) error {
	allowed := map[string]bool{"inputText": true, "dimensions": true, "normalize": true, "embeddingTypes": true}
	if strings.HasPrefix(model, "amazon.titan-embed-text-v1") {
		allowed = map[string]bool{"inputText": true}
	}
	if err := knownKeys(body, allowed); err != nil {
		return err
	}
	var b titanBody
	if err := json.Unmarshal(body, &b); err != nil {
		return fmt.Errorf("Malformed input request: %v", err)
	}
	switch {
	case b.InputText == nil || *b.InputText == "":
		return errors.New("Malformed input request: #: required key [inputText] not found or empty")
	case utf8.RuneCountInString(*b.InputText) > 50000:
		return errors.New("Malformed input request: #/inputText: expected maxLength: 50000")
	case b.Dimensions != nil && *b.Dimensions != 256 && *b.Dimensions != 512 && *b.Dimensions != 1024:
		return fmt.Errorf("Malformed input request: #/dimensions: %d is not a valid enum value", *b.Dimensions)
	}
	for _, t := range b.EmbeddingTypes {
		if t != "float" && t != "binary" {
			return fmt.Errorf("Malformed input request: #/embeddingTypes: %s is not a valid enum value", t)
		}
	}
	return nil
}

// cohereBody is a Cohere Embed v3 request.
type cohereBody struct {
	Texts          []string `json:"texts"`
	InputType      string   `json:"input_type"`
	Truncate       string   `json:"truncate"`
	EmbeddingTypes []string `json:"embedding_types"`
}

// ValidateCohereBody checks a Cohere Embed v3 body: 1 to 96 texts of 1 to
// 2048 characters, a known input_type (required), known embedding_types
// and truncate values.
func ValidateCohereBody(body []byte) error {
	allowed := map[string]bool{"texts": true, "input_type": true, "truncate": true, "embedding_types": true, "images": true}
	if err := knownKeys(body, allowed); err != nil {
		return err
	}
	var b cohereBody
	if err := json.Unmarshal(body, &b); err != nil {
		return fmt.Errorf("Malformed input request: %v", err)
	}
	if len(b.Texts) == 0 || len(b.Texts) > 96 {
		return fmt.Errorf("Malformed input request: #/texts: expected 1 to 96 items, got %d", len(b.Texts))
	}
	for i, t := range b.Texts {
		if n := utf8.RuneCountInString(t); n == 0 || n > 2048 {
			return fmt.Errorf("Malformed input request: #/texts/%d: expected 1 to 2048 characters, got %d", i, n)
		}
	}
	switch b.InputType {
	case "search_document", "search_query", "classification", "clustering":
	default:
		return fmt.Errorf("Malformed input request: #/input_type: %q is not a valid enum value", b.InputType)
	}
	switch b.Truncate {
	case "", "NONE", "START", "END":
	default:
		return fmt.Errorf("Malformed input request: #/truncate: %q is not a valid enum value", b.Truncate)
	}
	for _, t := range b.EmbeddingTypes {
		switch t {
		case "float", "int8", "uint8", "binary", "ubinary":
		default:
			return fmt.Errorf("Malformed input request: #/embedding_types: %q is not a valid enum value", t)
		}
	}
	return nil
}

// knownKeys refuses a JSON object with members outside allowed.
func knownKeys(body []byte, allowed map[string]bool) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return fmt.Errorf("Malformed input request: body is not a JSON object: %v", err)
	}
	for k := range obj {
		if !allowed[k] {
			return fmt.Errorf("Malformed input request: #: extraneous key [%s] is not permitted, please reformat your input and try again.", k)
		}
	}
	return nil
}
