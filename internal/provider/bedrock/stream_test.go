package bedrock

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

func streamCall(model string, includeUsage bool) *provider.Call {
	call := userCall(model)
	call.Request.Stream = true
	if includeUsage {
		call.Request.StreamOptions = &chat.StreamOptions{IncludeUsage: true}
	}
	return call
}

// TestStreamChunks replays recorded ConverseStream bodies and compares the
// OpenAI chunks with testdata/chunks/<case>.json.
func TestStreamChunks(t *testing.T) {
	tests := []struct {
		name         string
		fixture      string
		includeUsage bool
		wantFinish   string
		wantUsage    bool
	}{
		{"text", "text", false, "stop", false},
		{"text_include_usage", "text", true, "stop", true},
		{"tool_use_include_usage", "tool_use", true, "tool_calls", true},
		// The answer is complete at messageStop; only the usage is missing.
		{"stop_without_metadata", "stop_without_metadata", true, "stop", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.SetReply(streamFixture(tt.fixture, nil))
			c := newTestClient(t, f, provider.Env{})
			s, err := c.Stream(context.Background(), streamCall("anthropic.claude-3-haiku-20240307-v1:0", tt.includeUsage))
			if err != nil {
				t.Fatal(err)
			}
			var chunks []*chat.Chunk
			for s.Next() {
				chunks = append(chunks, s.Current())
			}
			if err := s.Err(); err != nil {
				t.Fatalf("Err() = %v after a complete stream", err)
			}
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}

			if len(chunks) == 0 || chunks[0].Choices[0].Delta.Role != "assistant" {
				t.Fatalf("first chunk must carry role assistant: %+v", chunks)
			}
			var finishes []string
			for _, ch := range chunks {
				for _, c := range ch.Choices {
					if c.FinishReason != nil {
						finishes = append(finishes, *c.FinishReason)
					}
				}
			}
			if len(finishes) != 1 || finishes[0] != tt.wantFinish {
				t.Errorf("finish reasons %v, want exactly [%s]", finishes, tt.wantFinish)
			}
			last := chunks[len(chunks)-1]
			if tt.wantUsage != (last.Usage != nil && len(last.Choices) == 0) {
				t.Errorf("want usage chunk %v, but last chunk is %+v", tt.wantUsage, last)
			}

			b, err := json.MarshalIndent(chunks, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("chunks", tt.name+".json"), append(b, '\n'))
		})
	}
}

// TestStreamToolCallArguments: the argument fragments of each call,
// joined by index, are the call's JSON input.
func TestStreamToolCallArguments(t *testing.T) {
	f := newFake(t)
	f.SetReply(streamFixture("tool_use", nil))
	c := newTestClient(t, f, provider.Env{})
	s, err := c.Stream(context.Background(), streamCall("anthropic.claude-3-5-sonnet-20240620-v1:0", false))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	args := map[int]string{}
	ids := map[int]string{}
	for s.Next() {
		for _, tc := range s.Current().Choices[0].Delta.ToolCalls {
			args[tc.Index] += tc.Function.Arguments
			if tc.ID != "" {
				ids[tc.Index] = tc.ID + "/" + tc.Function.Name
			}
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[int]string{0: `{"city": "Paris"}`, 1: `{"order_id": 12345678901234567890}`}
	wantIDs := map[int]string{0: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q/get_weather", 1: "tooluse_0cf2YgjBTTCk5IT2uoJXWg/get_order"}
	for i := range want {
		if args[i] != want[i] || ids[i] != wantIDs[i] {
			t.Errorf("tool call %d: id/name %q args %q; want %q %q", i, ids[i], args[i], wantIDs[i], want[i])
		}
	}
	if len(args) != 2 {
		t.Errorf("got %d tool calls, want 2 (indexes are call ordinals, not content block indexes)", len(args))
	}
}

// TestStreamFailures: the stream delivers what arrived, then fails with the
// class of the exception event, or ClassNetwork when it stops short. Each
// fixture holds the upstream at a gate after the first text, so the test
// reads exactly those chunks before the failure is released.
func TestStreamFailures(t *testing.T) {
	tests := []struct {
		fixture    string
		wantClass  provider.Class
		wantStatus int
	}{
		{"exception_throttling", provider.ClassRateLimit, 429},
		{"exception_model_stream_error", provider.ClassServer, 424},
		{"exception_internal_server", provider.ClassServer, 500},
		{"exception_service_unavailable", provider.ClassServer, 503},
		{"exception_validation", provider.ClassContextLength, 400},
		{"cut", provider.ClassNetwork, 0},
		{"no_stop", provider.ClassNetwork, 0},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			f := newFake(t)
			gate := make(chan struct{})
			f.SetReply(streamFixture(tt.fixture, gate))
			c := newTestClient(t, f, provider.Env{})
			s, err := c.Stream(context.Background(), streamCall("anthropic.claude-3-haiku-20240307-v1:0", true))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			readPartial(t, s)
			close(gate)
			for s.Next() {
				t.Errorf("unexpected chunk after the failure point: %+v", s.Current())
			}
			var pe *provider.Error
			if !errors.As(s.Err(), &pe) {
				t.Fatalf("Err() = %v, want *provider.Error", s.Err())
			}
			if pe.Class != tt.wantClass || pe.Status != tt.wantStatus {
				t.Errorf("class %s status %d (%v); want %s %d", pe.Class, pe.Status, pe, tt.wantClass, tt.wantStatus)
			}
			if s.Next() {
				t.Errorf("Next() after the end returned true")
			}
		})
	}
}

// TestStreamCallerCancels: a caller that goes away ends the stream as
// canceled, not as an upstream fault.
func TestStreamCallerCancels(t *testing.T) {
	f := newFake(t)
	f.SetReply(streamFixture("cut", make(chan struct{}))) // holds at its gate, never released
	c := newTestClient(t, f, provider.Env{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := c.Stream(ctx, streamCall("anthropic.claude-3-haiku-20240307-v1:0", false))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	readPartial(t, s)
	cancel()
	if s.Next() {
		t.Fatalf("Next() = true after cancel: %+v", s.Current())
	}
	if provider.ClassOf(s.Err()) != provider.ClassCanceled {
		t.Errorf("Err() = %v, want class %s", s.Err(), provider.ClassCanceled)
	}
}

// readPartial reads the role chunk and the "Partial answer" chunk every
// failure fixture sends before its gate.
func readPartial(t *testing.T, s provider.Stream) {
	t.Helper()
	for i, want := range []string{"", "Partial answer"} {
		if !s.Next() {
			t.Fatalf("chunk %d: stream ended early: %v", i, s.Err())
		}
		d := s.Current().Choices[0].Delta
		if d.Content == nil || *d.Content != want {
			t.Fatalf("chunk %d: delta %+v, want content %q", i, d, want)
		}
	}
}
