package lambdaapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// FuzzRequest: whatever API Gateway event arrives, Request either refuses
// it or builds the request net/http's server would have: the event's
// method, body (base64 decoded), path, query and headers, a RequestURI
// that parses back to the same path and query, no Host among the headers,
// and a RemoteAddr that is the caller's source IP.
func FuzzRequest(f *testing.F) {
	recorded, _ := filepath.Glob("../../events/*.json")
	for _, path := range recorded {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var ev events.APIGatewayProxyRequest
		if json.Unmarshal(raw, &ev) != nil {
			return
		}
		r, err := Request(context.Background(), &ev)
		if (r == nil) == (err == nil) {
			t.Fatalf("Request = %v, %v: want exactly one", r, err)
		}
		if err != nil {
			return
		}
		wantMethod := ev.HTTPMethod
		if wantMethod == "" {
			wantMethod = ev.RequestContext.HTTPMethod
		}
		if r.Method != wantMethod {
			t.Errorf("method %q, want %q", r.Method, wantMethod)
		}
		wantBody := []byte(ev.Body)
		if ev.IsBase64Encoded {
			wantBody, _ = base64.StdEncoding.DecodeString(ev.Body)
		}
		body, _ := io.ReadAll(r.Body)
		if string(body) != string(wantBody) || r.ContentLength != int64(len(wantBody)) {
			t.Errorf("body %q (length %d), want %q", body, r.ContentLength, wantBody)
		}
		uri, err := url.ParseRequestURI(r.RequestURI)
		if err != nil {
			t.Fatalf("RequestURI %q does not parse: %v", r.RequestURI, err)
		}
		if uri.Path != r.URL.Path {
			t.Errorf("RequestURI %q has path %q, URL.Path is %q", r.RequestURI, uri.Path, r.URL.Path)
		}
		if !reflect.DeepEqual(normQuery(uri.Query()), normQuery(wantQuery(&ev))) {
			t.Errorf("RequestURI %q has query %v, want %v", r.RequestURI, uri.Query(), wantQuery(&ev))
		}
		if _, ok := r.Header["Host"]; ok {
			t.Errorf("Host left among the headers: %q", r.Header["Host"])
		}
		for k, v := range ev.Headers {
			if http.CanonicalHeaderKey(k) == "Host" || len(ev.MultiValueHeaders) > 0 {
				continue
			}
			if got := r.Header.Values(k); !slices.Contains(got, v) {
				t.Errorf("header %q = %q, want it to hold %q", k, got, v)
			}
		}
		if ip := ev.RequestContext.Identity.SourceIP; ip != "" {
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil || host != ip {
				t.Errorf("RemoteAddr %q, want the source IP %q", r.RemoteAddr, ip)
			}
		}
		if rc, ok := RequestContext(r.Context()); !ok || rc.RequestID != ev.RequestContext.RequestID {
			t.Errorf("request context not carried")
		}
	})
}

// wantQuery is the query the event asks for: the multi-value form when
// present, as Request prefers it.
func wantQuery(ev *events.APIGatewayProxyRequest) url.Values {
	q := url.Values{}
	if len(ev.MultiValueQueryStringParameters) > 0 {
		for k, vs := range ev.MultiValueQueryStringParameters {
			q[k] = append([]string(nil), vs...)
		}
		return q
	}
	for k, v := range ev.QueryStringParameters {
		q.Set(k, v)
	}
	return q
}

// normQuery drops keys without values, which an encoded query cannot
// carry.
func normQuery(q url.Values) url.Values {
	out := url.Values{}
	for k, vs := range q {
		if len(vs) > 0 {
			out[k] = vs
		}
	}
	return out
}
