package cli_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/cli"
)

// rollupConfig: a latency router whose listed-first target is slow. Until
// stats roll up, it has no figures and sends everything to slowp.
const rollupConfig = `
providers:
  slowp: {type: mock, latency: 200ms, models: [m]}
  fastp: {type: mock, latency: 1ms, models: [m]}
routers:
  quick:
    strategy: latency
    min_samples: 3
    explore: 0
    targets: [{model: slowp/m}, {model: fastp/m}]
`

// TestServeRollsUpOnItsOwn: the long-running server, in memory and on
// DynamoDB, rolls its metrics up on its own schedule, so a latency router
// moves to the fast target with no call to GET /v1/metrics (DESIGN §9).
// The schedule's ticks are the test's; the second tick is taken only once
// the first roll-up (flush, roll-up, stats reload) has finished.
func TestServeRollsUpOnItsOwn(t *testing.T) {
	for _, shape := range []string{"memory", "dynamodb"} {
		t.Run(shape, func(t *testing.T) {
			serveEnv(t)
			args := []string{"serve", "--addr", "127.0.0.1:0"}
			if shape == "dynamodb" {
				stateEnv(t)
				for _, cmd := range [][]string{{"tables", "create"}, {"config", "push", writeConfig(t, rollupConfig)}} {
					if code, _, errOut := stateRun(cmd...); code != 0 {
						t.Fatalf("%v: exit %d: %s", cmd, code, errOut)
					}
				}
			} else {
				args = append(args, "--config", writeConfig(t, rollupConfig))
			}
			ticks := make(chan time.Time)
			g := startGatewayCtx(t, cli.WithRollupTicks(context.Background(), ticks), args...)
			base := "http://" + g.waitListening(t)

			for i := 0; i < 3; i++ {
				if got := chatTarget(t, base, "router/quick"); got != "slowp/m" {
					t.Fatalf("before any roll-up: request %d went to %s, want slowp/m (listed first, nothing measured)", i, got)
				}
				if got := chatTarget(t, base, "fastp/m"); got != "fastp/m" {
					t.Fatalf("direct request went to %s", got)
				}
			}
			for i := 0; i < 2; i++ {
				select {
				case ticks <- time.Now():
				case <-time.After(30 * time.Second): // guard: turns a missing loop into a failure
					t.Fatalf("the server took no roll-up tick (%d taken): nothing rolls stats up", i)
				}
			}
			for i := 0; i < 3; i++ {
				if got := chatTarget(t, base, "router/quick"); got != "fastp/m" {
					t.Fatalf("after the roll-up tick: request %d went to %s, want fastp/m (1 ms against 200 ms)", i, got)
				}
			}
			if strings.Contains(g.stderr.String(), "/v1/metrics") {
				t.Errorf("the test must not have called /v1/metrics")
			}
		})
	}
}

// startGatewayCtx is startGateway with a context of the test's.
func startGatewayCtx(t *testing.T, ctx context.Context, args ...string) *gateway {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	g := &gateway{stderr: &watchWriter{listening: make(chan struct{})}, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(g.done)
		g.code = cli.Main(ctx, args, &g.stdout, g.stderr)
	}()
	t.Cleanup(func() { g.stop(t) })
	return g
}

// chatTarget sends one chat request and returns the target that served it.
func chatTarget(t *testing.T, base, model string) string {
	t.Helper()
	body := `{"model":"` + model + `","messages":[{"role":"user","content":"hi"}]}`
	resp, err := http.Post(base+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: status %d", model, resp.StatusCode)
	}
	return resp.Header.Get("x-switchyard-target")
}
