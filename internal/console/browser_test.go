package console_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchyard-llm/switchyard/internal/aggregate"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	_ "github.com/switchyard-llm/switchyard/internal/provider/mock"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/tracestore"
)

const (
	adminToken = "sk-admin-console-test"
	userToken  = "sk-user-console-test"
	// hostile is a model name a caller chose: it reaches the trace (and
	// the console's table) as the direct target it asked for.
	hostile = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`
)

func sha(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

// consoleConfig has a fallback router whose first target fails half the
// time, an A/B router whose treatment arm fails now and then (falling back
// to control's model), and budgets over both.
var consoleConfig = `
keys:
  - {name: app, sha256: "` + sha(userToken) + `"}
admin_keys:
  - {name: ops, sha256: "` + sha(adminToken) + `"}
providers:
  flaky: {type: mock, fail_rate: 0.5, fail_status: 503, seed: 7, models: [chat-small]}
  steady: {type: mock, seed: 7, models: [chat-large]}
  shaky: {type: mock, fail_rate: 0.2, fail_status: 529, seed: 3, models: [chat-b]}
models:
  flaky/chat-small: {input_per_mtok: 0.10, output_per_mtok: 0.40}
  steady/chat-large: {input_per_mtok: 1.00, output_per_mtok: 4.00}
  shaky/chat-b: {input_per_mtok: 2.00, output_per_mtok: 8.00}
routers:
  fb:
    strategy: fallback
    targets: [{model: flaky/chat-small}, {model: steady/chat-large}]
  ab:
    strategy: percentage
    sticky: user
    targets:
      - {model: steady/chat-large, weight: 50, name: control}
      - {model: shaky/chat-b, weight: 50, name: treatment}
budgets:
  - {name: fb-daily, scope: "router:fb", limit_usd: 0.01, period: day}
  - {name: ab-weekly, scope: "router:ab", limit_usd: 0.02, period: week}
`

// clock is the gateway's simulated time. The test spreads its traffic over
// the last 45 minutes, so the charts have a history, and each reading moves
// time on by a few seeded milliseconds, so attempts take time.
type clock struct {
	mu  sync.Mutex
	t   time.Time
	rng *rand.Rand
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Duration(c.rng.Int63n(int64(25 * time.Millisecond))))
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// gateway is the gateway as `switchyard serve` wires it (memory store,
// trace store, metrics rolled up on read) on an httptest server.
type gateway struct {
	t     *testing.T
	srv   *httptest.Server
	src   *configsource.Source
	clock *clock
	token string // the caller key chat sends; none for a keyless config
}

func newGateway(t *testing.T, yml string) *gateway {
	t.Helper()
	cfg, err := config.Parse([]byte(yml))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	clk := &clock{t: time.Now().Add(-45 * time.Minute), rng: rand.New(rand.NewSource(1))}
	st := store.NewMemory()
	traces := tracestore.New(0)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	src, err := configsource.FromConfig(cfg, engine.Deps{Store: st, Logger: log, Seed: 42, Traces: traces, Now: clk.Now,
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	t.Cleanup(func() { src.Engine().Close() })
	srv := httptest.NewServer(httpapi.New(src, httpapi.Options{Logger: log, Store: st, Traces: traces, Now: clk.Now,
		AggregateOnRead: func(ctx context.Context) error { _, err := aggregate.Run(ctx, st, clk.Now()); return err }}))
	t.Cleanup(srv.Close)
	g := &gateway{t: t, srv: srv, src: src, clock: clk}
	if len(cfg.Keys) > 0 {
		g.token = userToken
	}
	return g
}

// chat sends one chat request and returns its status and headers.
func (g *gateway) chat(model, user string) (int, http.Header) {
	g.t.Helper()
	body, _ := json.Marshal(map[string]any{"model": model, "user": user,
		"messages": []map[string]string{{"role": "user", "content": "hello"}}})
	req, _ := http.NewRequest(http.MethodPost, g.srv.URL+"/v1/chat/completions", bytes.NewReader(body))
	if g.token != "" {
		req.Header.Set("Authorization", "Bearer "+g.token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		g.t.Fatalf("chat %s: %v", model, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header
}

// chromium is the browser the test drives: $SWITCHYARD_CHROMIUM (the
// Makefile exports it), else Debian's /usr/bin/chromium. Missing, the test
// fails: a console nobody loaded in a browser is not tested.
func chromium(t *testing.T) string {
	t.Helper()
	p := os.Getenv("SWITCHYARD_CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("headless Chromium not found at %s (%v): run `make tools` (installs Debian's chromium package) "+
			"or set SWITCHYARD_CHROMIUM to a Chromium binary", p, err)
	}
	return p
}

// browser starts headless Chromium with no network of its own (no
// component updates, sync or QUIC probes: the test machine is offline).
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	)
	// A bound on the whole browser session, not a wait: every step below
	// waits on a DOM condition, and a page that never renders fails here
	// instead of hanging the suite. Generous: the CI machine is shared.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	return bctx
}

// TestConsoleInBrowser loads /console in headless Chromium against a
// gateway that has served traffic, and checks what a user sees: the key
// prompt, the requests table, a trace's waterfall, the per-target charts,
// the A/B arms, the budget bar, the explain plan, and a hostile model name
// shown as text.
func TestConsoleInBrowser(t *testing.T) {
	g := newGateway(t, consoleConfig)
	// Fifteen rounds, three simulated minutes apart.
	var fbTrace string
	for round := range 15 {
		for i := range 2 {
			code, h := g.chat("router/fb", fmt.Sprintf("u%d", i))
			if code != http.StatusOK {
				t.Fatalf("router/fb: %d", code)
			}
			if h.Get("x-switchyard-attempts") == "2" {
				fbTrace = h.Get("x-switchyard-trace-id") // a fallback
			}
		}
		for i := range 4 {
			if code, _ := g.chat("router/ab", fmt.Sprintf("user-%d-%d", round, i)); code != http.StatusOK {
				t.Fatalf("router/ab: %d", code)
			}
		}
		g.clock.Advance(3 * time.Minute)
	}
	if fbTrace == "" {
		t.Fatal("no router/fb request fell back: the test's traffic has no fallback to show")
	}
	_, h := g.chat("steady/"+hostile, "x")
	hostileTrace := h.Get("x-switchyard-trace-id")
	if hostileTrace == "" {
		t.Fatal("the hostile request left no trace id")
	}
	// Metric samples are written off the request path; the local server
	// flushes them on a timer, the test at once.
	if err := g.src.Engine().Flush(context.Background(), false); err != nil {
		t.Fatalf("flush: %v", err)
	}

	ctx := browser(t)
	b := &page{t: t, ctx: ctx}
	// Keys are configured: the page asks for the admin key.
	b.do("load the console",
		chromedp.Navigate(g.srv.URL+"/console"),
		chromedp.Poll[chromedp.Void](`document.getElementById('status').textContent.includes('admin key')`))

	row := fmt.Sprintf(`#requests-body tr[data-trace-id=%q]`, fbTrace)
	b.do("console with the admin key",
		chromedp.SendKeys(chromedp.ID("key"), adminToken),
		chromedp.Click(chromedp.ID("key-save")),
		chromedp.WaitVisible(chromedp.CSS(row)),
		chromedp.WaitVisible(chromedp.CSS(`#charts .target-card[data-target="steady/chat-large"] svg.chart-svg circle.dot`)),
		chromedp.WaitVisible(chromedp.CSS(`table.arms-table[data-router="ab"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.budget[data-budget="fb-daily"] svg.budget-bar rect.left`)))

	rowText := b.text(row)
	for _, want := range []string{"fb", "steady/chat-large", "yes", "200"} {
		if !strings.Contains(rowText, want) {
			t.Errorf("fallback row %q lacks %q", rowText, want)
		}
	}
	if arms := b.text(`table.arms-table[data-router="ab"] thead`); !strings.Contains(arms, "control") || !strings.Contains(arms, "treatment") {
		t.Errorf("A/B arms header %q, want control and treatment side by side", arms)
	}
	if budget := b.text(`.budget[data-budget="fb-daily"]`); !strings.Contains(budget, "% left") || !strings.Contains(budget, "of $0.010000") {
		t.Errorf("budget row %q, want remaining %% and the $0.01 limit", budget)
	}
	if !eval[bool](b, `sessionStorage.getItem('switchyard.adminKey') === `+fmt.Sprintf("%q", adminToken)) {
		t.Error("the admin key is not in sessionStorage")
	}

	// Drill-down: the fallback request's waterfall shows both attempts,
	// the failed one and the one that served.
	b.do("trace drill-down",
		chromedp.Click(chromedp.CSS(row)),
		chromedp.WaitVisible(chromedp.CSS(`#waterfall-svg rect.attempt.fail`)),
		chromedp.WaitVisible(chromedp.CSS(`#waterfall-svg rect.attempt.ok`)))
	bars := eval[int](b, `document.querySelectorAll('#waterfall-svg rect.attempt').length`)
	if waterfall := b.text("#waterfall"); bars != 2 || !strings.Contains(waterfall, "flaky/chat-small") || !strings.Contains(waterfall, "503") {
		t.Errorf("waterfall: %d bars, text %q; want 2 attempts, flaky/chat-small failing with 503", bars, waterfall)
	}

	// Explain: the plan of router/fb, in try order.
	b.do("explain",
		chromedp.SetValue(chromedp.ID("explain-body"), `{"model": "router/fb", "messages": [{"role": "user", "content": "hi"}]}`),
		chromedp.Click(chromedp.ID("explain-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#plan-candidates li`)))
	plan := eval[[]string](b, `[...document.querySelectorAll('#plan-candidates li')].map(li => li.textContent)`)
	if len(plan) != 2 || !strings.HasPrefix(plan[0], "flaky/chat-small") || !strings.HasPrefix(plan[1], "steady/chat-large") {
		t.Errorf("explain plan %q, want flaky/chat-small then steady/chat-large", plan)
	}

	// The hostile model name is text in its row: no element made of it,
	// nothing run.
	hostileRow := fmt.Sprintf(`#requests-body tr[data-trace-id=%q]`, hostileTrace)
	b.do("hostile row", chromedp.WaitVisible(chromedp.CSS(hostileRow)))
	hostileText := b.text(hostileRow)
	injected := eval[int](b, `document.querySelectorAll('main img, main script').length`)
	ran := eval[bool](b, `window.__xss !== undefined`)
	if !strings.Contains(hostileText, hostile) || injected != 0 || ran {
		t.Errorf("hostile model: row text %q, %d injected elements, script ran %v; want the name as text only", hostileText, injected, ran)
	}

	if os.Getenv("SWITCHYARD_CONSOLE_SCREENSHOT") != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		out := filepath.Join("..", "..", "docs", "console.png")
		if err := os.WriteFile(out, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", out)
	}
}

// page drives one browser tab; a step that fails ends the test.
type page struct {
	t   *testing.T
	ctx context.Context
}

func (p *page) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

// text is the text content of the first element sel matches.
func (p *page) text(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.TextContent(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func eval[T any](p *page, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// TestConsoleKeylessLoopback: a gateway with no keys serves the console to
// a loopback browser with no key to paste: the table fills and the explain
// form's JSON POST passes the keyless guard (loopback Host and Origin).
func TestConsoleKeylessLoopback(t *testing.T) {
	keyless := consoleConfig[strings.Index(consoleConfig, "providers:"):]
	g := newGateway(t, keyless)
	code, h := g.chat("router/fb", "u1")
	if code != http.StatusOK {
		t.Fatalf("router/fb: %d", code)
	}
	b := &page{t: t, ctx: browser(t)}
	b.do("keyless console",
		chromedp.Navigate(g.srv.URL+"/console"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#requests-body tr[data-trace-id=%q]`, h.Get("x-switchyard-trace-id")))),
		chromedp.SetValue(chromedp.ID("explain-body"), `{"model": "router/ab", "user": "u1", "messages": [{"role": "user", "content": "hi"}]}`),
		chromedp.Click(chromedp.ID("explain-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#plan-candidates li`)))
	if st := b.text("#status"); st != "live" {
		t.Errorf("status %q, want live", st)
	}
	if plan := eval[int](b, `document.querySelectorAll('#plan-candidates li').length`); plan != 2 {
		t.Errorf("router/ab plan has %d candidates, want its 2 arms", plan)
	}
}
