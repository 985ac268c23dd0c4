package statetest

import (
	"context"
	"net/http"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// callsYAML has one router per kind of state a request can touch.
const callsYAML = `
providers:
  m: {type: mock, reply: "ok"}
models:
  m/a: {input_per_mtok: 1, output_per_mtok: 1}
  m/b: {input_per_mtok: 2, output_per_mtok: 2}
routers:
  plain: {strategy: fallback, targets: [{model: m/a}, {model: m/b}]}
  fastest: {strategy: optimized, metric: latency, targets: [{model: m/a}, {model: m/b}]}
  budgeted: {strategy: fallback, targets: [{model: m/a}, {model: m/b}]}
  balanced: {strategy: least_loaded, targets: [{model: m/a}, {model: m/b}]}
budgets:
  - {name: team, scope: "router:budgeted", limit_usd: 100, period: day}
`

// readOps and writeOps classify DynamoDB operations.
var (
	readOps  = []string{"GetItem", "BatchGetItem", "Query", "Scan"}
	writeOps = []string{"UpdateItem", "PutItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
)

// callCase is a router and the most DynamoDB calls one warm request
// through it may make. Metric samples are no longer written per request:
// the recorder sums them per subject and minute and writes one bucket per
// subject per flush (engine.DefaultMetricsFlushEvery, 20 s). So a request
// costs maxWrites writes of its own, and the n requests measured between
// two flushes share sums bucket writes (one per target served): the
// ceiling per request is maxWrites + sums/n (was 1 per request for the
// sample, now 1/20 or 2/20 for the 20 requests of the test).
type callCase struct {
	router    string
	maxReads  float64
	maxWrites float64
	sums      float64
	why       string
}

var callCases = []callCase{
	{"plain", 0, 0, 1, "no write of its own; the sums: one bucket (all on m/a)"},
	{"fastest", 0, 0, 2, "no write of its own, stats come from the cached snapshot; the sums: one bucket per target it explored"},
	{"budgeted", 0, 1, 1, "the reservation (settlement folded in); the sums: one bucket"},
	// In-flight counts are written at most once a second per target (and
	// by Flush), not per request: with the test clock standing still
	// none remains. docs/state.md gives the steady-state figure.
	{"balanced", 0, 0, 2, "no write of its own, in-flight counts are coalesced to one write per target per second; the sums: one bucket per target it rotates over"},
}

// callGateway is one gateway instance on dynalite whose DynamoDB client
// counts its calls, with every router warmed up: config loaded, shared
// state snapshots loaded, metric subjects registered, budget counter made.
func callGateway(tb testing.TB) (*gateway, *dynamo.CallCounter) {
	tb.Helper()
	calls := &dynamo.CallCounter{}
	st := newStore(tb, testenv.Dynalite(tb), calls.Options)
	push(tb, st, callsYAML)
	g := startGateway(tb, st, newClock(), "instance-a", nil)
	for _, c := range callCases {
		// Twice: least_loaded rotates over its idle targets, and each
		// target's first sample registers its metrics subject.
		for i := 0; i < 2; i++ {
			if code, errCode := g.chat(tb, "router/"+c.router); code != http.StatusOK {
				tb.Fatalf("warm-up of %s: %d %s", c.router, code, errCode)
			}
		}
	}
	return g, calls
}

// measure sends n requests to router and returns the DynamoDB reads and
// writes per request, with the metric samples written (the recorder
// flushed) before and after, but budget corrections left to be folded
// as in steady traffic. The test clock stands still, so no cached state
// turns stale: what is counted is the requests' own cost.
func measure(tb testing.TB, g *gateway, calls *dynamo.CallCounter, router string, n int) (reads, writes float64, ops map[string]int64) {
	tb.Helper()
	ctx := context.Background()
	if err := g.src.Engine().Recorder().Flush(ctx); err != nil {
		tb.Fatal(err)
	}
	calls.Reset()
	for i := 0; i < n; i++ {
		if code, errCode := g.chat(tb, "router/"+router); code != http.StatusOK {
			tb.Fatalf("%s: %d %s", router, code, errCode)
		}
	}
	if err := g.src.Engine().Recorder().Flush(ctx); err != nil {
		tb.Fatal(err)
	}
	ops = calls.Snapshot()
	for _, op := range readOps {
		reads += float64(ops[op])
	}
	for _, op := range writeOps {
		writes += float64(ops[op])
	}
	return reads / float64(n), writes / float64(n), ops
}

// TestCallsPerWarmRequest holds a warm routed request to issue 5's
// DynamoDB budget (no read, one write without a budget, two with one),
// tightened by the summed metrics: no write of its own without a budget,
// one with one, plus its share of one bucket write per target per flush.
func TestCallsPerWarmRequest(t *testing.T) {
	g, calls := callGateway(t)
	for _, c := range callCases {
		t.Run(c.router, func(t *testing.T) {
			const n = 20
			reads, writes, ops := measure(t, g, calls, c.router, n)
			t.Logf("%s: %.2f reads, %.3f writes per request (%s); calls %v", c.router, reads, writes, c.why, ops)
			if maxWrites := c.maxWrites + c.sums/n; reads > c.maxReads || writes > maxWrites+1e-9 {
				t.Errorf("%.2f reads and %.3f writes per warm request, want at most %v and %.3f (%s); calls %v",
					reads, writes, c.maxReads, maxWrites, c.why, ops)
			}
		})
	}
}

// BenchmarkWarmRequest reports DynamoDB reads and writes per warm request
// through the gateway on dynalite (make bench; docs/state.md).
func BenchmarkWarmRequest(b *testing.B) {
	g, calls := callGateway(b)
	for _, c := range callCases {
		b.Run(c.router, func(b *testing.B) {
			b.ReportAllocs()
			reads, writes, _ := measure(b, g, calls, c.router, b.N)
			b.ReportMetric(reads, "reads/op")
			b.ReportMetric(writes, "writes/op")
		})
	}
}
