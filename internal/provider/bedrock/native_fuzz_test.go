package bedrock

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/switchyard-llm/switchyard/internal/provider"
)

// FuzzClaudeBody: whatever the caller sends, the InvokeModel body is
// either refused with a *provider.Error or is a JSON object Bedrock's
// schema accepts in the members the gateway owns (no model or stream,
// Bedrock's anthropic_version, every anthropic-beta header value in an
// array of strings), and the caller's body is never modified.
func FuzzClaudeBody(f *testing.F) {
	f.Add([]byte(messagesBody), "interleaved-thinking-2025-05-14, context-1m-2025-08-07", true)
	f.Add([]byte(`{"anthropic_beta":["a"],"anthropic_version":"2023-06-01","max_tokens":1e400}`), "a,,b", false)
	f.Add([]byte(`{"model":null,"stream":null,"anthropic_beta":null}`), "", true)
	f.Add([]byte(`null`), "x", true)
	f.Fuzz(func(t *testing.T, body []byte, beta string, send bool) {
		orig := append([]byte(nil), body...)
		h := http.Header{}
		if beta != "" {
			h.Set("anthropic-beta", beta)
		}
		out, perr := claudeBody(&provider.NativeCall{Model: claudeModel, Body: body, Header: h}, send)
		if !bytes.Equal(body, orig) {
			t.Fatal("the caller's body was modified")
		}
		if perr != nil {
			if perr.Class != provider.ClassInvalidRequest {
				t.Fatalf("refusal of class %s, want %s", perr.Class, provider.ClassInvalidRequest)
			}
			return
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(out, &obj); err != nil {
			t.Fatalf("body sent is not a JSON object: %v", err)
		}
		if _, ok := obj["model"]; ok {
			t.Error("model sent")
		}
		if _, ok := obj["stream"]; ok {
			t.Error("stream sent")
		}
		if string(obj["anthropic_version"]) != `"bedrock-2023-05-31"` {
			t.Errorf("anthropic_version %s", obj["anthropic_version"])
		}
		if _, ok := obj["max_tokens"]; !send && !ok {
			t.Error("count body without max_tokens")
		}
		var betas []string
		if raw, ok := obj["anthropic_beta"]; ok {
			if err := json.Unmarshal(raw, &betas); err != nil || betas == nil {
				t.Fatalf("anthropic_beta %s is not an array of strings", raw)
			}
		}
		for _, b := range strings.Split(beta, ",") {
			// JSON carries invalid UTF-8 as U+FFFD: such a value is not
			// a beta name anyway, so only valid ones are compared.
			b = strings.TrimSpace(b)
			known := bedrockBetas[b]
			if b != "" && utf8.ValidString(b) && known != containsString(betas, b) && !bodyHas(body, b) {
				t.Errorf("header beta %q (Bedrock takes it: %v) in %v", b, known, betas)
			}
		}
	})
}

// bodyHas reports whether the caller's own anthropic_beta array names b
// (kept as written, whatever it is).
func bodyHas(body []byte, b string) bool {
	var v struct {
		Betas []string `json:"anthropic_beta"`
	}
	return json.Unmarshal(body, &v) == nil && containsString(v.Betas, b)
}

func containsString(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
