package statetest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/aggregate"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

const windowsYAML = `
providers:
  m: {type: mock, reply: "ok"}
models:
  m/a: {input_per_mtok: 1, output_per_mtok: 1}
routers:
  main: {strategy: fallback, targets: [{model: m/a}]}
`

// TestMetricsWindows: GET /v1/metrics serves each window's own figures,
// 1h and 24h included, from stats the aggregator wrote to dynalite; no
// window means 15m; an unknown window is a 400 invalid_window in OpenAI's
// error envelope.
func TestMetricsWindows(t *testing.T) {
	st := newStore(t, testenv.Dynalite(t))
	push(t, st, windowsYAML)
	clk := newClock() // 12:00
	g := startGateway(t, st, clk, "instance-a", nil)
	// Requests at 12:00 (1), 13:30 (2) and 14:20 (3); the aggregator runs
	// at 14:20, so its windows end at 14:21: 5m and 15m hold the last
	// three, 1h (from 13:21) five, 24h all six.
	for _, step := range []struct {
		after time.Duration
		n     int
	}{{0, 1}, {90 * time.Minute, 2}, {50 * time.Minute, 3}} {
		clk.Advance(step.after)
		for i := 0; i < step.n; i++ {
			if code, errCode := g.chat(t, "router/main"); code != http.StatusOK {
				t.Fatalf("request at %s: %d %s", clk.Now().Format("15:04"), code, errCode)
			}
		}
	}
	eng := g.src.Engine()
	if err := eng.Recorder().Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := eng.Recorder().Written.Load(); n != 6 {
		t.Fatalf("%d samples written, want 6", n)
	}
	if _, err := aggregate.Run(context.Background(), st, clk.Now()); err != nil {
		t.Fatalf("aggregate: %v", err)
	}

	windows := []struct {
		query, window string
		requests      int64
	}{
		{"?window=5m", "5m", 3},
		{"?window=15m", "15m", 3},
		{"?window=1h", "1h", 5},
		{"?window=24h", "24h", 6},
		{"", "15m", 3},
	}
	for _, w := range windows {
		name := "window " + w.window
		if w.query == "" {
			name = "no window is 15m"
		}
		t.Run(name, func(t *testing.T) {
			var m metricsBody
			g.get(t, "/v1/metrics"+w.query, &m)
			if m.Window != w.window {
				t.Errorf("window %q, want %q", m.Window, w.window)
			}
			if got := m.Routers["main"]; got.Requests != w.requests || got.SuccessRate != 1 {
				t.Errorf("router main: %+v, want %d requests, all served", got, w.requests)
			}
			if got := m.Targets["m/a"]; got.Requests != w.requests {
				t.Errorf("target m/a: %d requests, want %d", got.Requests, w.requests)
			}
		})
	}

	for _, bad := range []string{"bad", "1d", "60m", "5M"} {
		t.Run("invalid window "+bad, func(t *testing.T) {
			status, env, raw := g.send(t, http.MethodGet, "/v1/metrics?window="+bad, "", "")
			e := env.Error
			if status != http.StatusBadRequest || e == nil || e.Code != "invalid_window" || e.Type != "invalid_request_error" ||
				e.Param == nil || *e.Param != "window" || e.Message == "" {
				t.Errorf("answered %d %s, want 400 with error {type invalid_request_error, code invalid_window, param window, message}", status, raw)
			}
		})
	}
}
