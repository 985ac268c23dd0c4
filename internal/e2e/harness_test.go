// Package e2e drives the real gateway handler end to end: the official
// openai-go client calls an httptest gateway on 127.0.0.1 whose providers
// are the real provider packages pointed at the fakes of internal/fakes,
// which speak each upstream's wire format (Bedrock through the real AWS
// SDK, SigV4-signed, with event-stream framing).
package e2e

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/fakes/anthropicfake"
	"github.com/switchyard-llm/switchyard/internal/fakes/bedrockfake"
	"github.com/switchyard-llm/switchyard/internal/fakes/geminifake"
	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	_ "github.com/switchyard-llm/switchyard/internal/provider/anthropic"
	_ "github.com/switchyard-llm/switchyard/internal/provider/bedrock"
	_ "github.com/switchyard-llm/switchyard/internal/provider/gemini"
	_ "github.com/switchyard-llm/switchyard/internal/provider/openai"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// Model ids the tests route to; all are priced in the built-in catalog.
const (
	openaiModel    = "gpt-4o-mini"
	anthropicModel = "claude-haiku-4-5"
	geminiModel    = "gemini-2.5-flash"
	bedrockModel   = "anthropic.claude-haiku-4-5-20251001-v1:0"
)

// gateway is the real HTTP handler on 127.0.0.1 in front of one fake per
// provider. Backoff waits are recorded, never slept.
type gateway struct {
	t         *testing.T
	srv       *httptest.Server
	openai    *openaifake.Fake
	anthropic *anthropicfake.Fake
	gemini    *geminifake.Fake
	bedrock   *bedrockfake.Fake

	mu     sync.Mutex
	sleeps []time.Duration
}

func newGateway(t *testing.T) *gateway {
	t.Helper()
	return newGatewayWith(t, "")
}

// newGatewayWith is newGateway with the routers of extra (YAML) added to
// testdata/gateway.yaml.
func newGatewayWith(t *testing.T, extra string) *gateway {
	t.Helper()
	g := &gateway{t: t, openai: openaifake.New(t), anthropic: anthropicfake.New(t), gemini: geminifake.New(t), bedrock: bedrockfake.New(t)}
	g.openai.APIKey = "sk-e2e-openai"
	t.Setenv("E2E_OPENAI_API_KEY", g.openai.APIKey)
	t.Setenv("E2E_ANTHROPIC_API_KEY", anthropicfake.APIKey)
	t.Setenv("E2E_GEMINI_API_KEY", geminifake.APIKey)
	bedrockfake.SetAWSEnv(t) // fake AWS credentials and region, via t.Setenv

	raw, err := os.ReadFile("testdata/gateway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	urls := map[string]string{"OPENAI_URL": g.openai.BaseURL(), "ANTHROPIC_URL": g.anthropic.BaseURL(),
		"GEMINI_URL": g.gemini.BaseURL(), "BEDROCK_URL": g.bedrock.URL}
	doc, err := config.ParseDocument([]byte(os.Expand(string(raw), func(k string) string { return urls[k] })))
	if err != nil {
		t.Fatal(err)
	}
	if extra != "" {
		more, err := config.ParseDocument([]byte(extra))
		if err != nil {
			t.Fatal(err)
		}
		routers := doc["routers"].(map[string]any)
		for name, r := range more["routers"].(map[string]any) {
			routers[name] = r
		}
	}
	cfg, err := config.FromDocument(doc)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	st := store.NewMemory()
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	src, err := configsource.FromConfig(cfg, engine.Deps{Store: st, Logger: log, Seed: 42, Sleep: g.sleep})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	t.Cleanup(func() { src.Engine().Close() })
	g.srv = httptest.NewServer(httpapi.New(src, httpapi.Options{Logger: log, Store: st}))
	t.Cleanup(g.srv.Close)
	return g
}

// sleep is the engine's backoff wait: it records d and returns at once.
func (g *gateway) sleep(ctx context.Context, d time.Duration) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sleeps = append(g.sleeps, d)
	return ctx.Err()
}

func (g *gateway) Sleeps() []time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]time.Duration(nil), g.sleeps...)
}

// client is the official openai-go SDK pointed at the gateway, with its
// own retries off so every upstream hit is the gateway's doing.
func (g *gateway) client() *openai.Client {
	c := openai.NewClient(option.WithBaseURL(g.srv.URL+"/v1/"), option.WithAPIKey("unused-locally"), option.WithMaxRetries(0))
	return &c
}

func userParams(model, prompt string) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model:    model,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(prompt)},
	}
}

// streamParams asks for a stream with the final usage chunk.
func streamParams(model, prompt string) openai.ChatCompletionNewParams {
	p := userParams(model, prompt)
	p.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	return p
}

// complete makes a non-streamed call and returns the response and its
// HTTP response (for the x-switchyard-* headers).
func (g *gateway) complete(p openai.ChatCompletionNewParams) (*openai.ChatCompletion, *http.Response) {
	g.t.Helper()
	var raw *http.Response
	resp, err := g.client().Chat.Completions.New(context.Background(), p, option.WithResponseInto(&raw))
	if err != nil {
		g.t.Fatalf("%s: %v", p.Model, err)
	}
	return resp, raw
}

// streamed is what an SDK caller assembles from a stream.
type streamed struct {
	acc    openai.ChatCompletionAccumulator
	chunks int
	err    error
	header http.Header
}

func (g *gateway) stream(p openai.ChatCompletionNewParams) streamed {
	g.t.Helper()
	var raw *http.Response
	s := g.client().Chat.Completions.NewStreaming(context.Background(), p, option.WithResponseInto(&raw))
	defer s.Close()
	var out streamed
	for s.Next() {
		out.chunks++
		if !out.acc.AddChunk(s.Current()) {
			g.t.Errorf("chunk %d rejected by the accumulator: %s", out.chunks, s.Current().RawJSON())
		}
	}
	out.err = s.Err()
	if raw != nil {
		out.header = raw.Header
	}
	return out
}

// checkRouted asserts the routing headers every routed response carries.
func checkRouted(t *testing.T, h http.Header, router, target string, fallback bool) {
	t.Helper()
	if h == nil {
		t.Fatal("no HTTP response")
	}
	if got := h.Get("x-switchyard-router"); got != router {
		t.Errorf("x-switchyard-router = %q, want %q", got, router)
	}
	if got := h.Get("x-switchyard-target"); got != target {
		t.Errorf("x-switchyard-target = %q, want %q", got, target)
	}
	if got := h.Get("x-switchyard-fallback") == "true"; got != fallback {
		t.Errorf("x-switchyard-fallback = %q, want fallback %v", h.Get("x-switchyard-fallback"), fallback)
	}
	if h.Get("x-switchyard-trace-id") == "" || h.Get("x-switchyard-attempts") == "" {
		t.Errorf("trace id / attempts headers missing: %v", h)
	}
}

// costOf is the x-switchyard-cost-usd header, which must be a positive
// number for a priced model.
func costOf(t *testing.T, h http.Header) float64 {
	t.Helper()
	v := h.Get("x-switchyard-cost-usd")
	cost, err := strconv.ParseFloat(v, 64)
	if err != nil || cost <= 0 {
		t.Errorf("x-switchyard-cost-usd = %q, want a cost > 0 for a priced catalog model", v)
	}
	return cost
}
