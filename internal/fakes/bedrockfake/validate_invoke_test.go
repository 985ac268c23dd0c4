package bedrockfake

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestModelFamily(t *testing.T) {
	tests := map[string]Family{
		"anthropic.claude-3-haiku-20240307-v1:0":                                            FamilyClaude,
		"us.anthropic.claude-sonnet-4-20250514-v1:0":                                        FamilyClaude,
		"global.anthropic.claude-sonnet-4-5-v1:0":                                           FamilyClaude,
		"arn:aws:bedrock:us-east-1:1:inference-profile/eu.anthropic.claude-3-7-sonnet-v1:0": FamilyClaude,
		"amazon.titan-embed-text-v2:0":                                                      FamilyTitanEmbed,
		"amazon.titan-embed-text-v1":                                                        FamilyTitanEmbed,
		"cohere.embed-english-v3":                                                           FamilyCohereEmbed,
		"cohere.embed-multilingual-v3":                                                      FamilyCohereEmbed,
		"amazon.nova-pro-v1:0":                                                              FamilyUnknown,
		"meta.llama3-70b-instruct-v1:0":                                                     FamilyUnknown,
	}
	for model, want := range tests {
		if got := ModelFamily(model); got != want {
			t.Errorf("ModelFamily(%q) = %v, want %v", model, got, want)
		}
	}
}

// TestValidateInvokeBodies: each rule refuses the body that breaks it and
// accepts the same body without the break.
func TestValidateInvokeBodies(t *testing.T) {
	const msgs = `"messages":[{"role":"user","content":"hi"}]`
	countBody := func(inner string) string {
		return `{"input":{"invokeModel":{"body":"` + base64.StdEncoding.EncodeToString([]byte(inner)) + `"}}}`
	}
	claude := `{"anthropic_version":"bedrock-2023-05-31","max_tokens":10,` + msgs + `}`
	tests := []struct {
		name, op, model, body, wantErr string // wantErr "" means accepted
	}{
		{"claude", "invoke", "anthropic.claude-3-haiku-20240307-v1:0", claude, ""},
		{"claude stream via profile", "invoke-with-response-stream", "us.anthropic.claude-3-haiku-20240307-v1:0", claude, ""},
		{"claude with betas", "invoke", "anthropic.claude-x", `{"anthropic_version":"bedrock-2023-05-31","max_tokens":10,` + msgs + `,"anthropic_beta":["a"]}`, ""},
		{"claude with model", "invoke", "anthropic.claude-x", `{"model":"m","anthropic_version":"bedrock-2023-05-31","max_tokens":10,` + msgs + `}`, "extraneous key [model]"},
		{"claude with stream", "invoke-with-response-stream", "anthropic.claude-x", `{"stream":true,"anthropic_version":"bedrock-2023-05-31","max_tokens":10,` + msgs + `}`, "extraneous key [stream]"},
		{"claude without version", "invoke", "anthropic.claude-x", `{"max_tokens":10,` + msgs + `}`, "anthropic_version"},
		{"claude with Anthropic's version", "invoke", "anthropic.claude-x", `{"anthropic_version":"2023-06-01","max_tokens":10,` + msgs + `}`, "anthropic_version"},
		{"claude without max_tokens", "invoke", "anthropic.claude-x", `{"anthropic_version":"bedrock-2023-05-31",` + msgs + `}`, "max_tokens"},
		{"claude without messages", "invoke", "anthropic.claude-x", `{"anthropic_version":"bedrock-2023-05-31","max_tokens":10}`, "messages"},
		{"claude beta as a string", "invoke", "anthropic.claude-x", `{"anthropic_version":"bedrock-2023-05-31","max_tokens":10,` + msgs + `,"anthropic_beta":"a"}`, "anthropic_beta"},

		{"count", "count-tokens", "anthropic.claude-x", countBody(claude), ""},
		{"count for a profile", "count-tokens", "us.anthropic.claude-x", countBody(claude), "doesn't support counting tokens"},
		{"count without invokeModel", "count-tokens", "anthropic.claude-x", `{"input":{"converse":{}}}`, "invokeModel is required"},
		{"count of a body with model", "count-tokens", "anthropic.claude-x", countBody(`{"model":"m","anthropic_version":"bedrock-2023-05-31","max_tokens":1,` + msgs + `}`), "extraneous key [model]"},

		{"titan v2", "invoke", "amazon.titan-embed-text-v2:0", `{"inputText":"hi","dimensions":256,"normalize":true}`, ""},
		{"titan v2 bad dimensions", "invoke", "amazon.titan-embed-text-v2:0", `{"inputText":"hi","dimensions":300}`, "dimensions"},
		{"titan empty text", "invoke", "amazon.titan-embed-text-v2:0", `{"inputText":""}`, "inputText"},
		{"titan too long", "invoke", "amazon.titan-embed-text-v2:0", `{"inputText":"` + strings.Repeat("a", 50001) + `"}`, "maxLength"},
		{"titan unknown key", "invoke", "amazon.titan-embed-text-v2:0", `{"inputText":"hi","texts":["x"]}`, "extraneous key [texts]"},
		{"titan v1 with dimensions", "invoke", "amazon.titan-embed-text-v1", `{"inputText":"hi","dimensions":256}`, "extraneous key [dimensions]"},
		{"titan streamed", "invoke-with-response-stream", "amazon.titan-embed-text-v2:0", `{"inputText":"hi"}`, "unsupported for streaming"},

		{"cohere", "invoke", "cohere.embed-english-v3", `{"texts":["a","b"],"input_type":"search_document","embedding_types":["float"]}`, ""},
		{"cohere without input_type", "invoke", "cohere.embed-english-v3", `{"texts":["a"]}`, "input_type"},
		{"cohere 97 texts", "invoke", "cohere.embed-english-v3", `{"texts":[` + strings.Repeat(`"a",`, 96) + `"a"],"input_type":"search_query"}`, "1 to 96 items"},
		{"cohere text too long", "invoke", "cohere.embed-english-v3", `{"texts":["` + strings.Repeat("a", 2049) + `"],"input_type":"search_query"}`, "2048"},
		{"cohere bad embedding type", "invoke", "cohere.embed-english-v3", `{"texts":["a"],"input_type":"clustering","embedding_types":["double"]}`, "embedding_types"},
		{"cohere bad truncate", "invoke", "cohere.embed-english-v3", `{"texts":["a"],"input_type":"clustering","truncate":"MIDDLE"}`, "truncate"},
		{"cohere OpenAI body", "invoke", "cohere.embed-english-v3", `{"input":"a","model":"m"}`, "extraneous key"},

		{"unknown model", "invoke", "amazon.nova-pro-v1:0", `{}`, "model identifier is invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateOpBody(Request{Op: tt.op, Model: tt.model, Body: []byte(tt.body)})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("valid body refused: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("invalid body accepted, want an error containing %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("error %q does not say %q", err, tt.wantErr)
			}
		})
	}
}

func TestVectorDeterministic(t *testing.T) {
	a, b := Vector("x", 8, true), Vector("x", 8, true)
	var norm float64
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("the same text got two vectors")
		}
		norm += a[i] * a[i]
	}
	if norm < 0.999 || norm > 1.001 {
		t.Errorf("normalized vector has squared norm %v", norm)
	}
	if c := Vector("y", 8, true); c[0] == a[0] && c[1] == a[1] {
		t.Error("two texts got the same vector")
	}
}
