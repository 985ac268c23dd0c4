package geminifake

import (
	"strings"
	"testing"
)

// TestValidateBody: each documented rule refuses the body that breaks it,
// and a body using every documented member the provider writes passes.
func TestValidateBody(t *testing.T) {
	const user = `{"role":"user","parts":[{"text":"hi"}]}`
	body := func(extra string) string { return `{"contents":[` + user + `]` + extra + `}` }
	tests := []struct {
		name, body, wantErr string // wantErr "" means accepted
	}{
		{"minimal", body(""), ""},
		{"every top-level member", body(`,"systemInstruction":{"parts":[{"text":"s"}]},"tools":[{"functionDeclarations":[{"name":"f","parameters":{"type":"OBJECT"}}]}],` +
			`"toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["f"]}},"safetySettings":[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_ONLY_HIGH"}],` +
			`"cachedContent":"cachedContents/x","generationConfig":{"temperature":2}`), ""},
		{"full generationConfig", body(`,"generationConfig":{"stopSequences":["a"],"responseMimeType":"application/json","responseSchema":{"type":"OBJECT"},` +
			`"candidateCount":2,"maxOutputTokens":10,"temperature":0,"topP":1,"topK":40,"seed":7,"presencePenalty":0.5,"frequencyPenalty":-0.5,` +
			`"responseLogprobs":true,"logprobs":20,"thinkingConfig":{"thinkingBudget":1024,"includeThoughts":true}}`), ""},

		{"unknown top-level field", body(`,"temperature":0.5`), `Unknown name "temperature"`},
		{"snake_case generationConfig", `{"contents":[` + user + `],"generation_config":{}}`, `Unknown name "generation_config"`},
		{"unknown generationConfig field", body(`,"generationConfig":{"maxTokens":10}`), `Unknown name "maxTokens"`},
		{"unknown thinkingConfig field", body(`,"generationConfig":{"thinkingConfig":{"budget":10}}`), `Unknown name "budget"`},
		{"unknown part field", `{"contents":[{"role":"user","parts":[{"text":"hi","cache_control":{}}]}]}`, `Unknown name "cache_control"`},
		{"temperature as a string", body(`,"generationConfig":{"temperature":"0.5"}`), "generationConfig.temperature"},
		{"fractional maxOutputTokens", body(`,"generationConfig":{"maxOutputTokens":10.5}`), "must be an integer"},
		{"stopSequences not strings", body(`,"generationConfig":{"stopSequences":[1]}`), "array of strings"},
		{"responseLogprobs as a number", body(`,"generationConfig":{"responseLogprobs":1}`), "must be a boolean"},
		{"generationConfig not an object", body(`,"generationConfig":[]`), "must be an object"},
		{"temperature above 2", body(`,"generationConfig":{"temperature":2.5}`), "outside [0.0, 2.0]"},
		{"six stop sequences", body(`,"generationConfig":{"stopSequences":["a","b","c","d","e","f"]}`), "at most 5"},
		{"zero maxOutputTokens", body(`,"generationConfig":{"maxOutputTokens":0}`), "maxOutputTokens"},
		{"logprobs without responseLogprobs", body(`,"generationConfig":{"logprobs":2}`), "responseLogprobs"},
		{"responseSchema without mime type", body(`,"generationConfig":{"responseSchema":{"type":"STRING"}}`), "responseMimeType"},
		{"empty contents", `{"contents":[]}`, "contents is empty"},
		{"two user turns", `{"contents":[` + user + `,` + user + `]}`, "two user turns"},
		{"assistant role", `{"contents":[{"role":"assistant","parts":[{"text":"x"}]}]}`, `role = "assistant"`},
		{"empty text part", `{"contents":[{"role":"user","parts":[{"text":""}]}]}`, "empty text"},
		{"two data fields in a part", `{"contents":[{"role":"user","parts":[{"text":"a","inlineData":{"mimeType":"image/png","data":"AA=="}}]}]}`, "2 data fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateBody([]byte(tt.body))
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

// TestValidateEmbedBody: Google's documented batchEmbedContents example
// passes, and each documented rule refuses the body that breaks it.
func TestValidateEmbedBody(t *testing.T) {
	doc, err := Fixture("embeddings/request.json")
	if err != nil {
		t.Fatal(err)
	}
	const one = `{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"hi"}]}`
	many := make([]string, MaxEmbedRequests+1)
	for i := range many {
		many[i] = one + `}`
	}
	tests := []struct {
		name, body, wantErr string
	}{
		{"documented example", string(doc), ""},
		{"retrieval document with title", `{"requests":[` + one + `,"taskType":"RETRIEVAL_DOCUMENT","title":"t"}]}`, ""},
		{"a hundred requests", `{"requests":[` + strings.Join(many[1:], ",") + `]}`, ""},
		{"no requests", `{"requests":[]}`, "must not be empty"},
		{"over a hundred", `{"requests":[` + strings.Join(many, ",") + `]}`, "at most 100"},
		{"other model", `{"requests":[{"model":"models/text-embedding-004","content":{"parts":[{"text":"hi"}]}}]}`, "does not match"},
		{"bare model name", `{"requests":[{"model":"gemini-embedding-001","content":{"parts":[{"text":"hi"}]}}]}`, "does not match"},
		{"no content", `{"requests":[{"model":"models/gemini-embedding-001"}]}`, "content is required"},
		{"empty text", `{"requests":[{"model":"models/gemini-embedding-001","content":{"parts":[{"text":""}]}}]}`, "empty text"},
		{"snake_case dimensionality", `{"requests":[` + one + `,"output_dimensionality":8}]}`, `Unknown name "output_dimensionality"`},
		{"OpenAI input", `{"input":"hi"}`, `Unknown name "input"`},
		{"unknown task type", `{"requests":[` + one + `,"taskType":"SEARCH"}]}`, "taskType"},
		{"title without retrieval document", `{"requests":[` + one + `,"title":"t"}]}`, "title"},
		{"zero dimensionality", `{"requests":[` + one + `,"outputDimensionality":0}]}`, "must be positive"},
		{"fractional dimensionality", `{"requests":[` + one + `,"outputDimensionality":1.5}]}`, "must be an integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateEmbedBody("gemini-embedding-001", []byte(tt.body))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("err = %v, want one saying %q", err, tt.wantErr)
			}
		})
	}
}
