package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/aggregate"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// TestMetricsProviders: GET /v1/metrics serves, next to targets and
// routers, a rollup per provider (DESIGN §9) with requests (attempts),
// success_rate, latency, cost and fallbacks, summed over its targets.
func TestMetricsProviders(t *testing.T) {
	h := newHarness(t, "")
	h.fake.Script("m1", openaiStatus(500), openaiStatus(500), openaiStatus(500))
	attempts := 0
	for _, model := range []string{"router/fb", "up/m2"} {
		resp, body := h.post("/v1/chat/completions", chatBody(model, false))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d: %s", model, resp.StatusCode, body)
		}
		n, _ := strconv.Atoi(resp.Header.Get("x-switchyard-attempts"))
		attempts += n
	}
	if attempts < 3 {
		t.Fatalf("%d attempts; the first request should have fallen back from m1 to m2", attempts)
	}
	ctx := context.Background()
	if err := h.src.Engine().Flush(ctx, true); err != nil {
		t.Fatal(err)
	}
	if _, err := aggregate.Run(ctx, h.store, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(h.srv.URL + "/v1/metrics?window=5m")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m struct {
		Targets   map[string]json.RawMessage `json:"targets"`
		Providers map[string]struct {
			Requests    int64   `json:"requests"`
			SuccessRate float64 `json:"success_rate"`
			Latency     struct {
				Avg, P50, P95, P99 float64
			} `json:"latency_ms"`
			CostUSD   float64 `json:"cost_usd"`
			Fallbacks int64   `json:"fallbacks"`
		} `json:"providers"`
	}
	if err := json.Unmarshal(raw, &m); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/metrics: %d %v: %s", resp.StatusCode, err, raw)
	}
	up, ok := m.Providers["up"]
	if !ok || len(m.Providers) != 1 {
		t.Fatalf("providers = %s, want exactly up", raw)
	}
	// Attempts: m1 failing (500s), m2 (fallback, served), m2 (direct,
	// served). Each answer costs 19 input + 10 output tokens at $1/$2 per
	// Mtok.
	if up.Requests != int64(attempts) || up.SuccessRate != 2/float64(attempts) || up.Fallbacks != 1 || up.CostUSD != 78e-6 {
		t.Errorf("providers.up = requests %d, success_rate %v, fallbacks %d, cost_usd %v; want %d, 2/%d, 1, 0.000078",
			up.Requests, up.SuccessRate, up.Fallbacks, up.CostUSD, attempts, attempts)
	}
	if up.Latency.Avg <= 0 || up.Latency.P50 <= 0 || up.Latency.P95 < up.Latency.P50 || up.Latency.P99 < up.Latency.P95 {
		t.Errorf("providers.up latency_ms = %+v, want measured and ordered", up.Latency)
	}
	for name := range m.Targets {
		if !strings.HasPrefix(name, "up/") {
			t.Errorf("targets holds %q: a provider's rollup leaked into the targets", name)
		}
	}
}

// TestErrorCodeNull: an error without a code says "code": null, as OpenAI
// does, never "code": ""; one with a code keeps it.
func TestErrorCodeNull(t *testing.T) {
	cases := []struct {
		name     string
		upstream string // the relayed upstream 400's body
		want     any
	}{
		{"upstream code null", `{"error":{"message":"bad messages","type":"invalid_request_error","param":null,"code":null}}`, nil},
		{"upstream code absent", `{"error":{"message":"bad messages","type":"invalid_request_error"}}`, nil},
		{"upstream code kept", `{"error":{"message":"bad value","type":"invalid_request_error","param":"temperature","code":"invalid_value"}}`, "invalid_value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, "")
			h.fake.Script("m1", fakeFault{Kind: faultStatus, Status: 400, Body: c.upstream})
			resp, raw := h.post("/v1/chat/completions", chatBody("router/fb", false))
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d: %s", resp.StatusCode, raw)
			}
			var body struct {
				Error map[string]any `json:"error"`
			}
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatal(err)
			}
			code, present := body.Error["code"]
			if !present || code != c.want {
				t.Errorf(`error.code = %#v (present %v), want %#v: %s`, code, present, c.want, raw)
			}
		})
	}
}

// TestLoggedCostHasNoFloatNoise: the request log line's cost_usd is the
// cost as a decimal: 19 input + 10 output tokens at $0.1/$0.3 per Mtok is
// 0.0000049, where the float arithmetic gives 4.9000000000000005e-06.
func TestLoggedCostHasNoFloatNoise(t *testing.T) {
	t.Setenv("FAKE_UPSTREAM_API_KEY", "sk-upstream")
	fake := openaifake.New(t)
	cfg, err := config.Parse([]byte(`
providers:
  up: {type: openai-compatible, base_url: ` + fake.BaseURL() + `, api_key: env:FAKE_UPSTREAM_API_KEY}
models:
  up/m1: {input_per_mtok: 0.1, output_per_mtok: 0.3}
`))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewJSONHandler(&syncWriter{w: &logs, mu: &mu}, nil))
	src, err := configsource.FromConfig(cfg, engine.Deps{Store: store.NewMemory(), Logger: log, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(src.Engine().Close)
	h := &harness{}
	srv := httptest.NewServer(h.track(httpapi.New(src, httpapi.Options{Logger: log})))
	t.Cleanup(srv.Close)
	resp, err := http.Post(srv.URL+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"up/m1","messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h.handlers.Wait() // the log line is written after the answer went out
	if resp.StatusCode != http.StatusOK || resp.Header.Get("x-switchyard-cost-usd") != "0.0000049" {
		t.Fatalf("status %d, cost header %q", resp.StatusCode, resp.Header.Get("x-switchyard-cost-usd"))
	}
	mu.Lock()
	defer mu.Unlock()
	for _, line := range strings.Split(logs.String(), "\n") {
		var rec struct {
			Msg  string          `json:"msg"`
			Cost json.RawMessage `json:"cost_usd"`
		}
		if json.Unmarshal([]byte(line), &rec) != nil || rec.Msg != "request" {
			continue
		}
		if got := string(rec.Cost); got != "0.0000049" && got != "4.9e-06" {
			t.Errorf("logged cost_usd = %s, want 0.0000049", got)
		}
		return
	}
	t.Fatalf("no request log line in:\n%s", logs.String())
}
