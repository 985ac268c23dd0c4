package geminifake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
)

var pathRE = regexp.MustCompile(`^/v1beta/(?:models|tunedModels)/([^/:]+):(generateContent|streamGenerateContent)$`)

// validateRequest checks what the real API checks, plus the gateway's own
// rule that the key travels only in x-goog-api-key.
func validateRequest(r *http.Request, body []byte) (Request, error) {
	rec := Request{Header: r.Header.Clone(), Body: body}
	if r.Method != http.MethodPost {
		return rec, fmt.Errorf("method %s, want POST", r.Method)
	}
	m := pathRE.FindStringSubmatch(r.URL.Path)
	if m == nil {
		return rec, fmt.Errorf("path %q is not /v1beta/models/{model}:generateContent|streamGenerateContent", r.URL.Path)
	}
	rec.Model, rec.Method = m[1], m[2]
	q := r.URL.Query()
	if q.Has("key") {
		return rec, fmt.Errorf("the API key must not be in the URL")
	}
	if rec.Method == "streamGenerateContent" && q.Get("alt") != "sse" {
		return rec, fmt.Errorf("streamGenerateContent without alt=sse")
	}
	if rec.Method == "generateContent" && q.Has("alt") {
		return rec, fmt.Errorf("generateContent with alt=%s", q.Get("alt"))
	}
	if got := r.Header.Get("x-goog-api-key"); got != APIKey {
		return rec, fmt.Errorf("x-goog-api-key = %q", got)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		return rec, fmt.Errorf("Content-Type = %q", ct)
	}
	var req struct {
		Contents []struct {
			Role  string            `json:"role"`
			Parts []json.RawMessage `json:"parts"`
		} `json:"contents"`
		SystemInstruction *struct {
			Parts []json.RawMessage `json:"parts"`
		} `json:"systemInstruction"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		return rec, fmt.Errorf("body is not JSON: %v", err)
	}
	if len(req.Contents) == 0 {
		return rec, fmt.Errorf("contents is empty")
	}
	for i, c := range req.Contents {
		if c.Role != "user" && c.Role != "model" {
			return rec, fmt.Errorf("contents[%d].role = %q", i, c.Role)
		}
		if i > 0 && req.Contents[i-1].Role == c.Role {
			return rec, fmt.Errorf("contents[%d]: two %s turns in a row", i, c.Role)
		}
		if err := validateParts(c.Parts); err != nil {
			return rec, fmt.Errorf("contents[%d]: %v", i, err)
		}
	}
	if req.SystemInstruction != nil {
		if err := validateParts(req.SystemInstruction.Parts); err != nil {
			return rec, fmt.Errorf("systemInstruction: %v", err)
		}
	}
	return rec, nil
}

// validateParts: non-empty, each part exactly one data field, no empty text.
func validateParts(parts []json.RawMessage) error {
	if len(parts) == 0 {
		return fmt.Errorf("parts is empty")
	}
	data := map[string]bool{"text": true, "inlineData": true, "fileData": true, "functionCall": true, "functionResponse": true}
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
