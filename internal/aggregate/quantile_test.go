package aggregate_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/aggregate"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// TestPercentileAccuracy: p50/p95/p99 rolled up from the stored buckets
// are within store.LatencyRelativeError (1.96%) of the exact nearest-rank
// percentiles of the samples, for constant, uniform and lognormal
// latencies (seeded), sub-millisecond ones included. The samples go
// through a store and Run, as an attempt's would.
func TestPercentileAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	gen := func(n int, f func() float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = f()
		}
		return out
	}
	constant := func(ms float64) func() float64 { return func() float64 { return ms } }
	uniform := func(lo, hi float64) func() float64 { return func() float64 { return lo + rng.Float64()*(hi-lo) } }
	// lognormal with median e^mu ms.
	lognormal := func(mu, sigma float64) func() float64 {
		return func() float64 { return math.Exp(mu + sigma*rng.NormFloat64()) }
	}
	cases := []struct {
		name    string
		samples []float64 // ms
	}{
		{"constant 2.0 s", gen(200, constant(2000))},
		{"constant 300 ms", gen(70, constant(300))},
		{"constant 0.3 ms", gen(50, constant(0.3))},
		{"uniform 20-300 ms", gen(1000, uniform(20, 300))},
		{"uniform 0.1-2 ms", gen(500, uniform(0.1, 2))},
		{"lognormal median 400 ms", gen(2000, lognormal(math.Log(400), 0.8))},
		{"lognormal median 2 s, heavy tail", gen(3000, lognormal(math.Log(2000), 1.5))},
		{"bimodal 40 ms and 900 ms", append(gen(90, constant(40)), gen(10, constant(900))...)},
	}
	qs := []struct {
		q    float64
		name string
		get  func(store.Stats) float64
	}{
		{0.50, "p50", func(s store.Stats) float64 { return s.LatencyP50Ms }},
		{0.95, "p95", func(s store.Stats) float64 { return s.LatencyP95Ms }},
		{0.99, "p99", func(s store.Stats) float64 { return s.LatencyP99Ms }},
	}
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := store.NewMemory()
			for i, ms := range c.samples {
				smp := store.Sample{Target: "p/m", Router: "r", Time: at.Add(time.Duration(i%60) * time.Second),
					Success: true, Final: true, LatencyMs: ms}
				if err := m.AddSample(context.Background(), smp); err != nil {
					t.Fatal(err)
				}
			}
			stats, err := aggregate.Run(context.Background(), m, at.Add(30*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			st := find(t, stats, "p/m", "5m")
			// The exact percentiles, of the samples as stored (whole µs).
			exact := make([]float64, len(c.samples))
			for i, ms := range c.samples {
				exact[i] = float64(store.MsToUs(ms)) / 1000
			}
			slices.Sort(exact)
			for _, q := range qs {
				rank := int(math.Ceil(q.q * float64(len(exact))))
				want, got := exact[rank-1], q.get(st)
				if rel := math.Abs(got-want) / want; rel > store.LatencyRelativeError+1e-12 {
					t.Errorf("%s = %.4f ms, exact %.4f ms: relative error %.2f%% > %.2f%%",
						q.name, got, want, 100*rel, 100*store.LatencyRelativeError)
				}
			}
		})
	}
}

// TestQuantileEdges: an empty histogram reads 0, q 0 the lowest sample's
// bucket, q 1 the highest, and a latency beyond the last bucket (71 min)
// reads as the last bucket.
func TestQuantileEdges(t *testing.T) {
	h := func(ms ...float64) map[int]int64 {
		out := map[int]int64{}
		for _, v := range ms {
			out[store.LatencyIndex(store.MsToUs(v))]++
		}
		return out
	}
	last := store.LatencyValueUs(store.MaxLatencyIndex) / 1000
	cases := []struct {
		hist map[int]int64
		q    float64
		want float64
	}{
		{nil, 0.5, 0},
		{h(10, 20, 30), 0, sk(10)},
		{h(10, 20, 30), 1, sk(30)},
		{h(0, 0, 5), 0.5, 0},
		{h(10, 5*60*60*1000), 1, last},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%v@%v", c.hist, c.q), func(t *testing.T) {
			if got := aggregate.Quantile(c.hist, c.q); !approxEqual(got, c.want) {
				t.Errorf("Quantile = %v, want %v", got, c.want)
			}
		})
	}
	if last < 71*60*1000 || last > 73*60*1000 {
		t.Errorf("the last bucket reads %v ms, want about 71.6 min", last)
	}
}

func find(t *testing.T, stats []store.Stats, subject, window string) store.Stats {
	t.Helper()
	for _, s := range stats {
		if s.Subject == subject && s.Window == window {
			return s
		}
	}
	t.Fatalf("no stats for %s/%s in %d", subject, window, len(stats))
	return store.Stats{}
}
