package xray

import (
	"net/http"

	"github.com/aws/aws-xray-sdk-go/header"
	"github.com/aws/aws-xray-sdk-go/xray"

	"github.com/switchyard-llm/switchyard/internal/trace"
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
		sw := &trace.StatusWriter{ResponseWriter: w}
		defer func() {
			if sw.Status == 0 {
				sw.Status = http.StatusOK
			}
			xray.HttpCaptureResponse(seg, sw.Status)
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
