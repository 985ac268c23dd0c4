package statetest

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// outageYAML has a router without a budget and two with one each:
// on_store_error allow and reject (the default of a hard budget).
// Timeouts are long so that only the gateway's own bounds on store calls
// can end a stalled request.
const outageYAML = `
providers:
  m: {type: mock, reply: "ok"}
models:
  m/a: {input_per_mtok: 1, output_per_mtok: 1}
routers:
  plain: {strategy: fallback, targets: [{model: m/a}], timeout: 1h}
  lenient: {strategy: fallback, targets: [{model: m/a}], timeout: 1h}
  strict: {strategy: fallback, targets: [{model: m/a}], timeout: 1h}
budgets:
  - {name: lenient, scope: "router:lenient", limit_usd: 100, period: day, on_store_error: allow}
  - {name: strict, scope: "router:strict", limit_usd: 100, period: day, on_store_error: reject}
`

// stalling is a store whose every call, once stalled, waits for its
// context to end: DynamoDB throttled or slow far beyond its usual
// milliseconds, with nothing but the caller's deadline to stop a call.
type stalling struct {
	store.Store
	stalled atomic.Bool
}

func (s *stalling) wait(ctx context.Context) error {
	if !s.stalled.Load() {
		return nil
	}
	<-ctx.Done()
	return ctx.Err()
}

func (s *stalling) ListRecords(ctx context.Context) ([]store.Record, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.ListRecords(ctx)
}

func (s *stalling) Reserve(ctx context.Context, key string, micros, limit int64, expires time.Time) (int64, error) {
	if err := s.wait(ctx); err != nil {
		return 0, err
	}
	return s.Store.Reserve(ctx, key, micros, limit, expires)
}

func (s *stalling) Adjust(ctx context.Context, key string, delta int64, expires time.Time) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.Adjust(ctx, key, delta, expires)
}

func (s *stalling) AddSample(ctx context.Context, smp store.Sample) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.AddSample(ctx, smp)
}

func (s *stalling) AddBuckets(ctx context.Context, bs []store.Bucket) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.AddBuckets(ctx, bs)
}

func (s *stalling) Cooldowns(ctx context.Context, now time.Time) (map[string]time.Time, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.Cooldowns(ctx, now)
}

func (s *stalling) LoadStats(ctx context.Context) ([]store.Stats, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.LoadStats(ctx)
}

func (s *stalling) InFlightCounts(ctx context.Context, now time.Time) (map[string]int64, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.InFlightCounts(ctx, now)
}

// TestServingThroughAnOutage: a gateway that has loaded its config keeps
// serving when DynamoDB goes away — its port closed, the emulator killed,
// or every call stalling. The cached config serves; metric samples are
// dropped and counted, never failing a request; a budget's on_store_error
// decides between serving (allow) and 503 budget_unavailable (reject); no
// request hangs.
func TestServingThroughAnOutage(t *testing.T) {
	outages := []struct {
		name string
		// open returns the store a gateway uses and what cuts it off.
		open func(t *testing.T) (store.Store, func())
		// reload: also let the config cache go stale and see the re-read
		// fail (a stalled read takes the whole reload timeout).
		reload bool
	}{
		{"closed port", func(t *testing.T) (store.Store, func()) {
			p := startProxy(t, testenv.Dynalite(t))
			return newStore(t, p.URL()), p.Close
		}, true},
		{"dynalite stopped", func(t *testing.T) (store.Store, func()) {
			srv := testenv.StartDynalite(t)
			return newStore(t, srv.Endpoint), srv.Kill
		}, true},
		{"store stalls", func(t *testing.T) (store.Store, func()) {
			s := &stalling{Store: store.NewMemory()}
			return s, func() { s.stalled.Store(true) }
		}, false},
	}
	for _, o := range outages {
		t.Run(o.name, func(t *testing.T) {
			st, cut := o.open(t)
			push(t, st, outageYAML)
			clk := newClock()
			g := startGateway(t, st, clk, "instance-a", nil)
			ctx := context.Background()
			before := g.src.Engine()

			want := map[string]int{"plain": http.StatusOK, "lenient": http.StatusOK, "strict": http.StatusOK}
			for _, r := range []string{"plain", "lenient", "strict"} {
				if code, _ := g.chat(t, "router/"+r); code != want[r] {
					t.Fatalf("before the outage: %s answered %d", r, code)
				}
			}
			if err := before.Recorder().Flush(ctx); err != nil {
				t.Fatal(err)
			}
			written := before.Recorder().Written.Load()

			cut()

			if o.reload {
				clk.Advance(11 * time.Second)
				g.src.Engine()
				g.src.Wait()
				if g.src.Engine() != before {
					t.Fatal("a failed config read replaced the engine")
				}
				if n := g.src.Failures.Load(); n != 1 {
					t.Errorf("config Failures = %d, want 1", n)
				}
			}
			cases := []struct {
				router string
				status int
				code   string
			}{
				{"plain", http.StatusOK, ""},
				{"lenient", http.StatusOK, ""},
				{"strict", http.StatusServiceUnavailable, "budget_unavailable"},
			}
			for _, c := range cases {
				t.Run(c.router, func(t *testing.T) {
					code, errCode := g.chat(t, "router/"+c.router)
					if code != c.status || errCode != c.code {
						t.Errorf("answered %d %q, want %d %q", code, errCode, c.status, c.code)
					}
				})
			}

			eng := g.src.Engine()
			if err := eng.Recorder().Flush(ctx); err != nil {
				t.Fatal(err)
			}
			rec := eng.Recorder()
			// plain and lenient made one attempt each; strict made none.
			if rec.Failed.Load() != 2 || rec.Written.Load() != written || rec.Dropped.Load() != 0 {
				t.Errorf("samples written %d (before %d), failed %d, dropped %d; want the 2 made in the outage failed",
					rec.Written.Load(), written, rec.Failed.Load(), rec.Dropped.Load())
			}
			logs := g.logs.String()
			wantLogs := []string{"metric write failed", "budget store unavailable; allowing request"}
			if o.reload {
				wantLogs = append(wantLogs, "config reload failed; serving the last good config")
			}
			for _, w := range wantLogs {
				if !strings.Contains(logs, w) {
					t.Errorf("logs lack %q:\n%s", w, logs)
				}
			}
		})
	}
}
