package lambdaapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// RequestIDHeader carries API Gateway's request id to the handler when the
// caller sent no id of its own, so logs on both sides can be joined.
const RequestIDHeader = "X-Request-Id"

type requestContextKey struct{}

// RequestContext returns the API Gateway request context (stage, request
// id, caller identity...) of a request made by Request, if any.
func RequestContext(ctx context.Context) (events.APIGatewayProxyRequestContext, bool) {
	rc, ok := ctx.Value(requestContextKey{}).(events.APIGatewayProxyRequestContext)
	return rc, ok
}

// Request converts a REST API proxy event into a server-side *http.Request
// bound to ctx, as net/http's server would have built it:
//
//   - the URL is the event's path (without the stage) and its query, the
//     multi-value form preferred as it keeps repeated parameters;
//   - headers come from multiValueHeaders when present (repeated headers
//     survive), else from headers; Host falls back to the API's domain;
//   - a base64 body (binary media types) is decoded;
//   - RemoteAddr is "<sourceIp>:0". That is no loopback guarantee: a console
//     test event or a direct invoke can claim 127.0.0.1. A handler that
//     trusts loopback callers must not trust a Lambda request's address;
//     it can tell one by RequestContext (httpapi refuses keyless configs so);
//   - X-Request-Id is API Gateway's request id unless the caller sent one.
//
// The request context carries ev.RequestContext (see RequestContext).
func Request(ctx context.Context, ev *events.APIGatewayProxyRequest) (*http.Request, error) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
			return nil, fmt.Errorf("lambdaapi: body is marked base64 but does not decode: %w", err)
		}
	}
	method := ev.HTTPMethod
	if method == "" {
		method = ev.RequestContext.HTTPMethod
	}
	if method == "" {
		return nil, fmt.Errorf("lambdaapi: event has no httpMethod; is this an API Gateway REST proxy event?")
	}
	u, err := eventURL(ev)
	if err != nil {
		return nil, err
	}
	ctx = context.WithValue(ctx, requestContextKey{}, ev.RequestContext)
	r, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("lambdaapi: build request: %w", err)
	}
	// Server-side requests carry RequestURI and a relative URL.
	r.URL = u
	r.RequestURI = u.RequestURI()
	r.Header = eventHeaders(ev)
	r.Host = r.Header.Get("Host")
	if r.Host == "" {
		r.Host = ev.RequestContext.DomainName
	}
	r.Header.Del("Host")
	r.ContentLength = int64(len(body))
	if len(body) == 0 {
		r.Body = http.NoBody
	}
	if r.Header.Get(RequestIDHeader) == "" && ev.RequestContext.RequestID != "" {
		r.Header.Set(RequestIDHeader, ev.RequestContext.RequestID)
	}
	if ip := ev.RequestContext.Identity.SourceIP; ip != "" {
		r.RemoteAddr = net.JoinHostPort(ip, "0")
	}
	if p := ev.RequestContext.Protocol; strings.HasPrefix(p, "HTTP/") {
		if major, minor, ok := http.ParseHTTPVersion(p); ok {
			r.Proto, r.ProtoMajor, r.ProtoMinor = p, major, minor
		}
	}
	return r, nil
}

// eventURL builds the request URL. API Gateway hands over the path
// percent-decoded or not depending on the client; keeping the original as
// RawPath makes an encoded slash ("a%2Fb") stay one path segment.
func eventURL(ev *events.APIGatewayProxyRequest) (*url.URL, error) {
	p := ev.Path
	if p == "" {
		p = "/"
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("lambdaapi: path %q does not start with /", p)
	}
	u := &url.URL{Path: p}
	if strings.Contains(p, "%") {
		if dec, err := url.PathUnescape(p); err == nil {
			u.Path, u.RawPath = dec, p
		}
	}
	q := url.Values{}
	if len(ev.MultiValueQueryStringParameters) > 0 {
		for k, vs := range ev.MultiValueQueryStringParameters {
			q[k] = append([]string(nil), vs...)
		}
	} else {
		for k, v := range ev.QueryStringParameters {
			q.Set(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return u, nil
}

func eventHeaders(ev *events.APIGatewayProxyRequest) http.Header {
	h := http.Header{}
	if len(ev.MultiValueHeaders) > 0 {
		for k, vs := range ev.MultiValueHeaders {
			for _, v := range vs {
				h.Add(k, v)
			}
		}
		// A header only in the single-value map (hand-written events) still counts.
		for k, v := range ev.Headers {
			if _, ok := h[http.CanonicalHeaderKey(k)]; !ok {
				h.Set(k, v)
			}
		}
		return h
	}
	for k, v := range ev.Headers {
		h.Set(k, v)
	}
	return h
}
