package cli_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/cli"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// rollupConfig: a latency router over a slow and a fast target.
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
// DynamoDB, rolls its metrics up on its own schedule (DESIGN §9): with no
// call to GET /v1/metrics, the stats other instances read appear in the
// store once the schedule ticks, and a latency router sends its traffic to
// the fast target. The schedule's ticks are the test's; the second tick is
// taken only once the first roll-up (flush, roll-up, stats reload) has
// finished. (An instance also learns from its own requests before any
// roll-up — engine TestOptimizedLearnsFromOwnRequests — so on DynamoDB the
// proof of the roll-up is the shared stats items themselves.)
func TestServeRollsUpOnItsOwn(t *testing.T) {
	for _, shape := range []string{"memory", "dynamodb"} {
		t.Run(shape, func(t *testing.T) {
			serveEnv(t)
			args := []string{"serve", "--addr", "127.0.0.1:0"}
			var shared *dynamo.Store
			if shape == "dynamodb" {
				endpoint, tables := stateEnv(t)
				shared = dynamo.New(testenv.DynamoClient(t, endpoint), tables)
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
				for _, model := range []string{"slowp/m", "fastp/m"} {
					if got := chatTarget(t, base, model); got != model {
						t.Fatalf("direct request to %s went to %s", model, got)
					}
				}
			}
			if shared != nil {
				if st := latencyStats(t, shared); len(st) != 0 {
					t.Fatalf("stats before any roll-up tick: %v", st)
				}
			}
			for i := 0; i < 2; i++ {
				select {
				case ticks <- time.Now():
				case <-time.After(30 * time.Second): // guard: turns a missing loop into a failure
					t.Fatalf("the server took no roll-up tick (%d taken): nothing rolls stats up", i)
				}
			}
			if shared != nil {
				st := latencyStats(t, shared)
				if st["slowp/m"] < 150 || st["fastp/m"] <= 0 || st["fastp/m"] > 50 {
					t.Fatalf("shared 15m latency after the roll-up ticks: %v, want slowp/m ≈ 200 ms and fastp/m ≈ 1 ms", st)
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

// latencyStats reads the 15m average latency per target from the shared
// stats items, as another instance would.
func latencyStats(t *testing.T, st *dynamo.Store) map[string]float64 {
	t.Helper()
	stats, err := st.LoadStats(context.Background())
	if err != nil {
		t.Fatalf("LoadStats: %v", err)
	}
	out := map[string]float64{}
	for _, s := range stats {
		if s.Window == "15m" && (s.Subject == "slowp/m" || s.Subject == "fastp/m") {
			out[s.Subject] = s.LatencyAvgMs
		}
	}
	return out
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
