package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/store"
)

type budgetsBody struct {
	Data []struct {
		Name         string   `json:"name"`
		Scope        string   `json:"scope"`
		Period       string   `json:"period"`
		LimitUSD     float64  `json:"limit_usd"`
		SpentUSD     *float64 `json:"spent_usd"`
		RemainingPct *float64 `json:"remaining_pct"`
		PerUser      bool     `json:"per_user"`
	} `json:"data"`
}

// TestBudgetsEndpoint: GET /v1/budgets lists every budget with its scope,
// period and limit; a budget with one counter shows this period's spend
// (what the request's cost header said) and what is left; a per-user
// budget says so and shows no single spend.
func TestBudgetsEndpoint(t *testing.T) {
	o := newObserved(t, "")
	resp, body := o.post("/v1/chat/completions", chatBody("router/fb", false))
	if resp.StatusCode != 200 {
		t.Fatalf("chat: %d %s", resp.StatusCode, body)
	}
	cost, _ := strconv.ParseFloat(resp.Header.Get("x-switchyard-cost-usd"), 64)
	if cost <= 0 {
		t.Fatalf("cost header %q", resp.Header.Get("x-switchyard-cost-usd"))
	}
	code, raw := o.get("/v1/budgets")
	if code != 200 {
		t.Fatalf("GET /v1/budgets: %d %s", code, raw)
	}
	var got budgetsBody
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Data) != 3 {
		t.Fatalf("budgets: %s", raw)
	}
	fb, capped, user := got.Data[0], got.Data[1], got.Data[2]
	if fb.Name != "fb-daily" || fb.Scope != "router:fb" || fb.Period != "day" || fb.LimitUSD != 100 ||
		fb.SpentUSD == nil || math.Abs(*fb.SpentUSD-cost) > 1e-6 || math.Abs(*fb.RemainingPct-100*(100-cost)/100) > 1e-6 {
		t.Errorf("fb-daily: %s (cost %v)", raw, cost)
	}
	if capped.Name != "capped-daily" || capped.SpentUSD == nil || *capped.SpentUSD != 0 || *capped.RemainingPct != 100 {
		t.Errorf("capped-daily: %s", raw)
	}
	if user.Name != "per-user" || !user.PerUser || user.SpentUSD != nil {
		t.Errorf("per-user: %s", raw)
	}
}

// TestBudgetsAndConsoleAuth: /v1/budgets answers only an admin key; the
// console page (which holds no data) is served to anyone who passes the
// keyless guard, and a keyless gateway refuses it to a rebound Host.
func TestBudgetsAndConsoleAuth(t *testing.T) {
	keys := `
keys:
  - {name: team, sha256: "` + sha("sk-team") + `"}
admin_keys:
  - {name: ops, sha256: "` + sha("sk-ops") + `"}
`
	o := newObserved(t, keys)
	for _, c := range []struct {
		path, auth string
		want       int
	}{
		{"/v1/budgets", "", 401}, {"/v1/budgets", "Bearer sk-team", 403}, {"/v1/budgets", "Bearer sk-ops", 200},
		{"/console", "", 200}, {"/console/console.js", "", 200},
	} {
		if code, body := o.get(c.path, "Authorization", c.auth); code != c.want {
			t.Errorf("%s with %q: %d, want %d: %s", c.path, c.auth, code, c.want, body)
		}
	}

	h := newObserved(t, "").srv.Config.Handler
	for _, c := range []struct {
		host string
		want int
	}{{"localhost:8080", 200}, {"evil.example:8080", 403}} {
		for _, path := range []string{"/console", "/v1/budgets"} {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.RemoteAddr, req.Host = "127.0.0.1:5000", c.host
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.want {
				t.Errorf("keyless %s to %s: %d, want %d", path, c.host, rec.Code, c.want)
			}
		}
	}
}

// TestConsolePageHeaders: the page and its assets come with a strict CSP
// (no inline script or style, no framing), nosniff and no-store; the HTML
// has no inline script; other paths under /console are 404 and other
// methods 405.
func TestConsolePageHeaders(t *testing.T) {
	o := newObserved(t, "")
	for _, c := range []struct{ path, ctype string }{
		{"/console", "text/html"}, {"/console/console.js", "text/javascript"}, {"/console/console.css", "text/css"},
	} {
		resp, err := http.Get(o.srv.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), c.ctype) || len(body) == 0 {
			t.Errorf("%s: %d %q", c.path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") ||
			!strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe") {
			t.Errorf("%s CSP %q", c.path, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s headers %v", c.path, resp.Header)
		}
		if c.path == "/console" {
			for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(string(body), -1) {
				if !strings.Contains(tag, `src="/console/`) {
					t.Errorf("inline script tag %q", tag)
				}
			}
			if strings.Contains(string(body), "style=") || strings.Contains(string(body), "http://") || strings.Contains(string(body), "https://") {
				t.Error("the page has an inline style or loads something from elsewhere")
			}
		}
	}
	if code, _ := o.get("/console/../v1/budgets"); code != 404 {
		t.Errorf("non-canonical path: %d", code)
	}
	if code, _ := o.get("/console/other.js"); code != 404 {
		t.Errorf("unknown asset: %d", code)
	}
	resp, _ := o.post("/console", map[string]any{})
	if resp.StatusCode != 405 {
		t.Errorf("POST /console: %d", resp.StatusCode)
	}
}

type seriesBody struct {
	Step    int    `json:"step_seconds"`
	From    string `json:"from"`
	To      string `json:"to"`
	Targets map[string][]struct {
		T            string  `json:"t"`
		Requests     int64   `json:"requests"`
		SuccessRate  float64 `json:"success_rate"`
		CostUSD      float64 `json:"cost_usd"`
		FallbackRate float64 `json:"fallback_rate"`
		Latency      struct {
			P50 float64 `json:"p50"`
		} `json:"latency_ms"`
	} `json:"targets"`
}

// TestMetricsSeries: ?view=series cuts the window into steps (a minute up
// to an hour, a quarter hour over a day), one point per step with traffic,
// per target only, each rolled up from that step's buckets.
func TestMetricsSeries(t *testing.T) {
	o := newObserved(t, "")
	now := time.Date(2026, 12, 7, 10, 30, 20, 0, time.UTC)
	st := store.NewMemory()
	ctx := context.Background()
	for _, s := range []store.Sample{
		{Target: "up/m1", Router: "fb", Time: now.Add(-10 * time.Minute), Success: false, LatencyMs: 40, ErrorClass: "server_error"},
		{Target: "up/m2", Router: "fb", Time: now.Add(-10 * time.Minute), Success: true, Final: true, Fallback: true, LatencyMs: 20, CostMicros: 300},
		{Target: "up/m1", Router: "fb", Time: now.Add(-10*time.Minute + 30*time.Second), Success: true, Final: true, LatencyMs: 10, CostMicros: 100},
		{Target: "up/m1", Router: "fb", Time: now.Add(-3 * time.Minute), Success: true, Final: true, LatencyMs: 10, CostMicros: 100},
		{Target: "up/m1", Router: "fb", Time: now.Add(-2 * time.Hour), Success: true, Final: true, LatencyMs: 10, CostMicros: 100},
	} {
		if err := st.AddSample(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(httpapi.New(o.src, httpapi.Options{Store: st, Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	get := func(q string) (int, seriesBody, string) {
		resp, err := http.Get(srv.URL + "/v1/metrics?" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var b seriesBody
		_ = json.Unmarshal(raw, &b)
		return resp.StatusCode, b, string(raw)
	}

	code, b, raw := get("window=1h&view=series")
	if code != 200 || b.Step != 60 || b.To != "2026-12-07T10:31:00Z" || b.From != "2026-12-07T09:31:00Z" || len(b.Targets) != 2 {
		t.Fatalf("1h series: %d %s", code, raw)
	}
	m1, m2 := b.Targets["up/m1"], b.Targets["up/m2"]
	if len(m1) != 2 || m1[0].T != "2026-12-07T10:20:00Z" || m1[0].Requests != 2 || m1[0].SuccessRate != 0.5 ||
		math.Abs(m1[0].CostUSD-0.0001) > 1e-12 || m1[1].T != "2026-12-07T10:27:00Z" || m1[1].Requests != 1 {
		t.Errorf("up/m1 series: %s", raw)
	}
	if len(m2) != 1 || m2[0].FallbackRate != 1 || m2[0].Latency.P50 < 19 || m2[0].Latency.P50 > 21 {
		t.Errorf("up/m2 series: %s", raw)
	}

	code, b, raw = get("window=24h&view=series")
	if code != 200 || b.Step != 900 || len(b.Targets["up/m1"]) != 2 || b.Targets["up/m1"][0].T != "2026-12-07T08:30:00Z" ||
		b.Targets["up/m1"][1].T != "2026-12-07T10:15:00Z" || b.Targets["up/m1"][1].Requests != 3 {
		t.Errorf("24h series: %d %s", code, raw)
	}

	if code, _, raw = get("window=1h&view=chart"); code != 400 || !strings.Contains(raw, "invalid_view") {
		t.Errorf("bad view: %d %s", code, raw)
	}
}
