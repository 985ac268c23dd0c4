package bedrock

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/fakes/bedrockfake"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// scriptChunks is the Anthropic events of an invoke_stream script, in order.
func scriptChunks(t *testing.T, name string) [][]byte {
	t.Helper()
	data, err := bedrockfake.Fixture("invoke_stream/" + name + ".jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var l bedrockfake.StreamLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		if len(l.Chunk) > 0 {
			var b bytes.Buffer
			_ = json.Compact(&b, l.Chunk)
			out = append(out, b.Bytes())
		}
	}
	return out
}

// TestMessagesStreamEvents: every chunk becomes the Anthropic event its
// "type" names, its data as Bedrock sent it, except that message_stop
// loses Bedrock's amazon-bedrock-invocationMetrics; the request body has
// no stream member (InvokeModelWithResponseStream is the stream).
func TestMessagesStreamEvents(t *testing.T) {
	f := newFake(t)
	c := newTestClient(t, f, provider.Env{})
	s, err := c.MessagesStream(context.Background(), nativeCall(claudeProfile, messagesBody, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var types []string
	var datas [][]byte
	for s.Next() {
		ev := s.Event()
		types = append(types, ev.Type)
		datas = append(datas, append([]byte(nil), ev.Data...))
	}
	if err := s.Err(); err != nil {
		t.Fatalf("Err() = %v after a complete stream", err)
	}
	wantTypes := []string{"message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta",
		"content_block_stop", "message_delta", "message_stop"}
	if !equalStrings(types, wantTypes) {
		t.Fatalf("events %v, want %v", types, wantTypes)
	}
	want := scriptChunks(t, "claude_text")
	for i := range want[:len(want)-1] {
		if !bytes.Equal(datas[i], want[i]) {
			t.Errorf("event %d data %s, want as sent %s", i, datas[i], want[i])
		}
	}
	if got := string(datas[len(datas)-1]); got != `{"type":"message_stop"}` {
		t.Errorf("message_stop data %s, want the invocation metrics stripped", got)
	}
	if r := f.Requests()[0]; r.Op != "invoke-with-response-stream" || r.Model != claudeProfile {
		t.Errorf("sent %s to %s", r.Op, r.Model)
	}
	if _, ok := sentBody(t, f)["stream"]; ok {
		t.Error("stream member sent to Bedrock")
	}
	if rid := s.(provider.RequestIDer).RequestID(); rid != fakeRequestID {
		t.Errorf("request id %q, want Bedrock's", rid)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestMessagesStreamFailures: how a stream that cannot be opened, or
// that breaks after events were relayed, ends, with its class and the
// status a router's on_status sees.
func TestMessagesStreamFailures(t *testing.T) {
	tests := []struct {
		name       string
		reply      bedrockfake.Reply
		openFails  bool
		wantEvents int // events relayed before the failure
		want       provider.Class
		wantStatus int
	}{
		{"throttled before the stream", bedrockfake.Throttled(), true, 0, provider.ClassRateLimit, 429},
		{"throttlingException mid-stream", bedrockfake.ClaudeStream("claude_exception_throttling", nil), false, 3, provider.ClassRateLimit, 429},
		{"modelStreamErrorException", bedrockfake.ClaudeStream("claude_exception_model_stream_error", nil), false, 1, provider.ClassServer, 424},
		{"Anthropic error event", bedrockfake.ClaudeStream("claude_error_event", nil), false, 1, provider.ClassServer, 529},
		{"ends without message_stop", bedrockfake.ClaudeStream("claude_no_stop", nil), false, 3, provider.ClassNetwork, 0},
		{"chunk that is not an event", bedrockfake.ClaudeStream("claude_not_json", nil), false, 1, provider.ClassBadResponse, 200},
		{"connection cut after two events", bedrockfake.Reply{StreamFile: "invoke_stream/claude_text.jsonl", Cut: true, After: 2}, false, 2, provider.ClassNetwork, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.SetReply(tt.reply)
			c := newTestClient(t, f, provider.Env{})
			s, err := c.MessagesStream(context.Background(), nativeCall(claudeModel, messagesBody, nil))
			if tt.openFails {
				if provider.ClassOf(err) != tt.want {
					t.Fatalf("open err = %v, want class %s", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			n := 0
			for s.Next() {
				n++
			}
			var pe *provider.Error
			if !errors.As(s.Err(), &pe) || pe.Class != tt.want {
				t.Fatalf("Err() = %v, want class %s", s.Err(), tt.want)
			}
			if n != tt.wantEvents {
				t.Errorf("%d events relayed before the failure, want %d", n, tt.wantEvents)
			}
			if pe.Status != tt.wantStatus {
				t.Errorf("status %d, want %d", pe.Status, tt.wantStatus)
			}
			if s.Next() {
				t.Error("Next after the end returned true")
			}
		})
	}
}

// TestMessagesStreamCancel: a caller who goes away mid-stream ends it as
// canceled, not as an upstream fault, while Bedrock holds the stream.
func TestMessagesStreamCancel(t *testing.T) {
	f := newFake(t)
	gate := make(chan struct{})
	defer close(gate)
	f.SetReply(bedrockfake.ClaudeStream("claude_exception_throttling", gate))
	c := newTestClient(t, f, provider.Env{})
	ctx, cancel := context.WithCancel(context.Background())
	s, err := c.MessagesStream(ctx, nativeCall(claudeModel, messagesBody, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < 3; i++ {
		if !s.Next() {
			t.Fatalf("stream ended after %d events: %v", i, s.Err())
		}
	}
	cancel()
	if s.Next() {
		t.Fatal("Next after cancel returned true")
	}
	if provider.ClassOf(s.Err()) != provider.ClassCanceled {
		t.Errorf("Err() = %v, want %s", s.Err(), provider.ClassCanceled)
	}
}

func TestStripMetrics(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":1}}`, `{"type":"message_stop"}`},
		{`{"type":"message_stop"}`, `{"type":"message_stop"}`},
		{`{"type":"message_stop","future":1,"amazon-bedrock-invocationMetrics":{}}`, `{"future":1,"type":"message_stop"}`},
	}
	for _, tt := range tests {
		if got := string(stripMetrics([]byte(tt.in))); got != tt.want {
			t.Errorf("stripMetrics(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
