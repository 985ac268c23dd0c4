package lambdaapi

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestRequest(t *testing.T) {
	rc := events.APIGatewayProxyRequestContext{
		RequestID: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", Stage: "prod", DomainName: "abc123.execute-api.us-east-1.amazonaws.com",
		Protocol: "HTTP/1.1", Identity: events.APIGatewayRequestIdentity{SourceIP: "203.0.113.7"},
	}
	tests := []struct {
		name       string
		ev         events.APIGatewayProxyRequest
		wantURI    string
		wantPath   string
		wantQuery  map[string][]string
		wantHeader map[string][]string
		wantBody   string
		wantHost   string
		wantRemote string
	}{{
		name: "single-value maps",
		ev: events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/v1/metrics",
			QueryStringParameters: map[string]string{"window": "15m"},
			Headers:               map[string]string{"Host": "gw.example.com", "authorization": "Bearer k"},
			RequestContext:        rc},
		wantURI: "/v1/metrics?window=15m", wantPath: "/v1/metrics",
		wantQuery:  map[string][]string{"window": {"15m"}},
		wantHeader: map[string][]string{"Authorization": {"Bearer k"}, "X-Request-Id": {rc.RequestID}},
		wantHost:   "gw.example.com", wantRemote: "203.0.113.7:0",
	}, {
		name: "multi-value query and headers win over single-value",
		ev: events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/v1/models",
			QueryStringParameters:           map[string]string{"tag": "b"},
			MultiValueQueryStringParameters: map[string][]string{"tag": {"a", "b"}, "q": {"x y"}},
			Headers:                         map[string]string{"Accept": "text/plain", "X-Only-Single": "1"},
			MultiValueHeaders:               map[string][]string{"Accept": {"application/json", "text/plain"}, "X-Request-Id": {"caller-id-1"}},
			RequestContext:                  rc},
		wantURI: "/v1/models?q=x+y&tag=a&tag=b", wantPath: "/v1/models",
		wantQuery:  map[string][]string{"tag": {"a", "b"}, "q": {"x y"}},
		wantHeader: map[string][]string{"Accept": {"application/json", "text/plain"}, "X-Only-Single": {"1"}, "X-Request-Id": {"caller-id-1"}},
		wantHost:   rc.DomainName, wantRemote: "203.0.113.7:0",
	}, {
		name: "base64 body",
		ev: events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/v1/chat/completions",
			Body: base64.StdEncoding.EncodeToString([]byte(`{"model":"router/fb"}`)), IsBase64Encoded: true,
			RequestContext: rc},
		wantURI: "/v1/chat/completions", wantPath: "/v1/chat/completions", wantQuery: map[string][]string{},
		wantHeader: map[string][]string{"X-Request-Id": {rc.RequestID}},
		wantBody:   `{"model":"router/fb"}`, wantHost: rc.DomainName, wantRemote: "203.0.113.7:0",
	}, {
		name: "encoded slash stays in one segment; IPv6 caller",
		ev: events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/v1/admin/routers/a%2Fb",
			RequestContext: events.APIGatewayProxyRequestContext{Identity: events.APIGatewayRequestIdentity{SourceIP: "2001:db8::1"}}},
		wantURI: "/v1/admin/routers/a%2Fb", wantPath: "/v1/admin/routers/a/b", wantQuery: map[string][]string{},
		wantHeader: map[string][]string{}, wantRemote: "[2001:db8::1]:0",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Request(context.Background(), &tt.ev)
			if err != nil {
				t.Fatal(err)
			}
			if r.Method != tt.ev.HTTPMethod || r.RequestURI != tt.wantURI || r.URL.Path != tt.wantPath {
				t.Errorf("method %s, RequestURI %q, Path %q; want %s %q %q", r.Method, r.RequestURI, r.URL.Path, tt.ev.HTTPMethod, tt.wantURI, tt.wantPath)
			}
			if got := map[string][]string(r.URL.Query()); !reflect.DeepEqual(got, tt.wantQuery) {
				t.Errorf("query = %v, want %v", got, tt.wantQuery)
			}
			if got := map[string][]string(r.Header); !reflect.DeepEqual(got, tt.wantHeader) {
				t.Errorf("header = %v, want %v", got, tt.wantHeader)
			}
			b, _ := io.ReadAll(r.Body)
			if string(b) != tt.wantBody || r.ContentLength != int64(len(tt.wantBody)) {
				t.Errorf("body %q (ContentLength %d), want %q", b, r.ContentLength, tt.wantBody)
			}
			if r.Host != tt.wantHost || r.RemoteAddr != tt.wantRemote {
				t.Errorf("Host %q RemoteAddr %q, want %q %q", r.Host, r.RemoteAddr, tt.wantHost, tt.wantRemote)
			}
			got, ok := RequestContext(r.Context())
			if !ok || got.Stage != tt.ev.RequestContext.Stage {
				t.Errorf("RequestContext = %+v, %v", got, ok)
			}
		})
	}
}

func TestRequestRejects(t *testing.T) {
	tests := []struct {
		name string
		ev   events.APIGatewayProxyRequest
	}{
		{"bad base64", events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/", Body: "%%%", IsBase64Encoded: true}},
		{"no method", events.APIGatewayProxyRequest{Path: "/"}},
		{"relative path", events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "v1/models"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Request(context.Background(), &tt.ev); err == nil {
				t.Fatal("Request succeeded")
			}
			called := false
			a := &Adapter{Logger: quiet, Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true })}
			resp, err := a.Serve(context.Background(), tt.ev)
			if err != nil || resp.StatusCode != http.StatusBadRequest || called {
				t.Fatalf("Serve = %v, %v (handler called %v); want a 400 without calling the handler", resp, err, called)
			}
			prelude, body := readAll(t, resp)
			if prelude.Headers["content-type"] != "application/json" || !jsonHasErrorCode(body, "invalid_event") {
				t.Errorf("prelude %+v body %s", prelude, body)
			}
		})
	}
}
