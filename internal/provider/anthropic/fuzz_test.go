package anthropic

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/provider/streamtest"
)

// FuzzStream: whatever a Messages event stream holds, the stream turns it
// into OpenAI chunks and ends either with a classified error or cleanly
// with a well-formed chunk sequence (role first, one finish_reason, tool
// calls numbered in order, usage last); a cut stream never ends cleanly.
func FuzzStream(f *testing.F) {
	recorded, _ := filepath.Glob("../../fakes/anthropicfake/testdata/streams/*.sse")
	for _, path := range recorded {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
		f.Add(b, true)
		f.Add(b[:len(b)/2], true) // cut mid-stream
	}
	f.Fuzz(func(t *testing.T, body []byte, includeUsage bool) {
		resp := &http.Response{StatusCode: 200, Header: http.Header{"Request-Id": {"req_1"}},
			Body: io.NopCloser(bytes.NewReader(body))}
		s := newStream(context.Background(), resp, "claude", fixedNow.Unix(), includeUsage)
		chunks, err := streamtest.Drain(t, s)
		if err != nil {
			return
		}
		if err := streamtest.WellFormed(chunks); err != nil {
			t.Fatalf("a stream that ended cleanly is not well formed: %v", err)
		}
		if !bytes.Contains(body, []byte("message_stop")) {
			t.Errorf("the stream ended cleanly without message_stop")
		}
		if last := chunks[len(chunks)-1]; includeUsage != (last.Usage != nil) {
			t.Errorf("include_usage %v, last chunk %+v", includeUsage, last)
		}
	})
}

// TestStreamRoleOnce: the assistant role goes out exactly once, on the
// first chunk, whatever the upstream's message_start events (found by
// FuzzStream: a stream without message_start had no role, one with two
// announced the role twice).
func TestStreamRoleOnce(t *testing.T) {
	const start = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\"}}\n\n"
	const text = "event: content_block_delta\ndata: {\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n"
	const stop = "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
	tests := []struct{ name, body string }{
		{"no message_start", text + stop},
		{"message_start twice", start + text + start + stop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{Header: http.Header{}, Body: io.NopCloser(bytes.NewReader([]byte(tt.body)))}
			chunks, err := streamtest.Drain(t, newStream(context.Background(), resp, "claude", fixedNow.Unix(), false))
			if err != nil {
				t.Fatal(err)
			}
			var roles []string
			for _, c := range chunks {
				roles = append(roles, c.Choices[0].Delta.Role)
			}
			if len(roles) == 0 || roles[0] != "assistant" || slices.Contains(roles[1:], "assistant") {
				t.Errorf("roles by chunk %q, want the assistant role on the first chunk only", roles)
			}
		})
	}
}
