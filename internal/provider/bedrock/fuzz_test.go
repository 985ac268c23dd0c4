package bedrock

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/fakes/bedrockfake"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/provider/streamtest"
)

// bodyKey carries the response body a fuzzTransport answers with.
type bodyKey struct{}

// fuzzTransport answers every request with 200 and the event-stream body
// found in the request's context, without a network.
type fuzzTransport struct{}

func (fuzzTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := r.Context().Value(bodyKey{}).([]byte)
	return &http.Response{StatusCode: 200, Request: r, Header: http.Header{
		"Content-Type": {"application/vnd.amazon.eventstream"}, "X-Amzn-Requestid": {"req-1"},
	}, Body: io.NopCloser(bytes.NewReader(body))}, nil
}

// transportClient is a real client whose every ConverseStream is answered
// by fuzzTransport.
func transportClient(tb testing.TB) *Client {
	tb.Helper()
	bedrockfake.SetAWSEnv(tb)
	p, err := New(config.Provider{Type: "bedrock", EndpointURL: "http://bedrock.invalid"},
		provider.Env{HTTPClient: &http.Client{Transport: fuzzTransport{}}})
	if err != nil {
		tb.Fatal(err)
	}
	c := p.(*Client)
	c.now = func() time.Time { return fixedNow }
	return c
}

// encodeScript frames a bedrockfake stream script (one JSON object a line:
// an event or an exception and its payload) in the event-stream binary
// format, checksums included; lines that are not such objects are left
// out.
func encodeScript(script []byte) []byte {
	var out bytes.Buffer
	enc := eventstream.NewEncoder()
	sc := bufio.NewScanner(bytes.NewReader(script))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l bedrockfake.StreamLine
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			continue
		}
		var msg eventstream.Message
		if l.Exception != "" {
			msg.Headers.Set(":exception-type", eventstream.StringValue(l.Exception))
			msg.Headers.Set(":message-type", eventstream.StringValue("exception"))
		} else {
			msg.Headers.Set(":event-type", eventstream.StringValue(l.Event))
			msg.Headers.Set(":message-type", eventstream.StringValue("event"))
		}
		msg.Headers.Set(":content-type", eventstream.StringValue("application/json"))
		msg.Payload = l.Payload
		_ = enc.Encode(&out, msg)
	}
	return out.Bytes()
}

// FuzzStream: whatever ConverseStream answers, the stream ends either
// with a classified error or cleanly with a well-formed chunk sequence
// (role first, one finish_reason, tool calls numbered in order, usage
// last). With script set the input is a stream script framed with valid
// checksums (exercising the event conversion); otherwise it is the raw
// body (exercising the SDK's event-stream framing).
func FuzzStream(f *testing.F) {
	for _, name := range []string{"text", "tool_use", "stop_without_metadata", "no_stop", "cut",
		"exception_throttling", "exception_validation", "exception_model_stream_error"} {
		script, err := bedrockfake.Fixture("stream/" + name + ".jsonl")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(script, true, true)
		framed := encodeScript(script)
		f.Add(framed, false, false)
		f.Add(framed[:len(framed)*2/3], false, true) // cut mid-frame
	}
	c := transportClient(f)
	f.Fuzz(func(t *testing.T, in []byte, script, includeUsage bool) {
		body := in
		if script {
			body = encodeScript(in)
		}
		ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), bodyKey{}, body), time.Minute)
		defer cancel()
		s, err := c.Stream(ctx, streamCall("anthropic.claude-3-haiku-20240307-v1:0", includeUsage))
		if err != nil {
			if _, ok := err.(*provider.Error); !ok {
				t.Fatalf("Stream: %v (%T), want a *provider.Error", err, err)
			}
			return
		}
		chunks, err := streamtest.Drain(t, s)
		if ctx.Err() != nil {
			t.Fatalf("the stream did not end within a minute")
		}
		if err != nil {
			return
		}
		if err := streamtest.WellFormed(chunks); err != nil {
			t.Fatalf("a stream that ended cleanly is not well formed: %v", err)
		}
		if script && !strings.Contains(string(in), "messageStop") {
			t.Errorf("the stream ended cleanly without messageStop")
		}
	})
}

// TestStreamEventOrder: whatever order the events come in, a clean stream
// is one finish_reason and then at most one usage chunk (found by
// FuzzStream: a second messageStop sent a second finish_reason, text
// after messageStop continued a finished choice, metadata before
// messageStop or twice put a usage chunk before the end, metadata without
// usage sent a chunk with neither choices nor usage).
func TestStreamEventOrder(t *testing.T) {
	const (
		start = `{"event": "messageStart", "payload": {"role": "assistant"}}` + "\n"
		text  = `{"event": "contentBlockDelta", "payload": {"contentBlockIndex": 0, "delta": {"text": "a"}}}` + "\n"
		stop  = `{"event": "messageStop", "payload": {"stopReason": "end_turn"}}` + "\n"
		meta  = `{"event": "metadata", "payload": {"usage": {"inputTokens": 3, "outputTokens": 4, "totalTokens": 7}}}` + "\n"
	)
	tests := []struct{ name, script string }{
		{"messageStop twice", start + text + stop + stop + meta},
		{"text after messageStop", start + text + stop + text + meta},
		{"metadata before messageStop", start + text + meta + stop},
		{"metadata twice", start + text + stop + meta + meta},
		{"metadata without usage first", start + text + stop + `{"event": "metadata", "payload": {}}` + "\n" + meta},
	}
	c := transportClient(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.WithValue(context.Background(), bodyKey{}, encodeScript([]byte(tt.script)))
			s, err := c.Stream(ctx, streamCall("anthropic.claude-3-haiku-20240307-v1:0", true))
			if err != nil {
				t.Fatal(err)
			}
			chunks, err := streamtest.Drain(t, s)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ch := range chunks {
				switch {
				case ch.Usage != nil:
					got = append(got, fmt.Sprintf("usage %d", ch.Usage.TotalTokens))
				case ch.Choices[0].FinishReason != nil:
					got = append(got, "finish "+*ch.Choices[0].FinishReason)
				case ch.Choices[0].Delta.Content != nil:
					got = append(got, "content "+*ch.Choices[0].Delta.Content)
				}
			}
			want := []string{"content ", "content a", "finish stop", "usage 7"}
			if !slices.Equal(got, want) {
				t.Errorf("chunks %q, want %q", got, want)
			}
		})
	}
}
