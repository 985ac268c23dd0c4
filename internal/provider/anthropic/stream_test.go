package anthropic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/fakes/anthropicfake"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// collected is what a caller reading a stream to its end assembles.
type collected struct {
	chunks  []*chat.Chunk
	content string
	calls   []chat.ToolCall // by OpenAI index
	finish  string
	usage   *chat.Usage
}

// collect drains s, checking the invariants every chunk must keep. An
// empty id skips the check of the chunk header.
func collect(t *testing.T, s provider.Stream, id, model string) collected {
	t.Helper()
	var c collected
	for s.Next() {
		ch := s.Current()
		n := len(c.chunks)
		c.chunks = append(c.chunks, ch)
		if id != "" && (ch.ID != id || ch.Model != model) {
			t.Errorf("chunk %d id/model = %q %q, want %q %q", n, ch.ID, ch.Model, id, model)
		}
		if ch.Object != "chat.completion.chunk" || ch.Created != fixedNow.Unix() {
			t.Errorf("chunk %d object/created = %q %d, want chat.completion.chunk %d", n, ch.Object, ch.Created, fixedNow.Unix())
		}
		if c.usage != nil {
			t.Errorf("chunk %d follows the usage chunk, which must be last", n)
		}
		if ch.Usage != nil {
			if ch.Choices == nil || len(ch.Choices) != 0 {
				t.Errorf("usage chunk has choices %v, want an empty list", ch.Choices)
			}
			c.usage = ch.Usage
			continue
		}
		if len(ch.Choices) != 1 {
			t.Fatalf("chunk %d has %d choices", n, len(ch.Choices))
		}
		d := ch.Choices[0].Delta
		if (n == 0) != (d.Role == "assistant") {
			t.Errorf("chunk %d role = %q; only the first chunk carries role assistant", n, d.Role)
		}
		if d.Content != nil {
			c.content += *d.Content
		}
		for _, tc := range d.ToolCalls {
			switch {
			case tc.Index == len(c.calls):
				if tc.ID == "" || tc.Type != "function" || tc.Function.Name == "" {
					t.Errorf("first fragment of tool call %d lacks id/type/name: %+v", tc.Index, tc)
				}
				c.calls = append(c.calls, chat.ToolCall{ID: tc.ID, Type: tc.Type, Function: chat.FunctionCall{Name: tc.Function.Name, Arguments: tc.Function.Arguments}})
			case tc.Index < len(c.calls):
				if tc.ID != "" || tc.Function.Name != "" {
					t.Errorf("later fragment of tool call %d repeats id or name: %+v", tc.Index, tc)
				}
				c.calls[tc.Index].Function.Arguments += tc.Function.Arguments
			default:
				t.Errorf("tool call index %d skips ahead of %d calls", tc.Index, len(c.calls))
			}
		}
		if fr := ch.Choices[0].FinishReason; fr != nil {
			if c.finish != "" {
				t.Errorf("second finish_reason %q", *fr)
			}
			c.finish = *fr
		}
	}
	return c
}

func openStream(t *testing.T, c *Client, ctx context.Context, includeUsage bool) provider.Stream {
	t.Helper()
	call := simpleCall(true)
	if includeUsage {
		call.Request.StreamOptions = &chat.StreamOptions{IncludeUsage: true}
	}
	s, err := c.Stream(ctx, call)
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStream(t *testing.T) {
	tests := []struct {
		name         string
		fixture      string
		includeUsage bool
		id, model    string
		content      string
		calls        []chat.ToolCall
		finish       string
		usage        *chat.Usage
	}{
		{
			name: "text", fixture: "streams/text.sse",
			id: "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", model: "claude-opus-4-1-20250805",
			content: "Hello!", finish: "stop",
		},
		{
			name: "text with include_usage", fixture: "streams/text.sse", includeUsage: true,
			id: "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", model: "claude-opus-4-1-20250805",
			content: "Hello!", finish: "stop", usage: usageOf(25, 15, 0, 0),
		},
		{
			name: "tool call argument deltas", fixture: "streams/tool_use.sse", includeUsage: true,
			id: "msg_014p7gG3wDgGV9EUtLvnow3U", model: "claude-opus-4-1-20250805",
			content: "Okay, let's check the weather for San Francisco, CA:",
			calls: []chat.ToolCall{{ID: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", Type: "function", Function: chat.FunctionCall{
				Name: "get_weather", Arguments: `{"location": "San Francisco, CA", "unit": "fahrenheit"}`}}},
			finish: "tool_calls", usage: usageOf(472, 89, 0, 0),
		},
		{
			// Tool calls sit at content blocks 2 and 3 (after thinking and
			// text) but must be numbered 0 and 1; thinking never reaches
			// the content.
			name: "thinking then parallel tool calls", fixture: "streams/thinking_parallel_tools.sse", includeUsage: true,
			id: "msg_01ParallelTools", model: "claude-sonnet-4-5-20250929",
			content: "Checking both.",
			calls: []chat.ToolCall{
				{ID: "toolu_01WeatherParis", Type: "function", Function: chat.FunctionCall{Name: "get_weather", Arguments: `{"location": "Paris"}`}},
				{ID: "toolu_01TimeTokyo", Type: "function", Function: chat.FunctionCall{Name: "get_time", Arguments: `{"timezone": "Asia/Tokyo"}`}},
			},
			finish: "tool_calls", usage: usageOf(512, 160, 1024, 0),
		},
	}
	f := newFakeAPI(t)
	c := newTestClient(t, f, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.SetReply(anthropicfake.Reply{File: tt.fixture})
			s := openStream(t, c, context.Background(), tt.includeUsage)
			got := collect(t, s, tt.id, tt.model)
			if err := s.Err(); err != nil {
				t.Fatalf("Err = %v, want nil after message_stop", err)
			}
			if got.content != tt.content {
				t.Errorf("content = %q, want %q", got.content, tt.content)
			}
			if !equalJSON(got.calls, tt.calls) {
				t.Errorf("tool calls = %+v, want %+v", got.calls, tt.calls)
			}
			if got.finish != tt.finish {
				t.Errorf("finish_reason = %q, want %q", got.finish, tt.finish)
			}
			if !equalJSON(got.usage, tt.usage) {
				t.Errorf("usage = %+v, want %+v", got.usage, tt.usage)
			}
			reqs := f.Requests()
			if stream, _ := reqs[len(reqs)-1].Body["stream"].(bool); !stream {
				t.Errorf("request body lacks stream: true")
			}
		})
	}
}

// TestStreamGolden pins the exact chunks a caller receives for the
// documented tool-use stream, as OpenAI's wire format (one JSON per line).
func TestStreamGolden(t *testing.T) {
	f := newFakeAPI(t)
	c := newTestClient(t, f, nil)
	f.SetReply(anthropicfake.Reply{File: "streams/tool_use.sse"})
	s := openStream(t, c, context.Background(), true)
	var got bytes.Buffer
	for s.Next() {
		b, err := json.Marshal(s.Current())
		if err != nil {
			t.Fatal(err)
		}
		got.Write(b)
		got.WriteByte('\n')
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "golden", "stream_tool_use.jsonl")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("chunks differ from %s\ngot:\n%s\nwant:\n%s", golden, got.Bytes(), want)
	}
}

// TestStreamFailures: a stream that does not end in message_stop is an
// error, never a clean (truncated) end, and no finish_reason is invented.
func TestStreamFailures(t *testing.T) {
	tests := []struct {
		name    string
		reply   anthropicfake.Reply
		content string
		class   provider.Class
		status  int
		typ     string
		message string
	}{
		{"overloaded error event", anthropicfake.Reply{File: "streams/error_overloaded.sse"}, "Once upon", provider.ClassServer, 529, "overloaded_error", "anthropic: Overloaded"},
		{"rate limit error event", anthropicfake.Reply{File: "streams/error_rate_limit.sse"}, "", provider.ClassRateLimit, 429, "rate_limit_error", "anthropic: Number of request tokens has exceeded your per-minute rate limit"},
		{"connection closed before message_stop", anthropicfake.Reply{File: "streams/cut.sse"}, "Hello!", provider.ClassNetwork, 0, "", "stream ended before message_stop"},
		{"connection closed mid-event", anthropicfake.Reply{File: "streams/cut_mid_event.sse"}, "Hello", provider.ClassNetwork, 0, "", "stream ended before message_stop"},
		{"connection reset", anthropicfake.Reply{File: "streams/cut.sse", Cut: true, After: 5}, "Hello!", provider.ClassNetwork, 0, "", ""},
		{"undecodable event", anthropicfake.Reply{File: "streams/bad_json.sse"}, "", provider.ClassBadResponse, 0, "", ""},
	}
	f := newFakeAPI(t)
	c := newTestClient(t, f, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.SetReply(tt.reply)
			s := openStream(t, c, context.Background(), true)
			got := collect(t, s, "", "") // ids vary; checked in TestStream
			if got.content != tt.content {
				t.Errorf("content = %q, want %q", got.content, tt.content)
			}
			if got.finish != "" || got.usage != nil {
				t.Errorf("a failed stream produced finish %q / usage %v", got.finish, got.usage)
			}
			var pe *provider.Error
			if !errors.As(s.Err(), &pe) {
				t.Fatalf("Err = %v, want *provider.Error", s.Err())
			}
			if pe.Class != tt.class || pe.Status != tt.status || pe.Type != tt.typ {
				t.Errorf("got class=%s status=%d type=%q, want %s %d %q", pe.Class, pe.Status, pe.Type, tt.class, tt.status, tt.typ)
			}
			if tt.message != "" && pe.Message != tt.message {
				t.Errorf("message = %q, want %q", pe.Message, tt.message)
			}
			if pe.RequestID != "req_fake_0001" {
				t.Errorf("RequestID = %q, want the response's request-id", pe.RequestID)
			}
			if s.Next() {
				t.Error("Next after the end returned true")
			}
		})
	}
}

// TestStreamIsLazy: the first chunk is handed out while the upstream is
// still holding the rest of the stream back, so nothing is buffered.
func TestStreamIsLazy(t *testing.T) {
	f := newFakeAPI(t)
	c := newTestClient(t, f, nil)
	hold := make(chan struct{})
	f.SetReply(anthropicfake.Reply{File: "streams/text.sse", Hold: hold})
	s := openStream(t, c, context.Background(), false)
	if !s.Next() || s.Current().Choices[0].Delta.Role != "assistant" {
		t.Fatalf("first Next: %v %v", s.Current(), s.Err())
	}
	close(hold)
	var content, finish string
	for s.Next() {
		for _, ch := range s.Current().Choices {
			if ch.Delta.Content != nil {
				content += *ch.Delta.Content
			}
			if ch.FinishReason != nil {
				finish = *ch.FinishReason
			}
		}
	}
	if content != "Hello!" || finish != "stop" || s.Err() != nil {
		t.Errorf("after release: content %q finish %q err %v", content, finish, s.Err())
	}
}

// TestStreamCloseAndCancel: a caller that stops reading releases the
// connection; Close is idempotent; a canceled context reads as canceled.
func TestStreamCloseAndCancel(t *testing.T) {
	t.Run("close twice", func(t *testing.T) {
		f := newFakeAPI(t)
		c := newTestClient(t, f, nil)
		f.SetReply(anthropicfake.Reply{File: "streams/text.sse", Hold: make(chan struct{})})
		s := openStream(t, c, context.Background(), false)
		if !s.Next() {
			t.Fatalf("first Next: %v", s.Err())
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if s.Next() {
			t.Error("Next after Close returned true")
		}
	})
	t.Run("context canceled mid-stream", func(t *testing.T) {
		f := newFakeAPI(t)
		c := newTestClient(t, f, nil)
		f.SetReply(anthropicfake.Reply{File: "streams/text.sse", Hold: make(chan struct{})})
		ctx, cancel := context.WithCancel(context.Background())
		s := openStream(t, c, ctx, false)
		if !s.Next() {
			t.Fatalf("first Next: %v", s.Err())
		}
		cancel()
		if s.Next() {
			t.Fatal("Next after cancel returned true")
		}
		if got := provider.ClassOf(s.Err()); got != provider.ClassCanceled {
			t.Errorf("class = %s (%v), want canceled", got, s.Err())
		}
	})
}

// TestStreamNotAnEventStream: a proxy that ignores stream:true and answers
// with a JSON Message is a bad response, reported at open.
func TestStreamNotAnEventStream(t *testing.T) {
	f := newFakeAPI(t)
	c := newTestClient(t, f, nil)
	f.SetReply(anthropicfake.Reply{File: "responses/text.json", ContentType: "application/json"})
	s, err := c.Stream(context.Background(), simpleCall(true))
	if s != nil {
		s.Close()
	}
	if got := provider.ClassOf(err); got != provider.ClassBadResponse || !strings.Contains(err.Error(), "event stream") {
		t.Errorf("err = %v, want bad_response about the event stream", err)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
