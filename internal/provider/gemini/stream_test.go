package gemini

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/fakes/geminifake"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

func TestStream(t *testing.T) {
	const usage18 = `{"prompt_tokens":8,"completion_tokens":10,"total_tokens":18,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}`
	role := `{"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`
	text := func(s string) string {
		return fmt.Sprintf(`{"choices":[{"index":0,"delta":{"content":%q},"finish_reason":null}]}`, s)
	}
	finish := func(r string) string {
		return fmt.Sprintf(`{"choices":[{"index":0,"delta":{},"finish_reason":%q}]}`, r)
	}
	tests := []struct {
		name         string
		fixture      string
		cutAfter     int // events sent before the connection drops; -1 for a clean end
		includeUsage bool
		id, model    string
		want         []string // chunks without id/object/created/model
		wantErr      provider.Class
		wantStatus   int
	}{
		{name: "text", fixture: "text.sse", cutAfter: -1, id: "q3t2aP2dI4-ZvdIP6oXq8Qk", model: "gemini-2.0-flash",
			want: []string{role, text("The"), text(" quick brown fox jumps over the lazy dog."), finish("stop")}},
		{name: "include_usage", fixture: "text.sse", cutAfter: -1, includeUsage: true, id: "q3t2aP2dI4-ZvdIP6oXq8Qk", model: "gemini-2.0-flash",
			want: []string{role, text("The"), text(" quick brown fox jumps over the lazy dog."), finish("stop"),
				`{"choices":[],"usage":` + usage18 + `}`}},
		{name: "function calls", fixture: "function_call.sse", cutAfter: -1, includeUsage: true, id: "Zn12aK7FB4-ZvdIPuN7pqQU", model: "gemini-3-pro-preview",
			want: []string{role, text("Let me check the weather for you."),
				`{"choices":[{"index":0,"delta":{"tool_calls":[
					{"index":0,"id":"call_0__thought__EjQKMgG+Pvb7kXYz0Nq1l3gYwz0+g==","type":"function","function":{"name":"get_current_weather","arguments":"{\"location\":\"Paris, France\",\"unit\":\"celsius\"}"}},
					{"index":1,"id":"call_1","type":"function","function":{"name":"get_current_weather","arguments":"{\"location\":\"London, UK\",\"unit\":\"celsius\"}"}}]},"finish_reason":null}]}`,
				finish("tool_calls"),
				`{"choices":[],"usage":{"prompt_tokens":71,"completion_tokens":109,"total_tokens":180,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":65}}}`}},
		{name: "thoughts are not content", fixture: "thinking.sse", cutAfter: -1, includeUsage: true, id: "k4N2aO6iDo-ZvdIPjbC_wQo", model: "gemini-2.5-pro",
			want: []string{role, text("Autumn moonlight—\na worm digs silently\ninto the chestnut."), finish("stop"),
				`{"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":317,"total_tokens":327,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":300}}}`}},
		{name: "blocked prompt", fixture: "prompt_blocked.sse", cutAfter: -1, id: "M4J2aL3uBY-ZvdIPzsO24Q0", model: "gemini-2.5-flash",
			want: []string{role, `{"choices":[{"index":0,"delta":{"refusal":"The prompt was blocked by Gemini (blockReason PROHIBITED_CONTENT)."},"finish_reason":null}]}`,
				finish("content_filter")}},
		{name: "safety stop", fixture: "safety.sse", cutAfter: -1, id: "x5N2aO6iDo-ZvdIPjbC_wQo", model: "gemini-2.5-flash",
			want: []string{role, text("I can help with that, but"), finish("content_filter")}},
		{name: "logprobs", fixture: "logprobs.sse", cutAfter: -1, id: "M2p2aOyTFY-ZvdIPlIqo8Qs", model: "gemini-2.0-flash",
			want: []string{role, `{"choices":[{"index":0,"delta":{"content":"Paris."},"finish_reason":null,"logprobs":{"content":[
				{"token":"Paris","logprob":-0.2,"bytes":[80,97,114,105,115],"top_logprobs":[{"token":"Paris","logprob":-0.2,"bytes":[80,97,114,105,115]}]},
				{"token":".","logprob":-0.02,"bytes":[46],"top_logprobs":[{"token":".","logprob":-0.02,"bytes":[46]}]}],"refusal":null}}]}`,
				finish("stop")}},
		{name: "error mid-stream", fixture: "error_midstream.sse", cutAfter: -1, id: "B4B2aNnHKo-ZvdIP_6mW6Qs", model: "gemini-2.5-flash",
			want:    []string{role, text("Here is the first part of a long essay")},
			wantErr: provider.ClassServer, wantStatus: 503},
		{name: "ends without finishReason", fixture: "no_finish.sse", cutAfter: -1, id: "H4F2aJ2GMI-ZvdIP0pCZ-QQ", model: "gemini-2.5-flash",
			want:    []string{role, text("Counting: one, two"), text(", three")},
			wantErr: provider.ClassNetwork},
		{name: "connection cut", fixture: "text.sse", cutAfter: 1, includeUsage: true, id: "q3t2aP2dI4-ZvdIP6oXq8Qk", model: "gemini-2.0-flash",
			want:    []string{role, text("The")},
			wantErr: provider.ClassNetwork},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, replySSE("streams/"+tt.fixture, tt.cutAfter))
			req := userRequest("hi")
			req.Stream = true
			if tt.includeUsage {
				req.StreamOptions = &chat.StreamOptions{IncludeUsage: true}
			}
			s, err := newTestClient(t, f.URL, nil).Stream(context.Background(), &provider.Call{Model: "gemini-2.5-flash", Request: req})
			if err != nil {
				t.Fatalf("Stream: %v", err)
			}
			defer s.Close()
			var got []*chat.Chunk
			for s.Next() {
				got = append(got, s.Current())
			}
			if len(got) != len(tt.want) {
				for _, c := range got {
					b, _ := json.Marshal(c)
					t.Logf("chunk: %s", b)
				}
				t.Fatalf("%d chunks, want %d (err %v)", len(got), len(tt.want), s.Err())
			}
			for i, c := range got {
				if c.ID != tt.id || c.Object != "chat.completion.chunk" || c.Created != fixedNow.Unix() || c.Model != tt.model {
					t.Errorf("chunk %d header = %q %q %d %q", i, c.ID, c.Object, c.Created, c.Model)
				}
				stripped := *c
				stripped.ID, stripped.Object, stripped.Created, stripped.Model = "", "", 0, ""
				assertJSON(t, chunkBody(stripped), tt.want[i])
			}
			assertStreamErr(t, s.Err(), tt.wantErr, tt.wantStatus)
			if r := f.Requests()[0]; r.Method != "streamGenerateContent" || r.Header.Get("Accept") != "text/event-stream" {
				t.Errorf("upstream saw %s with Accept %q", r.Method, r.Header.Get("Accept"))
			}
		})
	}
}

// chunkBody is a chunk without its header fields, for comparison.
type chunkBody chat.Chunk

func (c chunkBody) MarshalJSON() ([]byte, error) {
	m := map[string]any{"choices": c.Choices}
	if c.Usage != nil {
		m["usage"] = c.Usage
	}
	return json.Marshal(m)
}

func assertStreamErr(t *testing.T, err error, want provider.Class, status int) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Errorf("Err = %v, want nil", err)
		}
		return
	}
	var pe *provider.Error
	if !errors.As(err, &pe) {
		t.Fatalf("Err = %v, want *provider.Error of class %s", err, want)
	}
	if pe.Class != want || pe.Status != status {
		t.Errorf("Err class/status = %s/%d, want %s/%d (%v)", pe.Class, pe.Status, want, status, err)
	}
}

// TestStreamIsLazy: the first chunk is available while Gemini is still
// generating, and a caller that goes away ends the stream as canceled.
func TestStreamIsLazy(t *testing.T) {
	release := make(chan struct{})
	// The fake holds the rest back until the test has seen the first chunk.
	f := newFake(t, geminifake.Reply{StreamFile: "streams/text.sse", Hold: release})
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := newTestClient(t, f.URL, nil).Stream(ctx, &provider.Call{Model: "gemini-2.5-flash", Request: userRequest("hi")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	got := make(chan string, 2)
	go func() {
		for i := 0; i < 2 && s.Next(); i++ {
			d := s.Current().Choices[0].Delta
			got <- *d.Content
		}
		close(got)
	}()
	for _, want := range []string{"", "The"} {
		select {
		case c := <-got:
			if c != want {
				t.Fatalf("chunk content %q, want %q", c, want)
			}
		case <-time.After(10 * time.Second): // a hang guard, not a timing assertion
			t.Fatal("first chunks not delivered while the upstream is still streaming")
		}
	}
	<-got // the reader goroutine has finished with s
	cancel()
	if s.Next() {
		t.Fatal("Next after cancel returned a chunk")
	}
	assertStreamErr(t, s.Err(), provider.ClassCanceled, 0)
}

func TestStreamCloseTwice(t *testing.T) {
	f := newFake(t, replySSE("streams/text.sse", -1))
	s, err := newTestClient(t, f.URL, nil).Stream(context.Background(), &provider.Call{Model: "gemini-2.5-flash", Request: userRequest("hi")})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Next() {
		t.Fatalf("no first chunk: %v", s.Err())
	}
	if err := s.Close(); err != nil {
		t.Errorf("first Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if s.Next() {
		t.Errorf("Next after Close returned a chunk")
	}
	if err := s.Err(); err != nil {
		t.Errorf("Err after Close = %v, want nil", err)
	}
}
