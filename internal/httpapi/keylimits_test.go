package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
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
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/tracestore"
)

// keyHarness is a gateway on a fake OpenAI upstream with a test clock.
type keyHarness struct {
	*harness
	mu  sync.Mutex
	now time.Time
}

func (k *keyHarness) Now() time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.now
}

func (k *keyHarness) advance(d time.Duration) {
	k.mu.Lock()
	k.now = k.now.Add(d)
	k.mu.Unlock()
}

func tokenSum(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}

// newKeyHarness serves yml (BASEURL is the fake's base URL; SUM(<token>) the
// token's sha256) at 12:00:30 UTC, mid-minute.
func newKeyHarness(t *testing.T, yml string) *keyHarness {
	t.Helper()
	t.Setenv("FAKE_UPSTREAM_API_KEY", "sk-upstream-secret")
	k := &keyHarness{harness: &harness{t: t, fake: openaifake.New(t)}, now: time.Date(2026, 12, 1, 12, 0, 30, 0, time.UTC)}
	k.fake.APIKey = "sk-upstream-secret"
	yml = strings.ReplaceAll(yml, "BASEURL", k.fake.BaseURL())
	for _, tok := range []string{"tok-a", "tok-b", "tok-c", "tok-d", "tok-admin"} {
		yml = strings.ReplaceAll(yml, "SUM("+tok+")", tokenSum(tok))
	}
	cfg, err := config.Parse([]byte(yml))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	k.store = store.NewMemory()
	log := slog.New(slog.DiscardHandler)
	traces := tracestore.New(0)
	deps := engine.Deps{Store: k.store, Logger: log, Seed: 42, Now: k.Now, Traces: traces,
		Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }}
	k.src, err = configsource.FromConfig(cfg, deps)
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	t.Cleanup(func() { k.src.Engine().Close() })
	k.srv = httptest.NewServer(httpapi.New(k.src, httpapi.Options{Logger: log, Store: k.store, Now: k.Now, Traces: traces}))
	t.Cleanup(k.srv.Close)
	return k
}

const keysConfig = `
providers:
  up: {type: openai-compatible, base_url: BASEURL, api_key: env:FAKE_UPSTREAM_API_KEY}
  up2: {type: openai-compatible, base_url: BASEURL, api_key: env:FAKE_UPSTREAM_API_KEY}
routers:
  fb:
    strategy: fallback
    targets: [{model: up/m1}, {model: up/m2}]
keys:
  - {name: team, sha256: "SUM(tok-a)", limits: {requests_per_minute: 2, tokens_per_minute: 100000}}
  - {name: free, sha256: "SUM(tok-b)"}
  - {name: old, sha256: "SUM(tok-c)", expires_at: "2026-12-01T12:00:00Z"}
  - {name: off, sha256: "SUM(tok-d)", disabled: true, models: ["up/m2"]}
`

func bearerOf(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// TestKeyRateLimitHeadersAndRefusal: a limited key gets OpenAI's
// x-ratelimit-* headers on every answer, streamed or not, refused or not;
// over requests_per_minute it gets 429 key_rate_limit_exceeded with a
// Retry-After to the next minute, and is served again once it starts.
func TestKeyRateLimitHeadersAndRefusal(t *testing.T) {
	k := newKeyHarness(t, keysConfig)
	cases := []struct {
		name        string
		stream      bool
		status      int
		remaining   string
		retryAfter  string
		code        string
		advanceThen time.Duration
	}{
		{"first", false, 200, "1", "", "", 0},
		{"second, streamed", true, 200, "0", "", "", 0},
		{"third: over the limit", false, 429, "0", "30", engine.CodeKeyRateLimit, 40 * time.Second},
		{"next minute", false, 200, "1", "", "", 0},
	}
	for _, c := range cases {
		reset := fmt.Sprintf("%ds", 60-k.Now().Second()) // to the next UTC minute
		resp, body := k.post("/v1/chat/completions", chatBody("router/fb", c.stream), bearerOf("tok-a")...)
		if resp.StatusCode != c.status {
			t.Fatalf("%s: status %d, want %d: %s", c.name, resp.StatusCode, c.status, body)
		}
		h := resp.Header
		want := map[string]string{
			"x-ratelimit-limit-requests": "2", "x-ratelimit-remaining-requests": c.remaining, "x-ratelimit-reset-requests": reset,
			"x-ratelimit-limit-tokens": "100000", "x-ratelimit-reset-tokens": reset, "Retry-After": c.retryAfter,
		}
		for name, v := range want {
			if got := h.Get(name); got != v {
				t.Errorf("%s: %s = %q, want %q", c.name, name, got, v)
			}
		}
		if h.Get("x-ratelimit-remaining-tokens") == "" {
			t.Errorf("%s: no x-ratelimit-remaining-tokens", c.name)
		}
		if c.code != "" {
			e := decodeError(t, body)
			if e.Error.Code != c.code || e.Error.Type != "rate_limit_error" || !strings.Contains(e.Error.Message, "requests_per_minute") {
				t.Errorf("%s: error %+v", c.name, e.Error)
			}
		}
		k.advance(c.advanceThen)
	}
	if got := k.fake.Hits("m1"); got != 3 {
		t.Errorf("upstream saw %d requests, want 3 (the refused one never reaches it)", got)
	}
	// A key without limits gets none of these headers.
	resp, _ := k.post("/v1/chat/completions", chatBody("router/fb", false), bearerOf("tok-b")...)
	if resp.StatusCode != 200 || resp.Header.Get("x-ratelimit-limit-requests") != "" {
		t.Errorf("unlimited key: %d, x-ratelimit-limit-requests %q", resp.StatusCode, resp.Header.Get("x-ratelimit-limit-requests"))
	}
}

// TestKeyTokensTooLargeNeverFits: a request whose estimate alone passes
// tokens_per_minute is refused with x-should-retry: false.
func TestKeyTokensTooLargeNeverFits(t *testing.T) {
	k := newKeyHarness(t, strings.Replace(keysConfig, "tokens_per_minute: 100000", "tokens_per_minute: 1000", 1))
	body := chatBody("router/fb", false)
	body["max_tokens"] = 5000
	resp, raw := k.post("/v1/chat/completions", body, bearerOf("tok-a")...)
	e := decodeError(t, raw)
	if resp.StatusCode != 429 || e.Error.Code != engine.CodeKeyRateLimit || resp.Header.Get("x-should-retry") != "false" ||
		!strings.Contains(e.Error.Message, "max_tokens") {
		t.Errorf("got %d %+v x-should-retry %q", resp.StatusCode, e.Error, resp.Header.Get("x-should-retry"))
	}
	// Nothing was held: a request that fits is served, and the refused
	// one did not count against requests_per_minute.
	body["max_tokens"] = 100
	resp, _ = k.post("/v1/chat/completions", body, bearerOf("tok-a")...)
	if resp.StatusCode != 200 || resp.Header.Get("x-ratelimit-remaining-requests") != "1" {
		t.Errorf("after the refusal: %d, remaining requests %q, want 200 and 1", resp.StatusCode, resp.Header.Get("x-ratelimit-remaining-requests"))
	}
}

// TestKeyLifecycle: expired and disabled keys get 401 saying so; a key's
// models allow-list keeps a router's allowed targets and refuses a
// direct call outside it with 403.
func TestKeyLifecycle(t *testing.T) {
	k := newKeyHarness(t, keysConfig+`  - {name: m2only, sha256: "SUM(tok-admin)", models: ["up/m2"]}
`)
	cases := []struct {
		name, token, model string
		status             int
		code               string
	}{
		{"expired", "tok-c", "router/fb", 401, "key_expired"},
		{"disabled", "tok-d", "router/fb", 401, "key_disabled"},
		{"direct outside models", "tok-admin", "up/m1", 403, engine.CodeModelNotAllowed},
		{"router keeps allowed targets", "tok-admin", "router/fb", 200, ""},
		{"glob", "tok-admin", "up/m2", 200, ""},
	}
	for _, c := range cases {
		resp, raw := k.post("/v1/chat/completions", chatBody(c.model, false), bearerOf(c.token)...)
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, resp.StatusCode, c.status, raw)
			continue
		}
		if c.code != "" {
			if e := decodeError(t, raw); e.Error.Code != c.code {
				t.Errorf("%s: code %q, want %q", c.name, e.Error.Code, c.code)
			}
		} else if got := resp.Header.Get("x-switchyard-target"); got != "up/m2" {
			t.Errorf("%s: served by %q, want up/m2", c.name, got)
		}
	}
	if k.fake.Hits("m1") != 0 {
		t.Errorf("up/m1 was called %d times; the key may not use it", k.fake.Hits("m1"))
	}
	// /v1/models lists only the models the key may use.
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	req, _ := http.NewRequest("GET", k.srv.URL+"/v1/models", nil)
	req.Header.Set("Authorization", "Bearer tok-admin")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	var ids []string
	for _, d := range list.Data {
		ids = append(ids, d.ID)
	}
	if got := strings.Join(ids, ","); got != "router/fb,up/m2" {
		t.Errorf("/v1/models for a key with models [up/m2]: %s", got)
	}
}

const quotaConfig = `
providers:
  up: {type: openai-compatible, base_url: BASEURL, api_key: env:FAKE_UPSTREAM_API_KEY, limits: {requests_per_minute: 1}}
  up2: {type: openai-compatible, base_url: BASEURL, api_key: env:FAKE_UPSTREAM_API_KEY}
routers:
  spill:
    strategy: fallback
    targets: [{model: up/m1}, {model: up2/m2}]
  only:
    strategy: fallback
    targets: [{model: up/m1}]
`

type explainPlan struct {
	Candidates []struct {
		Target    string `json:"target"`
		OverQuota string `json:"over_quota"`
	} `json:"candidates"`
}

func (k *keyHarness) explain(model string) explainPlan {
	k.t.Helper()
	resp, raw := k.post("/v1/routing/explain", chatBody(model, false))
	var p explainPlan
	if resp.StatusCode != 200 || json.Unmarshal(raw, &p) != nil {
		k.t.Fatalf("explain: %d %s", resp.StatusCode, raw)
	}
	return p
}

// TestProviderQuotaSpills: once a provider's requests_per_minute is used
// up, its targets are skipped before any upstream call (explain says
// so): traffic spills to the next candidate, and a router with no other
// candidate answers 429 provider_quota_exceeded without calling out.
func TestProviderQuotaSpills(t *testing.T) {
	k := newKeyHarness(t, quotaConfig)
	if p := k.explain("router/spill"); p.Candidates[0].OverQuota != "" {
		t.Fatalf("explain before any request: %+v", p)
	}
	steps := []struct {
		model, target string
		status        int
		attempts      string
	}{
		{"router/spill", "up/m1", 200, "1"},
		{"router/spill", "up2/m2", 200, "1"}, // up's quota is used: no attempt at up/m1
		{"router/only", "", 429, "0"},
	}
	for i, s := range steps {
		resp, raw := k.post("/v1/chat/completions", chatBody(s.model, false))
		if resp.StatusCode != s.status || resp.Header.Get("x-switchyard-target") != s.target || resp.Header.Get("x-switchyard-attempts") != s.attempts {
			t.Fatalf("step %d: %d target %q attempts %q: %s", i, resp.StatusCode, resp.Header.Get("x-switchyard-target"),
				resp.Header.Get("x-switchyard-attempts"), raw)
		}
		if s.status == 429 {
			e := decodeError(t, raw)
			if e.Error.Code != engine.CodeProviderQuota || resp.Header.Get("Retry-After") != "30" || !strings.Contains(e.Error.Message, "requests_per_minute") {
				t.Errorf("step %d: %+v Retry-After %q", i, e.Error, resp.Header.Get("Retry-After"))
			}
		}
	}
	if got := k.fake.Hits("m1"); got != 1 {
		t.Errorf("up/m1 called %d times, want 1: a used-up quota is skipped before any call", got)
	}
	p := k.explain("router/spill")
	if !strings.Contains(p.Candidates[0].OverQuota, "requests_per_minute") || p.Candidates[1].OverQuota != "" {
		t.Errorf("explain: %+v; want up/m1 over its quota", p)
	}
	// The trace of the spilled request names the skipped target and why.
	var list struct {
		Data []struct {
			TraceID string `json:"trace_id"`
		} `json:"data"`
	}
	k.getJSON("/v1/traces?router=spill&target=up2/m2", &list)
	if len(list.Data) != 1 {
		t.Fatalf("traces of the spilled request: %+v", list)
	}
	var rec tracestore.Record
	k.getJSON("/v1/traces/"+list.Data[0].TraceID, &rec)
	if len(rec.Skipped) != 1 || rec.Skipped[0].Target != "up/m1" || !strings.Contains(rec.Skipped[0].Reason, "provider quota used up") {
		t.Errorf("trace skipped %+v, want up/m1 for its provider quota", rec.Skipped)
	}
	k.advance(30 * time.Second) // the next minute: the quota is back
	if resp, _ := k.post("/v1/chat/completions", chatBody("router/only", false)); resp.StatusCode != 200 {
		t.Errorf("next minute: %d", resp.StatusCode)
	}
}

func (k *keyHarness) getJSON(path string, out any) {
	k.t.Helper()
	resp, err := http.Get(k.srv.URL + path)
	if err != nil {
		k.t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil || resp.StatusCode != 200 {
		k.t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
	}
}

// TestProviderQuotaLearnedFromHeaders: an upstream that answers with
// x-ratelimit-remaining-requests: 0 is skipped until its reset, with no
// limits configured.
func TestProviderQuotaLearnedFromHeaders(t *testing.T) {
	// up2 first: its answer says it has nothing left for 20 s.
	k2 := newKeyHarness(t, strings.Replace(quotaConfig, "targets: [{model: up/m1}, {model: up2/m2}]", "targets: [{model: up2/m2}, {model: up/m1}]", 1))
	k2.fake.Script("m2", openaifake.Fault{Headers: map[string]string{"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "20s"}})
	targets := []string{}
	for i := 0; i < 2; i++ {
		resp, raw := k2.post("/v1/chat/completions", chatBody("router/spill", false))
		if resp.StatusCode != 200 {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, raw)
		}
		targets = append(targets, resp.Header.Get("x-switchyard-target"))
	}
	if strings.Join(targets, ",") != "up2/m2,up/m1" || k2.fake.Hits("m2") != 1 {
		t.Errorf("served by %v, up2 called %d times; want up2/m2 then up/m1 without calling up2", targets, k2.fake.Hits("m2"))
	}
	if p := k2.explain("router/spill"); !strings.Contains(p.Candidates[0].OverQuota, "no quota left") {
		t.Errorf("explain: %+v", p)
	}
	k2.advance(20 * time.Second)
	if resp, _ := k2.post("/v1/chat/completions", chatBody("router/spill", false)); resp.Header.Get("x-switchyard-target") != "up2/m2" {
		t.Errorf("after the reset: served by %q, want up2/m2", resp.Header.Get("x-switchyard-target"))
	}
}

// TestKeyConcurrentSlotsOfACrashedInstance: slots held by leases whose
// end has passed (an instance that died mid-request) are reclaimed by the
// next request that finds the key full; live ones are not.
func TestKeyConcurrentSlotsOfACrashedInstance(t *testing.T) {
	k := newKeyHarness(t, strings.Replace(keysConfig, "limits: {requests_per_minute: 2, tokens_per_minute: 100000}", "limits: {max_concurrent: 2}", 1))
	ctx := context.Background()
	take := func(holder string, end time.Time) {
		l := store.Lease{Counter: "key#team#concurrent", Holder: holder, Granted: 1, Expires: end, CounterExpires: k.Now().Add(time.Hour)}
		if _, err := k.store.TakeLease(ctx, l, 2); err != nil {
			t.Fatal(err)
		}
	}
	take("live/1", k.Now().Add(time.Minute))
	take("live/2", k.Now().Add(time.Minute))
	if resp, _ := k.post("/v1/chat/completions", chatBody("router/fb", false), bearerOf("tok-a")...); resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("two live slots held: %d Retry-After %q, want 429 and 1", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	k.advance(2 * time.Minute) // their holder died: the leases ended
	for i := 0; i < 3; i++ {
		if resp, raw := k.post("/v1/chat/completions", chatBody("router/fb", false), bearerOf("tok-a")...); resp.StatusCode != 200 {
			t.Fatalf("request %d after the leases ended: %d %s", i, resp.StatusCode, raw)
		}
	}
	if n, _ := k.store.Spent(ctx, "key#team#concurrent"); n != 0 {
		t.Errorf("concurrency counter %d with nothing in flight, want 0", n)
	}
}
