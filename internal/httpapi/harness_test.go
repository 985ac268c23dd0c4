package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	_ "github.com/switchyard-llm/switchyard/internal/provider/mock"
	_ "github.com/switchyard-llm/switchyard/internal/provider/openai"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// harness is a gateway (real HTTP server on 127.0.0.1) in front of a fake
// OpenAI upstream. Backoff sleeps are recorded, not slept.
type harness struct {
	t      *testing.T
	fake   *openaifake.Fake
	srv    *httptest.Server
	src    *configsource.Source
	store  *store.Memory
	mu     sync.Mutex
	sleeps []time.Duration
	logs   bytes.Buffer
	// handlers counts the server's running handlers: a request's log line
	// is written after its answer went out, so Logs waits for them.
	handlers sync.WaitGroup
}

// track wraps the handler under test so that Logs can wait for the
// handlers still running (each writes its request's log line last).
func (h *harness) track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.handlers.Add(1)
		defer h.handlers.Done()
		next.ServeHTTP(w, r)
	})
}

const baseConfig = `
providers:
  up: {type: openai-compatible, base_url: FAKE, api_key: env:FAKE_UPSTREAM_API_KEY}
models:
  up/m1: {input_per_mtok: 1, output_per_mtok: 2}
  up/m2: {input_per_mtok: 1, output_per_mtok: 2}
routers:
  fb:
    strategy: fallback
    targets:
      - model: up/m1
      - model: up/m2
        params: {temperature: 0.2}
    retry: {max_retries: 2, initial_backoff: 100ms, max_backoff: 1s, max_retry_after: 5s}
    attempt_timeout: 150ms
  three:
    strategy: fallback
    targets: [{model: up/m1}, {model: up/m2}, {model: up/m3}]
    max_attempts: 2
  nested:
    strategy: fallback
    targets:
      - model: up/m3
      - router: fb
        params: {max_tokens: 50}
  quick:
    strategy: fallback
    targets: [{model: up/m1}]
    timeout: 200ms
`

func newHarness(t *testing.T, extra string) *harness {
	t.Helper()
	return newHarnessConfig(t, baseConfig+extra)
}

// newHarnessConfig is newHarness on a whole config of its own, whose
// provider base_url FAKE becomes the fake's.
func newHarnessConfig(t *testing.T, yml string) *harness {
	t.Helper()
	t.Setenv("FAKE_UPSTREAM_API_KEY", "sk-upstream-secret")
	h := &harness{t: t, fake: openaifake.New(t)}
	h.fake.APIKey = "sk-upstream-secret"
	yml = strings.Replace(yml, "FAKE", h.fake.BaseURL(), 1)
	cfg, err := config.Parse([]byte(yml))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	h.store = store.NewMemory()
	log := slog.New(slog.NewJSONHandler(&syncWriter{w: &h.logs, mu: &h.mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	deps := engine.Deps{Store: h.store, Logger: log, Seed: 42,
		Sleep: func(ctx context.Context, d time.Duration) error {
			h.mu.Lock()
			h.sleeps = append(h.sleeps, d)
			h.mu.Unlock()
			return ctx.Err()
		}}
	h.src, err = configsource.FromConfig(cfg, deps)
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	t.Cleanup(func() { h.src.Engine().Close() })
	h.srv = httptest.NewServer(h.track(httpapi.New(h.src, httpapi.Options{Logger: log, Store: h.store})))
	t.Cleanup(h.srv.Close)
	return h
}

type syncWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (h *harness) Sleeps() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Duration(nil), h.sleeps...)
}

// Logs is what the server logged, once the requests answered so far have
// written their log lines.
func (h *harness) Logs() string {
	h.handlers.Wait()
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.logs.String()
}

// post sends a chat request and returns the response with its body read.
func (h *harness) post(path string, body any, headers ...string) (*http.Response, []byte) {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, out
}

func chatBody(model string, stream bool) map[string]any {
	b := map[string]any{"model": model, "messages": []any{map[string]any{"role": "user", "content": "Hello!"}}}
	if stream {
		b["stream"] = true
	}
	return b
}

// errorEnvelope decodes the error body.
type errorEnvelope struct {
	Error struct {
		Message  string           `json:"message"`
		Type     string           `json:"type"`
		Code     string           `json:"code"`
		Param    *string          `json:"param"`
		Attempts []engine.Attempt `json:"attempts"`
	} `json:"error"`
}

func decodeError(t *testing.T, body []byte) errorEnvelope {
	t.Helper()
	var e errorEnvelope
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, body)
	}
	return e
}

// sseEvents splits an SSE body into its data payloads.
func sseEvents(body []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out = append(out, d)
		}
	}
	return out
}

type fakeFault = openaifake.Fault

const (
	faultStatus = openaifake.Status
	faultHang   = openaifake.Hang
)
