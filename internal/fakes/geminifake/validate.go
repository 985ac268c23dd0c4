package geminifake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
)

var pathRE = regexp.MustCompile(`^/v1beta/(?:models|tunedModels)/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents)$`)

// validateRequest checks what the real API checks, plus the gateway's own
// rule that the key travels only in x-goog-api-key.
func validateRequest(r *http.Request, body []byte) (Request, error) {
	rec := Request{Header: r.Header.Clone(), Body: body}
	if r.Method != http.MethodPost {
		return rec, fmt.Errorf("method %s, want POST", r.Method)
	}
	m := pathRE.FindStringSubmatch(r.URL.Path)
	if m == nil {
		return rec, fmt.Errorf("path %q is not /v1beta/models/{model}:generateContent|streamGenerateContent|batchEmbedContents", r.URL.Path)
	}
	rec.Model, rec.Method = m[1], m[2]
	q := r.URL.Query()
	if q.Has("key") {
		return rec, fmt.Errorf("the API key must not be in the URL")
	}
	if rec.Method == "streamGenerateContent" && q.Get("alt") != "sse" {
		return rec, fmt.Errorf("streamGenerateContent without alt=sse")
	}
	if rec.Method != "streamGenerateContent" && q.Has("alt") {
		return rec, fmt.Errorf("%s with alt=%s", rec.Method, q.Get("alt"))
	}
	if got := r.Header.Get("x-goog-api-key"); got != APIKey {
		return rec, fmt.Errorf("x-goog-api-key = %q", got)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		return rec, fmt.Errorf("Content-Type = %q", ct)
	}
	if rec.Method == "batchEmbedContents" {
		return rec, ValidateEmbedBody(rec.Model, body)
	}
	if err := ValidateBody(body); err != nil {
		return rec, err
	}
	return rec, nil
}

// ValidateBody checks a GenerateContentRequest body the way the API does:
// every member, down to generationConfig's, is a documented field of the
// documented JSON type; contents is non-empty with user/model turns that
// alternate; each part holds one data field and no empty text; and the
// generationConfig values are in their documented ranges. A translation
// test can so prove a body would be accepted without sending it.
func ValidateBody(body []byte) error {
	if err := checkObject(body, requestSpec, ""); err != nil {
		return err
	}
	var req struct {
		Contents []struct {
			Role  string            `json:"role"`
			Parts []json.RawMessage `json:"parts"`
		} `json:"contents"`
		SystemInstruction *struct {
			Parts []json.RawMessage `json:"parts"`
		} `json:"systemInstruction"`
		GenerationConfig *generationConfig `json:"generationConfig"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		return fmt.Errorf("body is not JSON: %v", err)
	}
	if len(req.Contents) == 0 {
		return fmt.Errorf("contents is empty")
	}
	for i, c := range req.Contents {
		if c.Role != "user" && c.Role != "model" {
			return fmt.Errorf("contents[%d].role = %q", i, c.Role)
		}
		if i > 0 && req.Contents[i-1].Role == c.Role {
			return fmt.Errorf("contents[%d]: two %s turns in a row", i, c.Role)
		}
		if err := validateParts(c.Parts); err != nil {
			return fmt.Errorf("contents[%d]: %v", i, err)
		}
	}
	if req.SystemInstruction != nil {
		if err := validateParts(req.SystemInstruction.Parts); err != nil {
			return fmt.Errorf("systemInstruction: %v", err)
		}
	}
	if g := req.GenerationConfig; g != nil {
		return g.validate()
	}
	return nil
}

// generationConfig holds the members whose values the API range-checks.
type generationConfig struct {
	StopSequences      []string        `json:"stopSequences"`
	ResponseMimeType   string          `json:"responseMimeType"`
	ResponseSchema     json.RawMessage `json:"responseSchema"`
	ResponseJSONSchema json.RawMessage `json:"responseJsonSchema"`
	Temperature        *float64        `json:"temperature"`
	TopP               *float64        `json:"topP"`
	CandidateCount     *int            `json:"candidateCount"`
	MaxOutputTokens    *int            `json:"maxOutputTokens"`
	ResponseLogprobs   bool            `json:"responseLogprobs"`
	Logprobs           *int            `json:"logprobs"`
}

func (g *generationConfig) validate() error {
	switch {
	case len(g.StopSequences) > 5:
		return fmt.Errorf("generationConfig.stopSequences: at most 5, got %d", len(g.StopSequences))
	case g.Temperature != nil && (*g.Temperature < 0 || *g.Temperature > 2):
		return fmt.Errorf("generationConfig.temperature: %g is outside [0.0, 2.0]", *g.Temperature)
	case g.TopP != nil && (*g.TopP < 0 || *g.TopP > 1):
		return fmt.Errorf("generationConfig.topP: %g is outside [0.0, 1.0]", *g.TopP)
	case g.CandidateCount != nil && *g.CandidateCount < 1:
		return fmt.Errorf("generationConfig.candidateCount: must be at least 1")
	case g.MaxOutputTokens != nil && *g.MaxOutputTokens < 1:
		return fmt.Errorf("generationConfig.maxOutputTokens: must be at least 1")
	case g.Logprobs != nil && !g.ResponseLogprobs:
		return fmt.Errorf("generationConfig.logprobs: only valid with responseLogprobs true")
	case g.Logprobs != nil && (*g.Logprobs < 0 || *g.Logprobs > 20):
		return fmt.Errorf("generationConfig.logprobs: %d is outside [0, 20]", *g.Logprobs)
	case len(g.ResponseSchema) > 0 && len(g.ResponseJSONSchema) > 0:
		return fmt.Errorf("generationConfig: responseSchema and responseJsonSchema cannot both be set")
	case (len(g.ResponseSchema) > 0 || len(g.ResponseJSONSchema) > 0) && g.ResponseMimeType != "application/json" && g.ResponseMimeType != "text/x.enum":
		return fmt.Errorf("generationConfig: a response schema needs a compatible responseMimeType, got %q", g.ResponseMimeType)
	}
	return nil
}

// validateParts: non-empty, each part exactly one data field, no empty text.
func validateParts(parts []json.RawMessage) error {
	if len(parts) == 0 {
		return fmt.Errorf("parts is empty")
	}
	data := map[string]bool{"text": true, "inlineData": true, "fileData": true, "functionCall": true, "functionResponse": true,
		"executableCode": true, "codeExecutionResult": true}
	for j, raw := range parts {
		var p map[string]json.RawMessage
		if err := json.Unmarshal(raw, &p); err != nil {
			return fmt.Errorf("parts[%d]: %v", j, err)
		}
		n := 0
		for k, v := range p {
			if data[k] {
				n++
			}
			if k == "text" && string(v) == `""` {
				return fmt.Errorf("parts[%d]: empty text", j)
			}
		}
		if n != 1 {
			return fmt.Errorf("parts[%d]: %d data fields, want 1", j, n)
		}
	}
	return nil
}
