package benchfake

import (
	"net/http"
	"net/http/httptest"
)

// Transport is an http.RoundTripper that serves every request in-process
// with Handler, recording the answer with httptest.ResponseRecorder: no
// sockets and no goroutines, so a benchmark of an HTTP client (the
// gateway) measures the client's CPU, not loopback TCP. A streamed answer
// is recorded whole before the client reads it.
type Transport struct {
	Handler http.Handler
}

var _ http.RoundTripper = Transport{}

// RoundTrip serves r with t.Handler.
func (t Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	in := r
	if r.Body == nil {
		// A server-side request always has a body; handlers rely on it.
		in = r.Clone(r.Context())
		in.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	t.Handler.ServeHTTP(rec, in)
	if r.Body != nil {
		_ = r.Body.Close() // the RoundTripper contract: close the body
	}
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}
