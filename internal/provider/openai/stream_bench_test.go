package openai

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/benchfake"
)

// BenchmarkStreamRead is the upstream side of one relayed chat stream
// (benchfake's: a role chunk, 20 content chunks, the finish and usage
// chunks, [DONE]): reading and decoding every event as the engine does,
// whole (skim=false: before commit, or for a writer that translates) or
// skimmed after the first content event (skim=true: the chat surface,
// which relays the events as received).
func BenchmarkStreamRead(b *testing.B) {
	body := benchfake.New(benchfake.Options{}).StreamBody()
	for _, skim := range []bool{false, true} {
		name := "skim=false"
		if skim {
			name = "skim=true"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			r := bytes.NewReader(body)
			for b.Loop() {
				r.Reset(body)
				s := newStream(context.Background(), &http.Response{Header: http.Header{}, Body: io.NopCloser(r)}, time.Now)
				n := 0
				for s.Next() {
					if n++; n == 2 && skim {
						s.Skim()
					}
				}
				if s.Err() != nil || n != 23 {
					b.Fatalf("read %d events: %v", n, s.Err())
				}
			}
		})
	}
}
