package xray

import (
	"context"
	"net/http"

	"github.com/switchyard-llm/switchyard/internal/trace"
)

// Handler wraps h so that each request is one X-Ray (sub)segment named
// after the service, holding the request's method, URL and client, its
// status, and every span and AWS call made while serving it. Under Lambda
// it is a subsegment of the invocation; elsewhere a segment continuing the
// caller's X-Amzn-Trace-Id, sampled by the caller's decision or, without
// one, by X-Ray's default rule (the first request each second, then 5%).
//
// The segment ends when h returns, so a streamed response is traced to its
// last byte.
func (t *Tracer) Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if disabled() {
			h.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		n := t.under(ctx, t.service)
		if n == nil {
			n = t.newSegment(t.service, parseTraceHeader(r.Header.Get(TraceHeader)))
		}
		if n.tree.sampled {
			captureRequest(n, r)
		}
		sw := &trace.StatusWriter{ResponseWriter: w}
		defer func() {
			if sw.Status == 0 {
				sw.Status = http.StatusOK
			}
			n.captureStatus(sw.Status, -1)
			n.end(nil)
		}()
		h.ServeHTTP(sw, r.WithContext(context.WithValue(ctx, nodeKey{}, n)))
	})
}

func captureRequest(n *node, r *http.Request) {
	n.tree.mu.Lock()
	defer n.tree.mu.Unlock()
	if n.doc.HTTP == nil {
		n.doc.HTTP = &httpData{}
	}
	if n.doc.HTTP.Request == nil {
		n.doc.HTTP.Request = &httpRequest{}
	}
	req := n.doc.HTTP.Request
	req.Method = clip(r.Method, maxMethod)
	scheme := "https://"
	if r.TLS == nil && r.Header.Get("X-Forwarded-Proto") != "https" {
		scheme = "http://"
	}
	req.URL = clip(scheme+r.Host+r.URL.Path, maxURL)
	req.UserAgent = clip(r.UserAgent(), maxUserAgent)
	if fwd := r.Header.Get("X-Forwarded-For"); fwd != "" {
		req.ClientIP, req.XForwardedFor = clip(fwd, maxUserAgent), true
	} else {
		req.ClientIP = r.RemoteAddr
	}
}

// Request fields come from the caller: clipped so that one request cannot
// make its segment too large to send.
const (
	maxMethod    = 32
	maxURL       = 2048
	maxUserAgent = 512
)

// captureStatus records an HTTP answer: 4xx is an error (429 also a
// throttle), 5xx a fault, as X-Ray's SDKs record them. length < 0 is
// unknown.
func (n *node) captureStatus(status int, length int64) {
	if !n.tree.sampled {
		return
	}
	n.tree.mu.Lock()
	defer n.tree.mu.Unlock()
	if n.doc.HTTP == nil {
		n.doc.HTTP = &httpData{}
	}
	resp := &httpResponse{Status: status}
	if length > 0 {
		resp.ContentLength = length
	}
	n.doc.HTTP.Response = resp
	// The last answer decides: a retried 503 that then succeeded is no fault.
	n.doc.Error, n.doc.Throttle, n.doc.Fault = false, false, false
	switch {
	case status == http.StatusTooManyRequests:
		n.doc.Error, n.doc.Throttle = true, true
	case status >= 400 && status < 500:
		n.doc.Error = true
	case status >= 500:
		n.doc.Fault = true
	}
}
