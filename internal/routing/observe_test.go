package routing

import (
	"math"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9*math.Max(1, math.Abs(b)) }

func TestRecentEWMA(t *testing.T) {
	r := NewRecent()
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	r.Observe("p/a", t0, Observation{OK: true, Latency: ms(400), TTFT: ms(100), TokensOut: 100, Gen: ms(500), CostUSD: 0.002})
	r.Observe("p/a", t0, Observation{OK: true, Latency: ms(1500), TokensOut: 300, Gen: ms(500), CostUSD: 0.004})
	r.Observe("p/a", t0, Observation{OK: false, Latency: ms(100)}) // a failure: latency and success only
	got, ok := r.get("p/a")
	if !ok || got.n != 3 {
		t.Fatalf("get = %+v, %v", got, ok)
	}
	lat := 400 + alpha*(1500-400)
	lat += alpha * (100 - lat)
	succ := 1 + successAlpha*(0-1.0)
	tokens := 100 + alpha*(300-100)
	cost := 0.002 + alpha*(0.004-0.002)
	if !near(got.latencyMs, lat) || !near(got.success, succ) || !near(got.ttftMs, 100) || !near(got.tokens, tokens) ||
		!near(got.genS, 0.5) || !near(got.costUSD, cost) || !got.hasTTFT || !got.hasTPS || !got.hasCost {
		t.Errorf("figures %+v, want latency %v success %v tokens %v cost %v", got, lat, succ, tokens, cost)
	}
	t.Run("unpriced and unstreamed: no figure", func(t *testing.T) {
		r := NewRecent()
		r.Observe("p/b", t0, Observation{OK: true, Latency: ms(200)})
		got, _ := r.get("p/b")
		if got.hasCost || got.hasTTFT || got.hasTPS {
			t.Errorf("figures %+v: a cost, TTFT or tokens/s of 0 is no figure", got)
		}
	})
}

func TestBlended(t *testing.T) {
	shared := fakeStats{"p/a": {Requests: 200, SuccessRate: 0.99, LatencyAvgMs: 400, LatencyP95Ms: 900, TTFTMs: 150, TokensPerSec: 100, CostUSD: 0.002}}
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	now := t0
	local := NewRecent()
	b := &Blended{Shared: shared, Local: local, Now: func() time.Time { return now }}

	t.Run("no local figures: the shared ones", func(t *testing.T) {
		got, ok := b.TargetStats("p/a", time.Minute)
		if !ok || got != shared["p/a"] {
			t.Errorf("got %+v, %v", got, ok)
		}
		if _, ok := b.TargetStats("p/x", time.Minute); ok {
			t.Error("a target nobody measured has stats")
		}
	})
	// Twelve requests at 1600 ms, all failed: the target turned bad.
	for range 12 {
		local.Observe("p/a", now, Observation{OK: false, Latency: ms(1600)})
	}
	t.Run("fresh local figures outweigh the shared ones", func(t *testing.T) {
		got, _ := b.TargetStats("p/a", time.Minute)
		lam := 10.0 / (10 + sharedWeight)
		lo, _ := local.get("p/a")
		if !near(got.LatencyAvgMs, lam*1600+(1-lam)*400) || !near(got.SuccessRate, lam*lo.success+(1-lam)*0.99) ||
			got.Requests != 200+12 || got.TTFTMs != 150 || got.TokensPerSec != 100 || got.CostUSD != 0.002 || got.LatencyP95Ms != 900 {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("local figures fade to the shared ones", func(t *testing.T) {
		now = t0.Add(recentHalfLife)
		got, _ := b.TargetStats("p/a", time.Minute)
		lam := 5.0 / (5 + sharedWeight)
		if !near(got.LatencyAvgMs, lam*1600+(1-lam)*400) || got.Requests != 200+6 {
			t.Errorf("after one half-life: %+v", got)
		}
		now = t0.Add(20 * recentHalfLife)
		if got, _ := b.TargetStats("p/a", time.Minute); got != shared["p/a"] {
			t.Errorf("long after: %+v, want the shared figures", got)
		}
		now = t0
	})
	t.Run("local only", func(t *testing.T) {
		local.Observe("p/new", now, Observation{OK: true, Latency: ms(300), TokensOut: 50, Gen: ms(250), CostUSD: 0.001})
		got, ok := b.TargetStats("p/new", time.Minute)
		want := TargetStats{Requests: 1, SuccessRate: 1, LatencyAvgMs: 300, TokensPerSec: 200, CostUSD: 0.001}
		if !ok || got != want {
			t.Errorf("got %+v, want %+v", got, want)
		}
		only := &Blended{Local: local, Now: b.Now}
		if got, _ := only.TargetStats("p/new", time.Minute); got != want {
			t.Errorf("without shared stats: %+v", got)
		}
	})
	t.Run("no local: the shared source as it is", func(t *testing.T) {
		s := &Blended{Shared: shared, Now: b.Now}
		if got, _ := s.TargetStats("p/a", time.Minute); got != shared["p/a"] {
			t.Errorf("got %+v", got)
		}
	})
}

// TestRecentConcurrent: observing and reading at once is safe (-race).
func TestRecentConcurrent(t *testing.T) {
	r := NewRecent()
	b := &Blended{Local: r, Now: func() time.Time { return t0 }}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				r.Observe("p/a", t0, Observation{OK: i%2 == 0, Latency: time.Duration(g+1) * time.Millisecond})
				b.TargetStats("p/a", time.Minute)
			}
		}()
	}
	wg.Wait()
	if got, _ := r.get("p/a"); got.n != 2000 {
		t.Errorf("n = %d, want 2000", got.n)
	}
}
