package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/prom"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/tracestore"
)

// observed is the harness gateway with a trace store and a Prometheus
// registry wired in, as `switchyard serve` wires them.
type observed struct {
	*harness
	traces  *tracestore.Store
	metrics *prom.Registry
}

// observedConfig adds what the observability tests need to baseConfig: a
// budget over fb (so attempts hold budget), and a router no request fits.
const observedConfig = `
  capped:
    strategy: fallback
    targets: [{model: up/m1}]
budgets:
  - {name: fb-daily, scope: "router:fb", limit_usd: 100, period: day}
  - {name: capped-daily, scope: "router:capped", limit_usd: 0.000000001, period: day}
  - {name: per-user, scope: user, limit_usd: 1, period: day}
`

func newObserved(t *testing.T, extra string) *observed {
	t.Helper()
	return newObservedStore(t, extra, tracestore.New(0))
}

func newObservedStore(t *testing.T, extra string, traces *tracestore.Store) *observed {
	t.Helper()
	t.Setenv("FAKE_UPSTREAM_API_KEY", "sk-upstream-secret")
	h := &harness{t: t, fake: openaifake.New(t)}
	h.fake.APIKey = "sk-upstream-secret"
	cfg, err := config.Parse([]byte(strings.Replace(baseConfig, "FAKE", h.fake.BaseURL(), 1) + observedConfig + extra))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	h.store = store.NewMemory()
	log := slog.New(slog.NewJSONHandler(&syncWriter{w: &h.logs, mu: &h.mu}, nil))
	o := &observed{harness: h, traces: traces, metrics: prom.New()}
	deps := engine.Deps{Store: h.store, Logger: log, Seed: 42, Traces: o.traces, Metrics: o.metrics,
		Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }}
	h.src, err = configsource.FromConfig(cfg, deps)
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	t.Cleanup(func() { h.src.Engine().Close() })
	h.srv = httptest.NewServer(h.track(httpapi.New(h.src, httpapi.Options{Logger: log, Store: h.store, Traces: o.traces, Metrics: o.metrics})))
	t.Cleanup(h.srv.Close)
	return o
}

// get sends a GET with optional header pairs and returns status and body.
func (o *observed) get(path string, headers ...string) (int, []byte) {
	o.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, o.srv.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		o.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// trace looks a trace up by the id a response named.
func (o *observed) trace(id string) tracestore.Record {
	o.t.Helper()
	code, body := o.get("/v1/traces/" + id)
	if code != http.StatusOK {
		o.t.Fatalf("GET /v1/traces/%s: %d %s", id, code, body)
	}
	var rec tracestore.Record
	if err := json.Unmarshal(body, &rec); err != nil {
		o.t.Fatalf("trace body: %v: %s", err, body)
	}
	return rec
}

// list is GET /v1/traces with a query.
func (o *observed) list(query string) (int, []tracestore.Summary, []byte) {
	o.t.Helper()
	code, body := o.get("/v1/traces" + query)
	var out struct {
		Object string               `json:"object"`
		Data   []tracestore.Summary `json:"data"`
	}
	if code == http.StatusOK {
		if err := json.Unmarshal(body, &out); err != nil || out.Object != "list" {
			o.t.Fatalf("list body (%v): %s", err, body)
		}
	}
	return code, out.Data, body
}
