package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
)

// TestResponsesEveryProvider: POST /v1/responses through each provider's
// wire fake, with the openai-go SDK's Responses client, streamed and not:
// OpenAI natively, Anthropic, Gemini and Bedrock by translation. Each
// answers a completed response with text and usage; a stream's text deltas
// add up to the completed response's text.
func TestResponsesEveryProvider(t *testing.T) {
	g := newGateway(t)
	for _, target := range []string{"openai/" + openaiModel, "anthropic/" + anthropicModel, "gemini/" + geminiModel, "bedrock/" + bedrockModel} {
		params := responses.ResponseNewParams{
			Model:           target,
			Instructions:    openai.String("Be brief."),
			Input:           responses.ResponseNewParamsInputUnion{OfString: openai.String("Say hello.")},
			MaxOutputTokens: openai.Int(100),
		}
		t.Run(target, func(t *testing.T) {
			var raw *http.Response
			resp, err := g.client().Responses.New(context.Background(), params, option.WithResponseInto(&raw))
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if resp.Status != "completed" || resp.OutputText() == "" || resp.Usage.OutputTokens == 0 || !strings.HasPrefix(resp.ID, "resp_") {
				t.Errorf("response = %s", resp.RawJSON())
			}
			checkRouted(t, raw.Header, "direct", target, false)
		})
		t.Run(target+"/stream", func(t *testing.T) {
			var raw *http.Response
			s := g.client().Responses.NewStreaming(context.Background(), params, option.WithResponseInto(&raw))
			defer s.Close()
			var text strings.Builder
			var last responses.ResponseStreamEventUnion
			n := 0
			for s.Next() {
				ev := s.Current()
				if ev.SequenceNumber != int64(n) {
					t.Errorf("event %d (%s) has sequence_number %d", n, ev.Type, ev.SequenceNumber)
				}
				if ev.Type == "response.output_text.delta" {
					text.WriteString(ev.Delta)
				}
				last, n = ev, n+1
			}
			if err := s.Err(); err != nil {
				t.Fatalf("stream: %v", err)
			}
			done := last.AsResponseCompleted().Response
			if last.Type != "response.completed" || text.String() == "" || done.OutputText() != text.String() || done.Usage.OutputTokens == 0 {
				t.Errorf("last event %s, text %q, completed %s", last.Type, text.String(), done.RawJSON())
			}
			checkRouted(t, raw.Header, "direct", target, false)
		})
	}
}
