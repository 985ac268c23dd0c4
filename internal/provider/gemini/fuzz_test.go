package gemini

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/provider/streamtest"
)

// FuzzStream: whatever an alt=sse body holds, the stream turns it into
// OpenAI chunks and ends either with a classified error or cleanly with a
// well-formed chunk sequence (each candidate opens with the role, finishes
// once and says nothing after; usage last); a cut stream never ends
// cleanly.
func FuzzStream(f *testing.F) {
	recorded, _ := filepath.Glob("../../fakes/geminifake/testdata/streams/*.sse")
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
		s := newStream(context.Background(), io.NopCloser(bytes.NewReader(body)), "gemini-2.5-flash", includeUsage, fixedNow)
		chunks, err := streamtest.Drain(t, s)
		if err != nil {
			return
		}
		if err := streamtest.WellFormed(chunks); err != nil {
			t.Fatalf("a stream that ended cleanly is not well formed: %v", err)
		}
		// encoding/json matches keys case-insensitively (finishREASON).
		lower := bytes.ToLower(body)
		if !bytes.Contains(lower, []byte("finishreason")) && !bytes.Contains(lower, []byte("blockreason")) {
			t.Errorf("the stream ended cleanly without a finishReason or blockReason")
		}
	})
}

// TestStreamNothingAfterFinish: once a candidate has its finishReason, a
// later event for it does not reach the caller (found by FuzzStream: text
// after the finish chunk, or a block after a finished answer, went out as
// more of a finished choice).
func TestStreamNothingAfterFinish(t *testing.T) {
	const finished = "data: {\"candidates\":[{\"index\":0,\"content\":{\"parts\":[{\"text\":\"a\"}]},\"finishReason\":\"STOP\"}]}\n\n"
	tests := []struct{ name, late string }{
		{"text", "data: {\"candidates\":[{\"index\":0,\"content\":{\"parts\":[{\"text\":\"late\"}]},\"finishReason\":\"MAX_TOKENS\"}]}\n\n"},
		{"prompt blocked", "data: {\"promptFeedback\":{\"blockReason\":\"SAFETY\"}}\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStream(context.Background(), io.NopCloser(strings.NewReader(finished+tt.late)), "gemini-2.5-flash", false, fixedNow)
			chunks, err := streamtest.Drain(t, s)
			if err != nil {
				t.Fatal(err)
			}
			var content, finishes []string
			for _, c := range chunks {
				d := c.Choices[0]
				if d.Delta.Content != nil {
					content = append(content, *d.Delta.Content)
				}
				if d.Delta.Refusal != nil {
					content = append(content, "refusal:"+*d.Delta.Refusal)
				}
				if d.FinishReason != nil {
					finishes = append(finishes, *d.FinishReason)
				}
			}
			if !slices.Equal(content, []string{"", "a"}) || !slices.Equal(finishes, []string{"stop"}) {
				t.Errorf("content %q, finish reasons %q; want [\"\" \"a\"] and [stop]", content, finishes)
			}
		})
	}
}
