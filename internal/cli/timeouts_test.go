package cli_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServeTimeoutsCloseStalledConnections: the local server closes a
// connection whose body trickles or never ends, and a keep-alive
// connection left idle, after the configured timeouts. (Before, only the
// header had a timeout: 140 such connections exhausted a 128-descriptor
// limit.) Each case waits for the server to close the connection: the read
// returning EOF.
func TestServeTimeoutsCloseStalledConnections(t *testing.T) {
	serveEnv(t)
	cfg := keyedConfig() + "server:\n  timeouts: {read_body: 100ms, idle: 100ms}\n"
	g := startGateway(t, "serve", "--config", writeConfig(t, cfg), "--addr", "127.0.0.1:0")
	addr := g.waitListening(t)
	head := "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + serveKey +
		"\r\nContent-Type: application/json\r\n"
	cases := []struct {
		name       string
		send       string
		wantStatus int
	}{
		{"slow body", head + "Content-Length: 100\r\n\r\n{\"model\":", http.StatusRequestTimeout},
		{"never-ending chunked body", head + "Transfer-Encoding: chunked\r\n\r\n9\r\n{\"model\":\r\n", http.StatusRequestTimeout},
		{"idle keep-alive", "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n", http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// Guard only: turns a connection the server keeps into a failure.
			_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
			if _, err := io.WriteString(conn, tc.send); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			// Nothing more is sent: the server must close the connection.
			rest, err := io.ReadAll(br)
			if err != nil {
				t.Fatalf("connection not closed by the server: %v", err)
			}
			if strings.TrimSpace(string(rest)) != "" {
				t.Errorf("unexpected bytes after the answer: %q", rest)
			}
		})
	}
}

// TestServeBodyTimeoutDoesNotCutSlowAnswers: read_body bounds the body,
// not the answer: a streamed answer whose upstream takes longer than
// read_body (the mock's latency) completes. A deadline left on the
// connection after the body would have cancelled the request when it fired.
func TestServeBodyTimeoutDoesNotCutSlowAnswers(t *testing.T) {
	serveEnv(t)
	cfg := `
providers:
  slow: {type: mock, latency: 400ms, models: [small]}
routers:
  slow: {strategy: fallback, targets: [{model: slow/small}]}
server:
  timeouts: {read_body: 50ms, write: 50ms}
`
	g := startGateway(t, "serve", "--config", writeConfig(t, cfg), "--addr", "127.0.0.1:0")
	addr := g.waitListening(t)
	for _, stream := range []string{"false", "true"} {
		body := `{"model":"router/slow","stream":` + stream + `,"messages":[{"role":"user","content":"hi"}]}`
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/chat/completions", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("stream=%s: status %d: %s", stream, resp.StatusCode, got)
		}
		if stream == "true" && !strings.Contains(string(got), "data: [DONE]") {
			t.Errorf("stream cut: %s", got)
		}
	}
}
