package bedrock

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/provider"
)

// TestBodyGuard: the request body the transport sees must not be an
// io.WriterTo, or the SDK closing it early makes the transport drop the
// connection mid-response (see bodyGuard). Without the guard, repeated
// runs of TestStreamFailures fail with "use of closed network connection".
func TestBodyGuard(t *testing.T) {
	f := newFake(t)
	f.SetReply(converseFixture("text"))
	var sawWriterTo, sawBody bool
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sawBody = r.Body != nil
		_, sawWriterTo = r.Body.(io.WriterTo)
		return http.DefaultTransport.RoundTrip(r)
	})}
	c := newTestClient(t, f, provider.Env{HTTPClient: hc})
	if _, err := c.Complete(context.Background(), userCall("amazon.nova-micro-v1:0")); err != nil {
		t.Fatal(err)
	}
	if !sawBody || sawWriterTo {
		t.Errorf("transport got body=%v, io.WriterTo=%v; want a body without WriterTo", sawBody, sawWriterTo)
	}
}
