package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// slowChunk is the reference: what encoding/json makes of an event.
func slowChunk(data []byte) (chat.Chunk, bool) {
	var ev struct {
		chat.Chunk
		Error json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(data, &ev); err != nil || (len(ev.Error) > 0 && string(ev.Error) != "null") {
		return chat.Chunk{}, false
	}
	return ev.Chunk, true
}

// checkFast fails t when fastChunk accepts data (decoding into c, which may
// hold the previous event) but data is not valid JSON, or encoding/json
// decodes it otherwise. data may be anything: fastChunk checks the syntax.
func checkFast(t *testing.T, c *chat.Chunk, data []byte) (accepted bool) {
	t.Helper()
	if !fastChunk(data, c) {
		return false
	}
	if !json.Valid(data) {
		t.Fatalf("fastChunk accepted %q, which is not valid JSON", data)
	}
	want, ok := slowChunk(data)
	if !ok {
		t.Fatalf("fastChunk accepted %s, which encoding/json rejects", data)
	}
	got := *c
	got.Raw = nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("fastChunk(%s)\n got %#v\nwant %#v", data, got, want)
	}
	return true
}

func events(t testing.TB) [][]byte {
	files, _ := filepath.Glob("../../fakes/openaifake/testdata/*.sse")
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(b, []byte("\n")) {
			if d, ok := bytes.CutPrefix(line, []byte("data: ")); ok && !bytes.Equal(d, []byte("[DONE]")) {
				out = append(out, d)
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no recorded stream events")
	}
	return out
}

func TestFastChunk(t *testing.T) {
	var c chat.Chunk
	for _, ev := range events(t) {
		if !checkFast(t, &c, ev) {
			t.Errorf("the fast path refused a recorded OpenAI event: %s", ev)
		}
	}
	tests := []struct {
		name   string
		data   string
		accept bool
	}{
		{"usage chunk, empty choices", `{"id":"x","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}}`, true},
		{"escaped and non-ASCII content", `{"choices":[{"index":0,"delta":{"content":"a\"b\u00e9 ü \ud83d\ude00"}}]}`, true},
		{"invalid UTF-8 is rewritten", "{\"choices\":[{\"delta\":{\"content\":\"a\xffb\"}}]}", true},
		{"nulls", `{"id":null,"created":null,"choices":[{"index":null,"delta":null,"finish_reason":null,"logprobs":null}]}`, true},
		{"null choices", `{"choices":null}`, true},
		{"unknown fields", `{"x":{"choices":1},"choices":[{"delta":{"reasoning_content":"hm"},"extra":[1,{"a":"}"}]}]}`, true},
		{"negative created", `{"created":-12}`, true},
		{"usage with details", `{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8,"prompt_tokens_details":{"cached_tokens":2,"audio_tokens":0,"cache_write_tokens":1},"completion_tokens_details":{"reasoning_tokens":4,"accepted_prediction_tokens":0},"cost":0.5}}`, true},
		{"usage with null members", `{"usage":{"prompt_tokens":null,"prompt_tokens_details":null,"completion_tokens_details":{"reasoning_tokens":null}}}`, true},
		{"usage key in another case", `{"usage":{"Total_Tokens":8}}`, false},
		{"usage details key in another case", `{"usage":{"prompt_tokens_details":{"Cached_Tokens":8}}}`, false},
		{"repeated usage key", `{"usage":{"total_tokens":8,"total_tokens":9}}`, false},
		{"float usage", `{"usage":{"total_tokens":8.0}}`, false},
		{"usage not an object", `{"usage":8}`, false},
		{"malformed usage", `{"usage":{"total_tokens":8,}}`, false},
		{"null usage and tool calls", `{"usage":null,"choices":[{"delta":{"tool_calls":null}}]}`, true},
		{"error event", `{"error":{"message":"boom"}}`, false},
		{"null error", `{"error":null,"choices":[]}`, false},
		{"key in another case", `{"Choices":[{"delta":{"content":"x"}}]}`, false},
		{"nested key in another case", `{"choices":[{"Delta":{"content":"x"}}]}`, false},
		{"unicode-folded key", `{"choiceſ":[]}`, false},
		{"repeated key", `{"choices":[{"index":1}],"choices":[{"finish_reason":"stop"}]}`, false},
		{"float created", `{"created":1.5}`, false},
		{"huge created", `{"created":123456789012345678901}`, false},
		{"string index", `{"choices":[{"index":"0"}]}`, false},
		{"not an object", `[{"choices":[]}]`, false},
		{"null event", `null`, false},
		// Malformed events: the syntax is checked in the same pass.
		{"trailing comma", `{"id":"x",}`, false},
		{"missing colon", `{"id" "x"}`, false},
		{"unterminated", `{"choices":[{"delta":{"content":"x"}}]`, false},
		{"cut mid-string", `{"choices":[{"delta":{"content":"x`, false},
		{"more after the object", `{"id":"x"} {}`, false},
		{"control character in a string", "{\"id\":\"a\tb\"}", false},
		{"bad escape", `{"choices":[{"delta":{"content":"a\qb"}}]}`, false},
		{"bad number", `{"created":01}`, false},
		{"bad literal", `{"choices":nul}`, false},
		{"literal run on", `{"usage":nullx}`, false},
		{"malformed unknown value", `{"x":[1,,2],"choices":[]}`, false},
		{"malformed unknown value in a choice", `{"choices":[{"x":{"a"}}]}`, false},
		{"malformed logprobs", `{"choices":[{"logprobs":[}]}]}`, false},
		{"choices not closed", `{"choices":[{"index":0}`, false},
		{"choices element not an object", `{"choices":[1]}`, false},
		{"space everywhere", " \n{ \"id\" : \"x\" , \"choices\" : [ { \"index\" : 0 , \"delta\" : { \"content\" : \"a\" } } ] } \n", true},
		{"nesting past encoding/json's limit", `{"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`, false},
		{"nesting at encoding/json's limit", `{"x":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c chat.Chunk
			if got := checkFast(t, &c, []byte(tt.data)); got != tt.accept {
				t.Errorf("fast path accepted = %v, want %v", got, tt.accept)
			}
		})
	}
}

// TestFastChunkReuse: decoding into the previous event's chunk (as the
// stream does) leaves nothing of it behind.
func TestFastChunkReuse(t *testing.T) {
	var c chat.Chunk
	checkFast(t, &c, []byte(`{"id":"a","model":"m","usage":{"total_tokens":1},"choices":[{"index":0,"delta":{"role":"assistant","content":"x"}},{"index":1,"finish_reason":"stop","logprobs":{"c":[]}}]}`))
	checkFast(t, &c, []byte(`{"id":"a","choices":[{"index":0,"delta":{}}]}`))
	checkFast(t, &c, []byte(`{"choices":[]}`))
	checkFast(t, &c, []byte(`{"model":"m2"}`))
}

// addChunkSeeds seeds a chunk fuzz target with (previous event, event)
// pairs: each recorded OpenAI event, and one with escapes and tool calls.
func addChunkSeeds(f *testing.F) {
	evs := events(f)
	for _, ev := range evs {
		f.Add(ev, evs[0])
	}
	f.Add([]byte(`{"choices":[{"index":0,"delta":{"content":"\u00e9","tool_calls":[{"index":0,"function":{"arguments":"{}"}}]},"finish_reason":"stop"}],"usage":null}`), evs[0])
}

// FuzzChunk: whenever the fast path decodes an event, the event is valid
// JSON and decoded as encoding/json does, also after the event before it.
func FuzzChunk(f *testing.F) {
	addChunkSeeds(f)
	f.Fuzz(func(t *testing.T, prev, data []byte) {
		var c chat.Chunk
		checkFast(t, &c, prev)
		checkFast(t, &c, data)
	})
}

// TestBufferedWholeEvents: the stream tells the gateway to defer its flush
// only when the next event has arrived whole; with half an event buffered
// (the upstream's TCP segment split an event) the chunk just read must be
// flushed at once, not held until the rest arrives.
func TestBufferedWholeEvents(t *testing.T) {
	const ev = `data: {"choices":[{"index":0,"delta":{"content":"a"}}]}` + "\n\n"
	for _, tt := range []struct {
		rest string
		want bool
	}{
		{"", false},
		{ev[:20], false},
		{ev, true},
	} {
		pr, pw := io.Pipe()
		go func() { _, _ = pw.Write([]byte(ev + tt.rest)) }()
		s := newStream(context.Background(), &http.Response{Header: http.Header{}, Body: pr}, time.Now)
		if !s.Next() {
			t.Fatalf("no first chunk: %v", s.Err())
		}
		if got := s.Buffered(); got != tt.want {
			t.Errorf("Buffered() = %v with %q after the first event, want %v (buffered %d, cur %s)", got, tt.rest, tt.want, s.dec.Buffered(), s.cur.Raw)
		}
		pw.Close()
	}
}

// skimmed is what skimChunk promises to decode of a chunk: the rest of it
// is relayed as received.
func skimmed(c chat.Chunk) chat.Chunk {
	out := chat.Chunk{Model: c.Model, Usage: c.Usage}
	if c.Choices != nil {
		out.Choices = []chat.ChunkChoice{}
	}
	for _, ch := range c.Choices {
		out.Choices = append(out.Choices, chat.ChunkChoice{Index: ch.Index, FinishReason: ch.FinishReason})
	}
	return out
}

// checkSkim fails t when skimChunk accepts data (into c, which may hold the
// previous event) but data is not valid JSON, or encoding/json decodes the
// skimmed fields otherwise; and when it refuses what fastChunk accepts
// (the skim would then be slower than the decode it replaces).
func checkSkim(t *testing.T, c *chat.Chunk, data []byte) (accepted bool) {
	t.Helper()
	var whole chat.Chunk
	fast := fastChunk(data, &whole)
	if !skimChunk(data, c) {
		if fast {
			t.Fatalf("skimChunk refused %s, which fastChunk decodes", data)
		}
		return false
	}
	if !json.Valid(data) {
		t.Fatalf("skimChunk accepted %q, which is not valid JSON", data)
	}
	want, ok := slowChunk(data)
	if !ok {
		// Valid JSON that encoding/json cannot decode into a chunk: only
		// a member skimChunk does not decode may differ (a delta that is
		// not an object, say). An error event is never accepted.
		var ev struct {
			Error json.RawMessage `json:"error"`
		}
		if json.Unmarshal(data, &ev) == nil && len(ev.Error) > 0 && string(ev.Error) != "null" {
			t.Fatalf("skimChunk accepted the error event %s", data)
		}
		return true
	}
	if got, want := skimmed(*c), skimmed(want); !reflect.DeepEqual(got, want) {
		t.Fatalf("skimChunk(%s)\n got %#v\nwant %#v", data, got, want)
	}
	return true
}

func TestSkimChunk(t *testing.T) {
	var c chat.Chunk
	for _, ev := range events(t) {
		if !checkSkim(t, &c, ev) {
			t.Errorf("the skim refused a recorded OpenAI event: %s", ev)
		}
	}
	for _, tt := range []struct {
		name   string
		data   string
		accept bool
	}{
		{"content chunk", `{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"logprobs":null,"finish_reason":null}],"usage":null}`, true},
		{"finish chunk", `{"model":"m","choices":[{"index":1,"delta":{},"finish_reason":"length"}]}`, true},
		{"usage chunk", `{"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}}`, true},
		{"tool call delta", `{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":"}}]}}]}`, true},
		{"delta key in another case", `{"choices":[{"delta":{"Content":"x"}}]}`, true},
		{"delta not an object", `{"choices":[{"delta":5}]}`, true},
		{"error event", `{"error":{"message":"boom"}}`, false},
		{"error next to choices", `{"choices":[],"error":{"message":"boom"}}`, false},
		{"finish reason not a string", `{"choices":[{"finish_reason":1}]}`, false},
		{"repeated model", `{"model":"a","model":"b"}`, false},
		{"choice key in another case", `{"choices":[{"Finish_Reason":"stop"}]}`, false},
		{"malformed delta", `{"choices":[{"delta":{"content":"x}}]}`, false},
		{"malformed id", `{"id":"x,"choices":[]}`, false},
		{"more after the object", `{"choices":[]} x`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var c chat.Chunk
			if got := checkSkim(t, &c, []byte(tt.data)); got != tt.accept {
				t.Errorf("skim accepted = %v, want %v", got, tt.accept)
			}
		})
	}
}

// FuzzSkimChunk: whenever the skim accepts an event, the event is valid
// JSON, not an error, and what it decodes is what encoding/json decodes;
// it accepts whatever the whole decode accepts.
func FuzzSkimChunk(f *testing.F) {
	addChunkSeeds(f)
	f.Fuzz(func(t *testing.T, prev, data []byte) {
		var c chat.Chunk
		checkSkim(t, &c, prev)
		checkSkim(t, &c, data)
	})
}

// TestStreamSkim: after Skim, the stream still relays each event as
// received, reads its usage and finish reasons, refuses what is not JSON
// and ends on an error event.
func TestStreamSkim(t *testing.T) {
	const (
		role    = `{"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}`
		content = `{"model":"m","choices":[{"index":0,"delta":{"content":"Once"},"finish_reason":null}]}`
		finish  = `{"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`
		usage   = `{"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}`
	)
	sse := func(evs ...string) string {
		var b strings.Builder
		for _, ev := range evs {
			b.WriteString("data: " + ev + "\n\n")
		}
		return b.String()
	}
	open := func(body string) *stream {
		return newStream(context.Background(), &http.Response{Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}, time.Now)
	}

	s := open(sse(role, content, finish, usage, "[DONE]"))
	var raws []string
	for i := 0; s.Next(); i++ {
		if i == 0 {
			s.Skim() // as the engine does once the stream commits
		}
		raws = append(raws, string(s.Current().Raw))
		if i == 1 && s.Current().Choices[0].Delta.Content != nil {
			t.Errorf("a skimmed chunk decoded its content")
		}
		if i == 2 && (len(s.Current().Choices) != 1 || s.Current().Choices[0].FinishReason == nil || *s.Current().Choices[0].FinishReason != "stop") {
			t.Errorf("finish chunk skimmed to %+v", s.Current().Choices)
		}
		if i == 3 && (s.Current().Usage == nil || s.Current().Usage.TotalTokens != 5) {
			t.Errorf("usage chunk skimmed to %+v", s.Current().Usage)
		}
	}
	if err := s.Err(); err != nil {
		t.Fatalf("skimmed stream failed: %v", err)
	}
	if want := []string{role, content, finish, usage}; !reflect.DeepEqual(raws, want) {
		t.Errorf("relayed %q, want the events as received %q", raws, want)
	}

	for _, tt := range []struct{ name, ev, class string }{
		{"error event", `{"error":{"message":"overloaded","type":"server_error"}}`, "server_error"},
		{"not JSON", `{"choices":[{"delta":{"content":"x}}]}`, "bad_response"},
	} {
		s := open(sse(role, tt.ev, finish))
		s.Next()
		s.Skim()
		if s.Next() {
			t.Errorf("%s: relayed %s after skim", tt.name, s.Current().Raw)
		}
		var pe *provider.Error
		if !errors.As(s.Err(), &pe) || string(pe.Class) != tt.class {
			t.Errorf("%s: err %v, want class %s", tt.name, s.Err(), tt.class)
		}
	}
}
