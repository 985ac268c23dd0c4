package messages

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// nativeParams are the target params a native body takes: Messages
// parameters by their own names, and chat's names for the same thing.
// Other params (a chat-only presence_penalty, an embeddings dimensions)
// mean nothing to the Messages API, which refuses unknown fields.
var nativeParams = map[string]string{
	"max_tokens": "max_tokens", "max_completion_tokens": "max_tokens",
	"temperature": "temperature", "top_p": "top_p", "top_k": "top_k",
	"stop_sequences": "stop_sequences", "stop": "stop_sequences",
	"thinking": "thinking", "service_tier": "service_tier", "metadata": "metadata",
}

// NativeBody is the body a native target gets: the caller's bytes, with
// the gateway's own field (router) removed and the target's params merged
// in (a target's params win, as for chat). With neither, it is raw itself,
// byte for byte. The model is the provider's to replace.
func NativeBody(raw []byte, params map[string]any) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, fmt.Errorf("messages body: %w", err)
	}
	_, hasRouter := top["router"]
	merge := false
	for k := range params {
		if _, ok := nativeParams[k]; ok {
			merge = true
		}
	}
	if !hasRouter && !merge {
		return raw, nil
	}
	delete(top, "router")
	for k, v := range params {
		name, ok := nativeParams[k]
		if !ok {
			continue
		}
		if s, isString := v.(string); isString && name == "stop_sequences" {
			v = []string{s}
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("params.%s: %w", k, err)
		}
		top[name] = b
	}
	if mt, ok := top["max_tokens"]; ok {
		var n int
		if json.Unmarshal(mt, &n) != nil || n < 1 || n > chat.MaxOutputTokens {
			return nil, fmt.Errorf("params: max_tokens must be an integer from 1 to %d", chat.MaxOutputTokens)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(top); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// ReplaceModel returns a copy of body with "model" set to model (and
// nothing else changed), for a provider sending the caller's body on.
func ReplaceModel(body []byte, model string) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, fmt.Errorf("messages body: %w", err)
	}
	m, _ := json.Marshal(model)
	top["model"] = m
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(top); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
