package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/switchyard-llm/switchyard/internal/aggregate"
)

// abCooldownConfig: an A/B split whose treatment arm's model always fails
// and goes into cooldown after three failures (for an hour: the test
// never sees it end); the control arm's model is healthy.
const abCooldownConfig = `
  ab:
    strategy: percentage
    sticky: user
    targets: [{model: up/m1, weight: 50, name: control}, {model: up/m2, weight: 50, name: treat}]
server:
  cooldown: {failures: 3, duration: 1h}
`

// armFigures is one subject's figures in GET /v1/metrics.
type armFigures struct {
	Requests     int64   `json:"requests"`
	SuccessRate  float64 `json:"success_rate"`
	Fallbacks    int64   `json:"fallbacks"`
	FallbackRate float64 `json:"fallback_rate"`
	Skips        *int64  `json:"skips"`
}

func (a armFigures) skips() int64 {
	if a.Skips == nil {
		return -1 // not reported at all
	}
	return *a.Skips
}

// TestTreatmentArmInCooldownTellsTheTruth is issue 11's A/B scenario: the
// treatment arm's model always fails. Once it cools down, treatment
// requests are served by the control's model at once; they still say
// arm treat, and say it was a fallback (the plan's first candidate did
// not serve). In /v1/metrics the treatment arm shows its requests as
// fallbacks with its target's cooldown skips, not a 100% success of its
// own, and the failing model shows three attempts and the skips.
func TestTreatmentArmInCooldownTellsTheTruth(t *testing.T) {
	h := newHarness(t, abCooldownConfig)
	fails := make([]fakeFault, 100)
	for i := range fails {
		fails[i] = openaiStatus(503)
	}
	h.fake.Script("m2", fails...)

	var treat, control int64
	var treatUser string
	for i := 0; i < 40; i++ {
		body := chatBody("router/ab", false)
		body["user"] = fmt.Sprintf("user-%d", i)
		resp, raw := h.post("/v1/chat/completions", body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, raw)
		}
		hd := resp.Header
		arm, target, fallback, attempts := hd.Get("x-switchyard-arm"), hd.Get("x-switchyard-target"),
			hd.Get("x-switchyard-fallback"), hd.Get("x-switchyard-attempts")
		switch arm {
		case "control":
			control++
			if target != "up/m1" || fallback != "false" || attempts != "1" {
				t.Errorf("control request %d: target %s fallback %s attempts %s, want up/m1, false, 1", i, target, fallback, attempts)
			}
		case "treat":
			treat++
			treatUser = body["user"].(string)
			wantAttempts := "1" // up/m2 cooling down: skipped, not tried
			if treat <= 3 {
				wantAttempts = "2" // up/m2 tried and failed, before its cooldown
			}
			if target != "up/m1" || fallback != "true" || attempts != wantAttempts {
				t.Errorf("treat request %d (#%d): target %s fallback %s attempts %s, want up/m1, true, %s",
					i, treat, target, fallback, attempts, wantAttempts)
			}
		default:
			t.Fatalf("request %d: arm %q", i, arm)
		}
	}
	if treat <= 3 || control == 0 {
		t.Fatalf("arms drawn: treat %d, control %d; the test needs both and treat past the cooldown", treat, control)
	}
	// A stream says the same in its headers.
	body := chatBody("router/ab", true)
	body["user"] = treatUser
	resp, raw := h.post("/v1/chat/completions", body)
	if hd := resp.Header; resp.StatusCode != http.StatusOK || hd.Get("x-switchyard-arm") != "treat" ||
		hd.Get("x-switchyard-target") != "up/m1" || hd.Get("x-switchyard-fallback") != "true" {
		t.Errorf("treat stream: %d arm %q target %q fallback %q: %s", resp.StatusCode, hd.Get("x-switchyard-arm"),
			hd.Get("x-switchyard-target"), hd.Get("x-switchyard-fallback"), raw)
	}
	treat++
	if got := h.fake.Hits("m2"); got != 3 {
		t.Errorf("up/m2 tried %d times, want 3 (then cooling down)", got)
	}

	m := metricsNow(t, h)
	skips := treat - 3
	checks := []struct {
		name string
		got  armFigures
		ok   func(armFigures) bool
	}{
		{fmt.Sprintf("arm treat: %d requests, all fallbacks, none served by its own model, %d skips", treat, skips),
			m.Arms["ab"]["treat"], func(a armFigures) bool {
				return a.Requests == treat && a.SuccessRate == 0 && a.Fallbacks == treat && a.FallbackRate == 1 && a.skips() == skips
			}},
		{fmt.Sprintf("arm control: %d requests served by its own model", control),
			m.Arms["ab"]["control"], func(a armFigures) bool {
				return a.Requests == control && a.SuccessRate == 1 && a.Fallbacks == 0 && a.skips() == 0
			}},
		{fmt.Sprintf("target up/m2: 3 attempts, all failed, %d skips", skips),
			m.Targets["up/m2"], func(a armFigures) bool { return a.Requests == 3 && a.SuccessRate == 0 && a.skips() == skips }},
		{"target up/m1: every request served, never skipped",
			m.Targets["up/m1"], func(a armFigures) bool { return a.Requests == treat+control && a.SuccessRate == 1 && a.skips() == 0 }},
	}
	for _, c := range checks {
		if !c.ok(c.got) {
			t.Errorf("%s: got %+v (skips %d)", c.name, c.got, c.got.skips())
		}
	}
}

type metricsBody struct {
	Targets map[string]armFigures            `json:"targets"`
	Routers map[string]armFigures            `json:"routers"`
	Arms    map[string]map[string]armFigures `json:"arms"`
}

// metricsNow writes the engine's pending samples, rolls them up and reads
// GET /v1/metrics for the last 5 minutes.
func metricsNow(t *testing.T, h *harness) metricsBody {
	t.Helper()
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
	var m metricsBody
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// budgetConfig: a model whose worst case is all output ($1000 per Mtok,
// input free, 100,000 output tokens when max_tokens is unset), a cheap
// router to reroute to, and a $1.30 daily budget.
func budgetConfig(onExceed string) string {
	return `
providers:
  up: {type: openai-compatible, base_url: FAKE, api_key: env:FAKE_UPSTREAM_API_KEY}
models:
  up/m1: {input_per_mtok: 1, output_per_mtok: 2}
  up/pricey: {input_per_mtok: 0, output_per_mtok: 1000, max_output_tokens: 100000}
routers:
  cheap: {strategy: fallback, targets: [{model: up/m1}]}
budgets:
  - {name: day-cap, scope: global, limit_usd: 1.30, period: day, on_exceed: "` + onExceed + `"}
`
}

func pricey(maxTokens int, stream bool) map[string]any {
	b := chatBody("up/pricey", stream)
	if maxTokens > 0 {
		b["max_tokens"] = maxTokens
	}
	return b
}

// TestBudget429SaysWhatDidNotFit: a budget with room left refuses a
// request whose worst case does not fit; the 429 says so with the
// amounts, names max_tokens as the fix and tells SDKs not to retry
// (x-should-retry: false); a request with a smaller max_tokens is then
// served. Explain gives the same account.
func TestBudget429SaysWhatDidNotFit(t *testing.T) {
	h := newHarnessConfig(t, budgetConfig("reject"))
	// $0.90 reserved, $0.01 spent (10 output tokens at $1000/Mtok).
	if resp, raw := h.post("/v1/chat/completions", pricey(900, false)); resp.StatusCode != http.StatusOK {
		t.Fatalf("first request: %d %s", resp.StatusCode, raw)
	}
	tests := []struct {
		name      string
		maxTokens int
		want      []string
	}{
		{"worst case larger than what is left", 1295, []string{
			"budget day-cap: this request's worst-case cost on up/pricey ($1.295) does not fit the $1.29 left of $1.30 for this day",
			"a lower max_tokens (now 1295) lowers the worst case"}},
		{"no max_tokens: the model's whole output is reserved", 0, []string{
			"budget day-cap: this request's worst-case cost on up/pricey ($100.00) is more than the whole budget of $1.30 for this day",
			"set max_tokens to lower the worst case"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, raw := h.post("/v1/chat/completions", pricey(tt.maxTokens, false))
			e := decodeError(t, raw)
			if resp.StatusCode != http.StatusTooManyRequests || e.Error.Code != "budget_exceeded" {
				t.Fatalf("%d %s, want 429 budget_exceeded", resp.StatusCode, raw)
			}
			if got := resp.Header.Get("x-should-retry"); got != "false" {
				t.Errorf("x-should-retry = %q, want false", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(e.Error.Message, w) {
					t.Errorf("message %q\nlacks %q", e.Error.Message, w)
				}
			}
			_, plan := h.post("/v1/routing/explain", pricey(tt.maxTokens, false))
			var p struct {
				BudgetOutcome struct{ Action, Why string } `json:"budget_outcome"`
			}
			if err := json.Unmarshal(plan, &p); err != nil || p.BudgetOutcome.Action != "reject" || !strings.Contains(p.BudgetOutcome.Why, tt.want[0]) {
				t.Errorf("explain budget_outcome %+v, want reject saying %q: %s", p.BudgetOutcome, tt.want[0], plan)
			}
		})
	}
	resp, raw := h.post("/v1/chat/completions", pricey(100, false))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a request with max_tokens 100 ($0.10 worst case): %d %s, want 200", resp.StatusCode, raw)
	}
}

// TestOpenAISDKDoesNotRetryBudget429: the official SDK retries a 429 twice
// by default unless the answer says x-should-retry: false; a budget
// refusal says so, and the gateway sees the request once.
func TestOpenAISDKDoesNotRetryBudget429(t *testing.T) {
	h := newHarnessConfig(t, budgetConfig("reject"))
	var seen atomic.Int64
	counting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		h.srv.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(counting.Close)
	client := openai.NewClient(option.WithBaseURL(counting.URL+"/v1/"), option.WithAPIKey("unused-locally"))
	_, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model:    "up/pricey",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hello!")},
	})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("SDK error %v, want a 429", err)
	}
	if got := seen.Load(); got != 1 {
		t.Errorf("the SDK sent %d requests, want 1 (no retries of a budget refusal)", got)
	}
}

// TestBudgetRerouteIsMarked: a budget that reroutes says so on the answer
// (x-switchyard-reroute: budget), streamed or not, and in the request's
// log line; the target that served is not the plan's first, so it is a
// fallback too.
func TestBudgetRerouteIsMarked(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			h := newHarnessConfig(t, budgetConfig("reroute:cheap"))
			resp, raw := h.post("/v1/chat/completions", pricey(0, stream))
			hd := resp.Header
			if resp.StatusCode != http.StatusOK || hd.Get("x-switchyard-target") != "up/m1" {
				t.Fatalf("%d target %q: %s", resp.StatusCode, hd.Get("x-switchyard-target"), raw)
			}
			if got := hd.Get("x-switchyard-reroute"); got != "budget" {
				t.Errorf("x-switchyard-reroute = %q, want budget", got)
			}
			if got := hd.Get("x-switchyard-fallback"); got != "true" {
				t.Errorf("x-switchyard-fallback = %q, want true", got)
			}
			if !strings.Contains(h.Logs(), `"reroute":"budget"`) {
				t.Errorf("request log line lacks reroute=budget:\n%s", h.Logs())
			}
			// A request within the budget is not marked.
			resp, _ = h.post("/v1/chat/completions", pricey(100, stream))
			if resp.StatusCode != http.StatusOK || resp.Header.Get("x-switchyard-reroute") != "" {
				t.Errorf("within budget: %d reroute %q, want 200 and no reroute", resp.StatusCode, resp.Header.Get("x-switchyard-reroute"))
			}
		})
	}
}
