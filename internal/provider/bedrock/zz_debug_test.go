package bedrock

import (
	"context"
	"io"
	"net/http"
	"runtime/debug"
	"sync"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/provider"
)

type traceBody struct {
	io.ReadCloser
	mu     sync.Mutex
	stacks []string
}

func (b *traceBody) Close() error {
	b.mu.Lock()
	b.stacks = append(b.stacks, string(debug.Stack()))
	b.mu.Unlock()
	return b.ReadCloser.Close()
}

func TestZZDebug(t *testing.T) {
	for i := 0; i < 40; i++ {
		f := newFake(t)
		f.respond(f.streamFixture(t, "exception_internal_server"))
		var body *traceBody
		hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := http.DefaultTransport.RoundTrip(r)
			if err == nil {
				body = &traceBody{ReadCloser: resp.Body}
				resp.Body = body
			}
			return resp, err
		})}
		c := newTestClient(t, f, provider.Env{HTTPClient: hc})
		s, err := c.Stream(context.Background(), streamCall("m", true))
		if err != nil {
			t.Fatal(err)
		}
		readPartial(t, s)
		close(f.gate)
		for s.Next() {
		}
		if provider.ClassOf(s.Err()) == provider.ClassNetwork {
			body.mu.Lock()
			t.Fatalf("iteration %d: %v\n%v", i, s.Err(), body.stacks)
		}
		s.Close()
	}
}
