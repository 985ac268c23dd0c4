package configsource_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/engine"
	_ "github.com/switchyard-llm/switchyard/internal/provider/openai"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// TestReloadKeepsUpstreamConnections: every engine a Source builds shares
// one HTTP client, so a config reload reuses the pooled connection to an
// upstream instead of opening a new one (and stranding the old engine's
// idle connections until they time out).
func TestReloadKeepsUpstreamConnections(t *testing.T) {
	var conns atomic.Int64
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"pong"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`)
	}))
	up.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	up.Start()
	t.Cleanup(up.Close)
	t.Setenv("CONN_TEST_API_KEY", "sk-conn-test-key")

	yml := strings.ReplaceAll(`
providers:
  up: {type: openai-compatible, base_url: URL/v1, api_key: env:CONN_TEST_API_KEY}
routers:
  r: {strategy: fallback, targets: [{model: up/a}]}
`, "URL", up.URL)
	g := openGateway(t, store.NewMemory(), yml, 10*time.Second)
	first := g.src.Engine()
	if target := serveTarget(t, g, "router/r"); target != "up/a" {
		t.Fatalf("served by %s, want up/a", target)
	}
	err := g.st.PutRecord(context.Background(), store.Record{Kind: store.KindRouter, Name: "r",
		Doc: map[string]any{"strategy": "fallback", "targets": []any{map[string]any{"model": "up/b"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if g.tick(11*time.Second) == first {
		t.Fatal("the changed config was not loaded")
	}
	if target := serveTarget(t, g, "router/r"); target != "up/b" {
		t.Fatalf("served by %s after the reload, want up/b", target)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("the upstream saw %d connections across a reload, want 1 (one pooled connection reused)", n)
	}
}

// serveTarget sends one request through the current engine and returns
// the target that served it. (The openai provider relays the upstream's
// bytes, so there is no decoded text to read.)
func serveTarget(t *testing.T, g *gateway, model string) string {
	t.Helper()
	r := &engine.Request{ID: "t", Headers: http.Header{}, Chat: &chat.Request{Model: model,
		Messages: []chat.Message{{Role: "user", Content: chat.TextContent("hi")}}}}
	res, err := g.src.Engine().Complete(context.Background(), r)
	if err != nil {
		t.Fatalf("request to %s failed: %d %s %s", model, err.Status, err.Code, err.Message)
	}
	return res.Target
}
