package lambdaapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// DefaultCloseWait bounds how long closing a response body waits for the
// handler to return.
const DefaultCloseWait = 5 * time.Second

// ErrClientGone is what a handler's writes and flushes fail with once the
// response body was closed before the handler finished (the caller
// disconnected, or Lambda gave up on the response).
var ErrClientGone = errors.New("lambdaapi: response body closed before the handler finished")

// Adapter serves API Gateway REST proxy events with an http.Handler.
type Adapter struct {
	// Handler serves the requests. Required.
	Handler http.Handler
	// Logger reports handler panics and undecodable events; default
	// slog.Default().
	Logger *slog.Logger
	// CloseWait bounds how long closing the response body waits for the
	// handler to return; default DefaultCloseWait. aws-lambda-go closes
	// the body before asking for the next event, after which Lambda may
	// freeze the process: waiting lets a handler whose caller left finish
	// its bookkeeping (metrics) first.
	CloseWait time.Duration
}

// Serve runs the handler for ev in a goroutine and returns as soon as the
// handler has fixed its status and headers (WriteHeader, first Write or
// Flush, or return). The body is a pipe the handler's flushes feed, read
// by the Lambda runtime while the handler still runs; it ends when the
// handler returns. The handler's request context is ctx (the invocation,
// with its deadline) and is cancelled when the body is closed early.
//
// If ctx ends before the headers are known, Serve returns ctx's error and
// Lambda reports the invocation failed. An event that cannot be turned
// into a request is answered 400 here, without calling the handler.
func (a *Adapter) Serve(ctx context.Context, ev events.APIGatewayProxyRequest) (*events.APIGatewayProxyStreamingResponse, error) {
	log := a.Logger
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(ctx)
	r, err := Request(ctx, &ev)
	if err != nil {
		cancel()
		log.Warn("undecodable API Gateway event", "request_id", ev.RequestContext.RequestID, "err", err)
		return badEvent(err), nil
	}
	pr, pw := io.Pipe()
	w := newResponseWriter(pw, r.Method)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if p := recover(); p != nil {
				w.abort(p, log, r)
			}
		}()
		a.Handler.ServeHTTP(w, r)
		w.finish()
	}()

	if err := waitHead(ctx, w.ready); err != nil {
		// The handler is still deciding; nobody will read its answer.
		_ = pr.CloseWithError(ErrClientGone)
		cancel()
		return nil, fmt.Errorf("lambdaapi: no response headers before the invocation ended: %w", err)
	}
	wait := a.CloseWait
	if wait <= 0 {
		wait = DefaultCloseWait
	}
	single, multi := split(w.head.header)
	return &events.APIGatewayProxyStreamingResponse{
		StatusCode:        w.head.status,
		Headers:           single,
		MultiValueHeaders: multi,
		Body:              &body{pr: pr, cancel: cancel, done: done, wait: wait},
	}, nil
}

// waitHead waits until the head is ready or ctx ends; a head that is ready
// wins over a context that ended at the same time.
func waitHead(ctx context.Context, ready <-chan struct{}) error {
	select {
	case <-ready:
		return nil
	case <-ctx.Done():
		select {
		case <-ready:
			return nil
		default:
			return ctx.Err()
		}
	}
}

// abort handles a handler panic. Before the headers, the caller gets a 500;
// after them the body ends with an error, which aws-lambda-go reports as
// the invocation's error instead of pretending the stream completed.
func (w *responseWriter) abort(p any, log *slog.Logger, r *http.Request) {
	if p != http.ErrAbortHandler {
		log.Error("handler panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	}
	if w.wrote {
		_ = w.pw.CloseWithError(fmt.Errorf("lambdaapi: handler panicked after sending headers: %v", p))
		return
	}
	w.header = http.Header{"Content-Type": {"application/json"}}
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.buf.WriteString(`{"error":{"message":"internal error","type":"server_error","code":"internal_error","param":null}}` + "\n")
	w.finish()
}

// body is the streaming response body the Lambda runtime reads.
type body struct {
	pr     *io.PipeReader
	cancel context.CancelFunc
	done   <-chan struct{}
	wait   time.Duration
	once   sync.Once
}

func (b *body) Read(p []byte) (int, error) { return b.pr.Read(p) }

// Close stops the handler if it still runs (cancelling its context; its
// writes fail with ErrClientGone) and waits, bounded, for it to return.
func (b *body) Close() error {
	b.once.Do(func() {
		_ = b.pr.CloseWithError(ErrClientGone)
		b.cancel()
		t := time.NewTimer(b.wait)
		defer t.Stop()
		select {
		case <-b.done:
		case <-t.C:
		}
	})
	return nil
}

// badEvent answers an event that is not a usable request.
func badEvent(err error) *events.APIGatewayProxyStreamingResponse {
	msg, _ := json.Marshal(err.Error())
	return &events.APIGatewayProxyStreamingResponse{
		StatusCode: http.StatusBadRequest,
		Headers:    map[string]string{"content-type": "application/json"},
		Body: strings.NewReader(`{"error":{"message":` + string(msg) +
			`,"type":"invalid_request_error","code":"invalid_event","param":null}}` + "\n"),
	}
}
