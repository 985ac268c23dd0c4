package aggregate_test

import (
	"context"
	"errors"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/aggregate"
	"github.com/switchyard-llm/switchyard/internal/store"
)

func TestRunExact(t *testing.T) {
	m := store.NewMemory()
	load(t, m)
	got, err := aggregate.Run(context.Background(), m, now)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	compareStats(t, got, expected, now)
	stored, err := m.LoadStats(context.Background())
	if err != nil {
		t.Fatalf("LoadStats: %v", err)
	}
	if len(stored) != len(expected) {
		t.Errorf("store holds %d stats after Run, want %d", len(stored), len(expected))
	}
}

func TestRunIsIdempotent(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		run  func(t *testing.T, m store.Metrics)
		last time.Time // the last run's now, the stats' updated_at
	}{
		{"twice", func(t *testing.T, m store.Metrics) {
			for i := 0; i < 2; i++ {
				if _, err := aggregate.Run(ctx, m, now); err != nil {
					t.Fatalf("Run %d: %v", i+1, err)
				}
			}
		}, now},
		{"overlapping", func(t *testing.T, m store.Metrics) {
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for i := 0; i < 4; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := aggregate.Run(ctx, m, now); err != nil {
						errs <- err
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatalf("Run: %v", err)
			}
		}, now},
		{"again later in the same minute", func(t *testing.T, m store.Metrics) {
			for _, n := range []time.Time{now, now.Add(29 * time.Second)} {
				if _, err := aggregate.Run(ctx, m, n); err != nil {
					t.Fatalf("Run at %v: %v", n, err)
				}
			}
		}, now.Add(29 * time.Second)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := store.NewMemory()
			load(t, m)
			c.run(t, m)
			stored, err := m.LoadStats(ctx)
			if err != nil {
				t.Fatalf("LoadStats: %v", err)
			}
			compareStats(t, stored, sortedLikeStore(expected), c.last)
		})
	}
}

func TestRunReadError(t *testing.T) {
	m := &failingMetrics{Metrics: store.NewMemory(), err: errors.New("dynamo: read metrics subjects: connection refused")}
	if _, err := aggregate.Run(context.Background(), m, now); !errors.Is(err, m.err) {
		t.Fatalf("Run = %v, want the read error wrapped", err)
	}
	if m.puts != 0 {
		t.Errorf("Run wrote stats %d times after failing to read buckets; it must write nothing", m.puts)
	}
}

type failingMetrics struct {
	store.Metrics
	err  error
	puts int
}

func (f *failingMetrics) Buckets(context.Context, time.Time, time.Time) ([]store.Bucket, error) {
	return nil, f.err
}

func (f *failingMetrics) PutStats(ctx context.Context, s []store.Stats) error {
	f.puts++
	return f.Metrics.PutStats(ctx, s)
}

// sortedLikeStore orders stats as LoadStats does (subject, then window name).
func sortedLikeStore(in []store.Stats) []store.Stats {
	out := append([]store.Stats(nil), in...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && less(out[j], out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func less(a, b store.Stats) bool {
	if a.Subject != b.Subject {
		return a.Subject < b.Subject
	}
	return a.Window < b.Window
}

func compareStats(t *testing.T, got, want []store.Stats, updated time.Time) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d stats, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		t.Run(w.Subject+"/"+w.Window, func(t *testing.T) {
			if g.Subject != w.Subject || g.Window != w.Window {
				t.Fatalf("stats[%d] is %s/%s, want %s/%s", i, g.Subject, g.Window, w.Subject, w.Window)
			}
			if !g.UpdatedAt.Equal(updated) {
				t.Errorf("updated_at %v, want the run's now %v", g.UpdatedAt, updated)
			}
			ints := []struct {
				name      string
				got, want int64
			}{
				{"requests", g.Requests, w.Requests},
				{"successes", g.Successes, w.Successes},
				{"fallbacks", g.Fallbacks, w.Fallbacks},
				{"skips", g.Skips, w.Skips},
			}
			for _, f := range ints {
				if f.got != f.want {
					t.Errorf("%s = %d, want %d", f.name, f.got, f.want)
				}
			}
			floats := []struct {
				name      string
				got, want float64
			}{
				{"success_rate", g.SuccessRate, w.SuccessRate},
				{"latency_avg_ms", g.LatencyAvgMs, w.LatencyAvgMs},
				{"latency_p50_ms", g.LatencyP50Ms, w.LatencyP50Ms},
				{"latency_p95_ms", g.LatencyP95Ms, w.LatencyP95Ms},
				{"ttft_ms", g.TTFTMs, w.TTFTMs},
				{"tokens_per_sec", g.TokensPerSec, w.TokensPerSec},
				{"cost_usd", g.CostUSD, w.CostUSD},
				{"fallback_rate", g.FallbackRate, w.FallbackRate},
			}
			for _, f := range floats {
				if !approxEqual(f.got, f.want) {
					t.Errorf("%s = %v, want %v", f.name, f.got, f.want)
				}
			}
			if (len(g.Errors) != 0 || len(w.Errors) != 0) && !reflect.DeepEqual(g.Errors, w.Errors) {
				t.Errorf("errors = %v, want %v", g.Errors, w.Errors)
			}
		})
	}
}

// approxEqual allows for float rounding only (sums of decimals, 2.0/3).
func approxEqual(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}

// TestRollupArms: a percentage router's arms get request-level stats of
// their own ("arm/<router>/<arm>"), the figures an A/B test is read from.
// The treatment request that fell back to the control arm's target still
// counts for treatment (its assigned arm) and shows as its fallback, not
// as a success of treatment: its success rate is what its own target
// served. Cooldown skips count apart from attempts, for the skipped target
// and the arm.
func TestRollupArms(t *testing.T) {
	at := func(sec int) time.Time { return time.Date(2026, 11, 25, 12, 0, sec, 0, time.UTC) }
	m := store.NewMemory()
	for _, smp := range []store.Sample{
		{Target: "up/m1", Router: "ab", Arm: "control", Time: at(1), Success: true, Final: true,
			LatencyMs: 100, TokensOut: 100, CostMicros: 1000},
		{Target: "up/bad", Router: "ab", Arm: "treatment", Time: at(2), ErrorClass: "server_error", LatencyMs: 40},
		{Target: "up/m1", Router: "ab", Arm: "treatment", Time: at(3), Success: true, Final: true, Fallback: true,
			LatencyMs: 100, TokensOut: 100, CostMicros: 1000},
		{Target: "up/m2", Router: "ab", Arm: "treatment", Time: at(4), Success: true, Final: true,
			LatencyMs: 200, TokensOut: 100, CostMicros: 2000},
		{Target: "up/bad", Router: "ab", Arm: "treatment", Time: at(5), Skipped: true},
	} {
		if err := m.AddSample(context.Background(), smp); err != nil {
			t.Fatal(err)
		}
	}
	buckets, err := m.Buckets(context.Background(), at(0).Add(-time.Hour), at(0).Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var got []store.Stats
	for _, st := range aggregate.Rollup(buckets, now) {
		if st.Window == "5m" {
			got = append(got, st)
		}
	}
	serverError := map[string]int64{"server_error": 1}
	want := []store.Stats{
		{Subject: "arm/ab/control", Window: "5m", Requests: 1, Successes: 1, SuccessRate: 1, LatencyAvgMs: 100,
			LatencyP50Ms: sk(100), LatencyP95Ms: sk(100), TokensPerSec: 1000, CostUSD: 0.001},
		{Subject: "arm/ab/treatment", Window: "5m", Requests: 2, Successes: 1, SuccessRate: 0.5, LatencyAvgMs: 340.0 / 3,
			LatencyP50Ms: sk(100), LatencyP95Ms: sk(200), TokensPerSec: 2000.0 / 3, CostUSD: 0.003,
			Fallbacks: 1, FallbackRate: 0.5, Skips: 1, Errors: serverError},
		// A provider sums its targets, counting attempts as a target does.
		{Subject: "provider|up", Window: "5m", Requests: 4, Successes: 3, SuccessRate: 0.75, LatencyAvgMs: 110,
			LatencyP50Ms: sk(100), LatencyP95Ms: sk(200), TokensPerSec: 750, CostUSD: 0.004,
			Fallbacks: 1, FallbackRate: 1.0 / 3, Skips: 1, Errors: serverError},
		{Subject: "router/ab", Window: "5m", Requests: 3, Successes: 3, SuccessRate: 1, LatencyAvgMs: 110,
			LatencyP50Ms: sk(100), LatencyP95Ms: sk(200), TokensPerSec: 750, CostUSD: 0.004,
			Fallbacks: 1, FallbackRate: 1.0 / 3, Skips: 1, Errors: serverError},
		{Subject: "up/bad", Window: "5m", Requests: 1, LatencyAvgMs: 40, LatencyP50Ms: sk(40), LatencyP95Ms: sk(40),
			Skips: 1, Errors: serverError},
		{Subject: "up/m1", Window: "5m", Requests: 2, Successes: 2, SuccessRate: 1, LatencyAvgMs: 100,
			LatencyP50Ms: sk(100), LatencyP95Ms: sk(100), TokensPerSec: 1000, CostUSD: 0.002, Fallbacks: 1, FallbackRate: 0.5},
		{Subject: "up/m2", Window: "5m", Requests: 1, Successes: 1, SuccessRate: 1, LatencyAvgMs: 200,
			LatencyP50Ms: sk(200), LatencyP95Ms: sk(200), TokensPerSec: 500, CostUSD: 0.002},
	}
	compareStats(t, got, want, now)
}
