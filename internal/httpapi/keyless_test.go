package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/lambdaapi"
)

// TestKeylessModeGuardsAgainstWebPages: with no keys, a loopback peer is
// an admin, and a web page in the developer's browser is a loopback peer
// too. A DNS-rebinding page (its own Host), a page on another origin, and
// a form or text/plain POST (no CORS preflight) are all refused before
// anything is served or stored; loopback names and origins on any port
// pass.
func TestKeylessModeGuardsAgainstWebPages(t *testing.T) {
	h := newHarness(t, "")
	admin := &recordingAdmin{}
	srv := httptest.NewServer(httpapi.New(h.src, httpapi.Options{Logger: slog.New(slog.DiscardHandler), Admin: admin, Store: h.store}))
	t.Cleanup(srv.Close)
	chat, _ := json.Marshal(chatBody("router/fb", false))
	provider := `{"type":"openai-compatible","api_key":"env:OPENAI_API_KEY","base_url":"http://evil.example/v1"}`
	tests := []struct {
		name, method, path, body string
		header                   []string // name, value pairs; Host sets the Host header
		wantStatus               int
		wantCode                 string
	}{
		{"rebinding page stores a provider", "PUT", "/v1/admin/providers/up", provider,
			[]string{"Host", "evil.example", "Content-Type", "application/json"}, 403, "host_not_allowed"},
		{"rebinding page reads the admin API", "GET", "/v1/admin/providers", "",
			[]string{"Host", "evil.example:8080"}, 403, "host_not_allowed"},
		{"rebinding page chats", "POST", "/v1/chat/completions", string(chat),
			[]string{"Host", "evil.example", "Content-Type", "application/json"}, 403, "host_not_allowed"},
		{"loopback-looking name", "GET", "/v1/models", "", []string{"Host", "localhost.evil.example"}, 403, "host_not_allowed"},
		{"cross-origin page", "POST", "/v1/chat/completions", string(chat),
			[]string{"Origin", "https://evil.example", "Content-Type", "application/json"}, 403, "origin_not_allowed"},
		{"sandboxed or file page", "GET", "/v1/models", "", []string{"Origin", "null"}, 403, "origin_not_allowed"},
		{"text/plain POST", "POST", "/v1/chat/completions", string(chat), []string{"Content-Type", "text/plain"}, 415, "unsupported_media_type"},
		{"form POST", "POST", "/v1/chat/completions", "model=router/fb",
			[]string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"},
		{"multipart POST", "POST", "/v1/routing/explain", string(chat),
			[]string{"Content-Type", "multipart/form-data; boundary=x"}, 415, "unsupported_media_type"},
		{"POST without a content type", "POST", "/v1/chat/completions", string(chat), nil, 415, "unsupported_media_type"},

		{"localhost, any port", "POST", "/v1/chat/completions", string(chat),
			[]string{"Host", "localhost:1234", "Content-Type", "application/json; charset=utf-8"}, 200, ""},
		{"127.0.0.1 without a port", "GET", "/v1/models", "", []string{"Host", "127.0.0.1"}, 200, ""},
		{"[::1] with a port", "GET", "/v1/models", "", []string{"Host", "[::1]:8080"}, 200, ""},
		{"[::1] without a port", "GET", "/v1/models", "", []string{"Host", "[::1]"}, 200, ""},
		{"loopback origins", "POST", "/v1/chat/completions", string(chat),
			[]string{"Origin", "http://localhost:5173", "Content-Type", "application/json"}, 200, ""},
		{"127.0.0.1 origin", "GET", "/v1/models", "", []string{"Origin", "http://127.0.0.1:3000"}, 200, ""},
		{"[::1] origin", "GET", "/v1/models", "", []string{"Origin", "https://[::1]:8443"}, 200, ""},
		{"admin from loopback", "PUT", "/v1/admin/routers/x", `{"strategy":"fallback","targets":[{"model":"up/m1"}]}`,
			[]string{"Host", "localhost:8080"}, 200, ""},
		{"health needs nothing", "GET", "/healthz", "", []string{"Host", "evil.example"}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			for i := 0; i+1 < len(tt.header); i += 2 {
				if tt.header[i] == "Host" {
					req.Host = tt.header[i+1]
				} else {
					req.Header.Set(tt.header[i], tt.header[i+1])
				}
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantCode != "" {
				if e := decodeError(t, body); e.Error.Code != tt.wantCode {
					t.Errorf("code %q, want %q", e.Error.Code, tt.wantCode)
				}
			}
		})
	}
	if got := admin.puts(); len(got) != 1 || got[0] != "router/x" {
		t.Errorf("admin writes %v, want only the loopback one (router/x)", got)
	}
}

// TestLambdaRefusesKeylessConfigs: API Gateway's sourceIp is whatever a
// console test event or a direct invoke says, so under Lambda a config
// without keys serves /healthz and nothing else, and says how to fix it.
func TestLambdaRefusesKeylessConfigs(t *testing.T) {
	keyless := buildHandler(t, "providers: {m: {type: mock}}\nrouters: {a: {strategy: fallback, targets: [{model: m/x}]}}\n")
	keyed := buildHandler(t, "providers: {m: {type: mock}}\nrouters: {a: {strategy: fallback, targets: [{model: m/x}]}}\n"+
		"keys:\n  - {name: app, sha256: \""+sha("sk-app")+"\"}\n")
	chat, _ := json.Marshal(chatBody("router/a", false))
	tests := []struct {
		name       string
		handler    http.Handler
		method     string
		path, body string
		token      string
		wantStatus int
		wantCode   string
	}{
		{"keyless: models", keyless, "GET", "/v1/models", "", "", 401, "keys_required"},
		{"keyless: chat", keyless, "POST", "/v1/chat/completions", string(chat), "", 401, "keys_required"},
		{"keyless: admin", keyless, "PUT", "/v1/admin/providers/x", `{"type":"mock"}`, "", 401, "keys_required"},
		{"keyless: health", keyless, "GET", "/healthz", "", "", 200, ""},
		{"keyed: chat with the key", keyed, "POST", "/v1/chat/completions", string(chat), "sk-app", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := events.APIGatewayProxyRequest{HTTPMethod: tt.method, Path: tt.path, Body: tt.body,
				Headers: map[string]string{"Host": "localhost", "Content-Type": "application/json"},
				RequestContext: events.APIGatewayProxyRequestContext{RequestID: "rid-1",
					Identity: events.APIGatewayRequestIdentity{SourceIP: "127.0.0.1"}}}
			if tt.token != "" {
				ev.Headers["Authorization"] = "Bearer " + tt.token
			}
			a := &lambdaapi.Adapter{Handler: tt.handler, Logger: slog.New(slog.DiscardHandler)}
			resp, err := a.Serve(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if c, ok := resp.Body.(io.Closer); ok {
				c.Close()
			}
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantCode != "" {
				e := decodeError(t, body)
				if e.Error.Code != tt.wantCode {
					t.Errorf("code %q, want %q", e.Error.Code, tt.wantCode)
				}
				if !strings.Contains(e.Error.Message, "add keys") {
					t.Errorf("the message does not name the fix: %q", e.Error.Message)
				}
			}
		})
	}
}

// TestNonCanonicalPathsAreNotRedirected: net/http's ServeMux answers
// "//v1/..." or "/v1/../..." with a plain-text 307 to the cleaned path;
// the gateway answers them itself, in its own envelope, and serves no path
// as another.
func TestNonCanonicalPathsAreNotRedirected(t *testing.T) {
	h := newHarness(t, "")
	addr := strings.TrimPrefix(h.srv.URL, "http://")
	for _, line := range []string{
		"POST //v1/chat/completions HTTP/1.1",
		"GET /v1/../v1/models HTTP/1.1",
		"GET /v1/./models HTTP/1.1",
		"GET /v1/admin/routers/../../models HTTP/1.1",
	} {
		t.Run(line, func(t *testing.T) {
			resp, body := rawRequest(t, addr, line+"\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
			if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Location") != "" {
				t.Fatalf("status %d, Location %q, want 404 and none: %s", resp.StatusCode, resp.Header.Get("Location"), body)
			}
			if e := decodeError(t, body); e.Error.Code != "unknown_endpoint" {
				t.Errorf("code %q, want unknown_endpoint", e.Error.Code)
			}
		})
	}
}

// rawRequest sends raw bytes on a fresh connection and reads one answer.
func rawRequest(t *testing.T, addr, raw string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second)) // guard: a hang becomes a failure
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// recordingAdmin accepts every write and remembers it.
type recordingAdmin struct {
	mu     sync.Mutex
	stored []string
}

func (a *recordingAdmin) Get(context.Context, string, string) (any, error) {
	return map[string]any{}, nil
}
func (a *recordingAdmin) List(context.Context, string) (map[string]any, error) {
	return map[string]any{}, nil
}
func (a *recordingAdmin) Delete(context.Context, string, string) error { return nil }
func (a *recordingAdmin) Put(_ context.Context, kind, name string, _ any) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stored = append(a.stored, kind+"/"+name)
	return nil
}

func (a *recordingAdmin) puts() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.stored...)
}
