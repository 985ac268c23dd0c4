package xray

import (
	"net/http"

	"github.com/aws/aws-xray-sdk-go/header"
	"github.com/aws/aws-xray-sdk-go/xray"
)

// Handler wraps h so that each request is one X-Ray (sub)segment named
// after the service, holding the request's method, URL and client, its
// status, and every span and AWS call made while serving it. Under Lambda
// it is a subsegment of the invocation; elsewhere a segment continuing the
// caller's X-Amzn-Trace-Id, sampled by the configured strategy.
//
// The segment ends when h returns, so a streamed response is traced to its
// last byte.
func (t *Tracer) Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var seg *xray.Segment
		if xray.GetSegment(ctx) != nil || inLambda(ctx) {
			ctx, seg = xray.BeginSubsegment(ctx, t.service)
		} else if v := r.Header.Get(xray.TraceIDHeaderKey); v != "" {
			// Continue the caller's trace: its id, its parent, its sampling decision.
			ctx, seg = xray.NewSegmentFromHeader(ctx, t.service, r, header.FromString(v))
		} else {
			ctx, seg = xray.BeginSegmentWithSampling(ctx, t.service, r, nil)
		}
		if seg == nil {
			h.ServeHTTP(w, r)
			return
		}
		captureRequest(seg, r)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			xray.HttpCaptureResponse(seg, sw.status)
			seg.Close(nil)
		}()
		h.ServeHTTP(sw, r.WithContext(ctx))
	})
}

func captureRequest(seg *xray.Segment, r *http.Request) {
	seg.Lock()
	defer seg.Unlock()
	req := seg.GetHTTP().GetRequest()
	req.Method = r.Method
	scheme := "https://"
	if r.TLS == nil && r.Header.Get("X-Forwarded-Proto") != "https" {
		scheme = "http://"
	}
	req.URL = scheme + r.Host + r.URL.Path
	req.UserAgent = r.UserAgent()
	if fwd := r.Header.Get("X-Forwarded-For"); fwd != "" {
		req.ClientIP, req.XForwardedFor = fwd, true
	} else {
		req.ClientIP = r.RemoteAddr
	}
}

// statusWriter records the status. It unwraps to the writer it wraps, so
// http.ResponseController flushes reach the real writer: a wrapper that
// hid Flush would turn a stream into one buffered answer.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Flush serves callers that assert http.Flusher rather than use a
// ResponseController.
func (w *statusWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
