package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/benchfake"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// gatedLog holds the request log line until the test says the caller has
// its answer (or a bound passes, which the test then reports).
type gatedLog struct {
	delivered <-chan struct{}
	late      atomic.Bool // the bound passed: the answer waited for the log line
}

func (g *gatedLog) Enabled(context.Context, slog.Level) bool { return true }
func (g *gatedLog) WithAttrs([]slog.Attr) slog.Handler       { return g }
func (g *gatedLog) WithGroup(string) slog.Handler            { return g }
func (g *gatedLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "request" {
		return nil
	}
	select {
	case <-g.delivered:
	case <-time.After(10 * time.Second):
		g.late.Store(true)
	}
	return nil
}

// TestAnswerBeforeLogLine: a non-streamed answer reaches the caller whole
// before the request's log line is written; writing the line (a write to
// stderr in `serve`) is not on the caller's time.
func TestAnswerBeforeLogLine(t *testing.T) {
	cfg, err := config.Parse([]byte(`
providers:
  fake: {type: openai-compatible, base_url: "http://127.0.0.1:9/v1"}
routers:
  r:
    strategy: fallback
    targets: [{model: fake/gpt-4o-mini}]
`))
	if err != nil {
		t.Fatal(err)
	}
	delivered := make(chan struct{})
	gate := &gatedLog{delivered: delivered}
	log := slog.New(gate)
	st := store.NewMemory()
	src, err := configsource.FromConfig(cfg, engine.Deps{Store: st, Logger: slog.New(slog.DiscardHandler),
		HTTPClient: &http.Client{Transport: benchfake.Transport{Handler: benchfake.New(benchfake.Options{})}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(src.Engine().Close)
	srv := httptest.NewServer(httpapi.New(src, httpapi.Options{Logger: log, Store: st}))
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"router/r","messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	close(delivered)
	if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"choices"`) {
		t.Fatalf("status %d, %v: %s", resp.StatusCode, err, body)
	}
	if resp.ContentLength != int64(len(body)) {
		t.Errorf("Content-Length %d for a %d-byte answer", resp.ContentLength, len(body))
	}
	if gate.late.Load() {
		t.Error("the answer reached the caller only after the request's log line was written")
	}
}
