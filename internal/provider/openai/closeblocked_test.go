package openai

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/sse"
)

// TestCloseWhileNextBlocks: Close from another goroutine abandons a stream
// blocked in Next (provider.Stream's contract). The decoder's pooled read
// buffer is given back by Next when it returns, never by Close, so the
// race detector sees no access to it from the closing goroutine.
func TestCloseWhileNextBlocks(t *testing.T) {
	for _, kind := range []string{"chat", "responses"} {
		t.Run(kind, func(t *testing.T) {
			pr, pw := io.Pipe()
			resp := &http.Response{StatusCode: 200, Header: http.Header{}, Body: pr}
			var next func() bool
			var closeFn func() error
			if kind == "chat" {
				s := newStream(context.Background(), resp, nil)
				next, closeFn = s.Next, s.Close
			} else {
				s := &eventStream{ctx: context.Background(), resp: resp, dec: sse.NewDecoder(resp.Body)}
				next, closeFn = s.Next, s.Close
			}
			// One whole event, then the upstream goes quiet mid-stream.
			go func() {
				_, _ = io.WriteString(pw, "data: {\"type\":\"response.created\",\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n")
			}()
			if !next() {
				t.Fatal("the first event was not read")
			}
			ended := make(chan bool)
			go func() { ended <- next() }() // blocks: nothing more arrives
			if err := closeFn(); err != nil {
				t.Fatal(err)
			}
			if <-ended {
				t.Error("Next returned an event after Close")
			}
			if next() {
				t.Error("Next after the end returned an event")
			}
		})
	}
}
