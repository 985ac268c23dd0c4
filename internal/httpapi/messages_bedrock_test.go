package httpapi_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// TestMessagesBedrockNative: a Bedrock Claude target is served natively
// through the same engine path as Anthropic (its provider is a Messager):
// InvokeModel for a Message, InvokeModelWithResponseStream for a stream,
// the caller's body without model, the answer relayed.
func TestMessagesBedrockNative(t *testing.T) {
	h := newMessagesHarness(t)
	c := h.client()
	m, err := c.Messages.New(context.Background(), hello("bedrock-claude"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Content[0].Text != "Bonjour ! La capitale de l'Italie est Rome." || m.Usage.CacheReadInputTokens != 3400 {
		t.Errorf("message %+v", m)
	}
	var acc anthropic.Message
	s := c.Messages.NewStreaming(context.Background(), hello("bedrock-claude"))
	for s.Next() {
		if err := acc.Accumulate(s.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if len(acc.Content) == 0 || acc.Content[0].Text == "" {
		t.Errorf("streamed %+v", acc)
	}
	reqs := h.br.Requests()
	if len(reqs) != 2 || reqs[0].Op != "invoke" || reqs[1].Op != "invoke-with-response-stream" {
		t.Fatalf("bedrock requests %+v", reqs)
	}
	var body map[string]any
	if err := json.Unmarshal(reqs[0].Body, &body); err != nil || body["model"] != nil || body["anthropic_version"] != "bedrock-2023-05-31" || body["system"] == nil {
		t.Errorf("InvokeModel body %s", reqs[0].Body)
	}
	if len(h.oai.Requests()) != 0 || len(h.ant.Requests()) != 0 {
		t.Error("another upstream was called")
	}
}
