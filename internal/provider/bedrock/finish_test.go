package bedrock

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/switchyard-llm/switchyard/internal/fakes/bedrockfake"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// finishReasons is the stopReason table of docs/providers/bedrock.md.
var finishReasons = map[string]string{
	"end_turn":                      "stop",
	"stop_sequence":                 "stop",
	"max_tokens":                    "length",
	"model_context_window_exceeded": "length",
	"tool_use":                      "tool_calls",
	"guardrail_intervened":          "content_filter",
	"content_filtered":              "content_filter",
	"malformed_model_output":        "stop",
	"malformed_tool_use":            "stop",
	"a_future_reason":               "stop", // "anything else"
}

// TestFinishReasonCoversEveryStopReason: a stopReason the SDK learns in an
// update must be given a documented mapping, not fall into the default by
// accident.
func TestFinishReasonCoversEveryStopReason(t *testing.T) {
	for _, r := range types.StopReason("").Values() {
		if _, ok := finishReasons[string(r)]; !ok {
			t.Errorf("stopReason %q has no documented finish_reason; add it to docs/providers/bedrock.md and this table", r)
		}
	}
}

// TestFinishReasonMapping sends each stopReason through the real SDK, in a
// Converse answer and in a ConverseStream messageStop event, and checks the
// finish_reason the caller reads.
func TestFinishReasonMapping(t *testing.T) {
	for reason, want := range finishReasons {
		t.Run(reason, func(t *testing.T) {
			f := newFake(t)
			f.SetReply(bedrockfake.Stopped(reason))
			c := newTestClient(t, f, provider.Env{})

			resp, err := c.Complete(context.Background(), userCall("amazon.nova-micro-v1:0"))
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.Choices[0].FinishReason; got != want {
				t.Errorf("Converse: finish_reason = %q, want %q", got, want)
			}

			s, err := c.Stream(context.Background(), streamCall("amazon.nova-micro-v1:0", false))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var finishes []string
			for s.Next() {
				for _, ch := range s.Current().Choices {
					if ch.FinishReason != nil {
						finishes = append(finishes, *ch.FinishReason)
					}
				}
			}
			if err := s.Err(); err != nil {
				t.Fatalf("stream: %v", err)
			}
			if len(finishes) != 1 || finishes[0] != want {
				t.Errorf("ConverseStream: finish reasons %v, want [%s]", finishes, want)
			}
		})
	}
}
