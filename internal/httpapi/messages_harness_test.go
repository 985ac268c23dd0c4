package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/fakes/anthropicfake"
	"github.com/switchyard-llm/switchyard/internal/fakes/bedrockfake"
	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	_ "github.com/switchyard-llm/switchyard/internal/provider/anthropic"
	_ "github.com/switchyard-llm/switchyard/internal/provider/bedrock"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// messagesConfig routes Claude model names as Claude Code sends them: to
// Anthropic (native) first, an OpenAI-compatible upstream (translated)
// after.
const messagesConfig = `
providers:
  ant: {type: anthropic, base_url: ANTFAKE, api_key: env:ANT_FAKE_API_KEY}
  up: {type: openai-compatible, base_url: OAIFAKE, api_key: env:FAKE_UPSTREAM_API_KEY}
  br: {type: bedrock, region: us-east-1, endpoint_url: BRFAKE}
models:
  ant/claude-sonnet-4-5: {input_per_mtok: 3, output_per_mtok: 15}
  up/m1: {input_per_mtok: 1, output_per_mtok: 2}
  up/m2: {input_per_mtok: 1, output_per_mtok: 2}
routers:
  claude-sonnet-4-5:
    strategy: fallback
    targets: [{model: ant/claude-sonnet-4-5}, {model: up/m1}]
  claude-3-5-haiku-latest:
    strategy: fallback
    targets: [{model: ant/claude-3-5-haiku-20241022}, {model: up/m2}]
  native: {strategy: fallback, targets: [{model: ant/claude-sonnet-4-5}]}
  translated: {strategy: fallback, targets: [{model: up/m1}, {model: up/m2}]}
  capped: {strategy: fallback, targets: [{model: up/m1}]}
  bedrock-claude: {strategy: fallback, targets: [{model: br/anthropic.claude-haiku-4-5-20251001-v1:0}]}
budgets:
  - {name: cap, scope: "router:capped", limit_usd: 0.0000001, period: day, on_exceed: reject}
`

// mharness is a gateway in front of an Anthropic fake and an OpenAI fake.
type mharness struct {
	t     *testing.T
	ant   *anthropicfake.Fake
	oai   *openaifake.Fake
	br    *bedrockfake.Fake
	srv   *httptest.Server
	calls atomic.Int64 // requests the gateway received
}

func newMessagesHarness(t *testing.T, extra ...string) *mharness {
	t.Helper()
	t.Setenv("FAKE_UPSTREAM_API_KEY", "sk-upstream-secret")
	t.Setenv("ANT_FAKE_API_KEY", anthropicfake.APIKey)
	h := &mharness{t: t, ant: anthropicfake.New(t), oai: openaifake.New(t), br: bedrockfake.New(t)}
	bedrockfake.SetAWSEnv(t)
	h.oai.APIKey = "sk-upstream-secret"
	yml := strings.NewReplacer("ANTFAKE", h.ant.BaseURL(), "OAIFAKE", h.oai.BaseURL(), "BRFAKE", h.br.URL).Replace(messagesConfig + strings.Join(extra, ""))
	cfg, err := config.Parse([]byte(yml))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	st := store.NewMemory()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	src, err := configsource.FromConfig(cfg, engine.Deps{Store: st, Logger: log, Seed: 42,
		// Backoffs are not slept: a retry follows at once.
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	t.Cleanup(func() { src.Engine().Close() })
	api := httpapi.New(src, httpapi.Options{Logger: log, Store: st})
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.calls.Add(1)
		api.ServeHTTP(w, r)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// client is the official Anthropic SDK pointed at the gateway.
func (h *mharness) client(opts ...option.RequestOption) *anthropic.Client {
	c := anthropic.NewClient(append([]option.RequestOption{option.WithBaseURL(h.srv.URL + "/"),
		option.WithAPIKey("unused-locally"), option.WithMaxRetries(0),
		// Claude Code's version (the SDK's own is newer than the fake's).
		option.WithHeader("anthropic-version", anthropicfake.Version)}, opts...)...)
	return &c
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// post sends a raw body to path.
func (h *mharness) post(path string, body []byte, headers ...string) (*http.Response, []byte) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// anthropicErr is Anthropic's error envelope as the gateway sends it.
type anthropicErr struct {
	Type  string `json:"type"`
	Error struct {
		Type     string           `json:"type"`
		Message  string           `json:"message"`
		Code     string           `json:"code"`
		Attempts []map[string]any `json:"attempts"`
	} `json:"error"`
}

func decodeAnthropicErr(t *testing.T, b []byte) anthropicErr {
	t.Helper()
	var e anthropicErr
	if err := json.Unmarshal(b, &e); err != nil || e.Type != "error" || e.Error.Type == "" {
		t.Fatalf("not Anthropic's error envelope: %s", b)
	}
	return e
}
