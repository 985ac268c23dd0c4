package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/store"
)

func testMetrics(t *testing.T, newStore NewStore) {
	t.Run("summed buckets count as their samples", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		samples := mixedSamples(40, base.Add(17*time.Second))
		// Three writers (containers) each sum their share per subject and
		// write the sums at once, concurrently.
		var wg sync.WaitGroup
		errs := make(chan error, 3)
		for w := 0; w < 3; w++ {
			sums := map[string]*store.Bucket{}
			for i := w; i < len(samples); i += 3 {
				b := store.BucketOf(samples[i])
				if cur := sums[b.Subject]; cur != nil {
					cur.Merge(b)
				} else {
					sums[b.Subject] = &b
				}
			}
			var bs []store.Bucket
			for _, b := range sums {
				bs = append(bs, *b)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.AddBuckets(ctx, bs); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("AddBuckets: %v", err)
		}
		want := map[string]*store.Bucket{}
		for _, smp := range samples {
			subj := smp.Subject()
			if want[subj] == nil {
				want[subj] = &store.Bucket{Subject: subj, Minute: base}
			}
			want[subj].Apply(smp)
		}
		got, err := s.Buckets(ctx, base, base.Add(time.Minute))
		if err != nil {
			t.Fatalf("Buckets: %v", err)
		}
		if len(got) != len(want) {
			t.Fatalf("got %d buckets (%v), want %d", len(got), subjectsOf(got), len(want))
		}
		for _, b := range got {
			t.Run(b.Subject, func(t *testing.T) {
				w := want[b.Subject]
				if w == nil {
					t.Fatalf("unexpected subject %q", b.Subject)
				}
				compareBucket(t, b, *w)
			})
		}
	})
	t.Run("concurrent samples are all counted", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		samples := mixedSamples(40, base.Add(17*time.Second))
		var wg sync.WaitGroup
		errs := make(chan error, len(samples))
		for _, smp := range samples {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.AddSample(ctx, smp); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("AddSample: %v", err)
		}

		// The reference: the same samples applied one by one.
		want := map[string]*store.Bucket{}
		for _, smp := range samples {
			subj := smp.Subject()
			if want[subj] == nil {
				want[subj] = &store.Bucket{Subject: subj, Minute: base}
			}
			want[subj].Apply(smp)
		}
		got, err := s.Buckets(ctx, base, base.Add(time.Minute))
		if err != nil {
			t.Fatalf("Buckets: %v", err)
		}
		if len(got) != len(want) {
			t.Fatalf("got %d buckets (%v), want %d", len(got), subjectsOf(got), len(want))
		}
		for _, b := range got {
			t.Run(b.Subject, func(t *testing.T) {
				w := want[b.Subject]
				if w == nil {
					t.Fatalf("unexpected subject %q", b.Subject)
				}
				compareBucket(t, b, *w)
			})
		}
	})

	t.Run("latency keeps microseconds", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		add(t, s, store.Sample{Target: "fast/m", Router: "r", Time: base, Success: true, Final: true, LatencyMs: 0.3, TTFTMs: 0.125})
		add(t, s, store.Sample{Target: "fast/m", Router: "r", Time: base, Success: true, Final: true, LatencyMs: 0.3})
		add(t, s, store.Sample{Target: "fast/m", Router: "r", Time: base, Success: true, Final: true, LatencyMs: 2000.001})
		got, err := s.Buckets(ctx, base, base.Add(time.Minute))
		if err != nil || len(got) != 1 {
			t.Fatalf("Buckets = %v, %v; want one bucket", got, err)
		}
		b := got[0]
		if b.LatencyUs != 2000601 || b.GenUs != 2000601 || b.TTFTUs != 125 {
			t.Errorf("latency/gen/ttft sums = %d/%d/%d µs, want 2000601/2000601/125 (a 0.3 ms attempt is 300 µs, not 0)",
				b.LatencyUs, b.GenUs, b.TTFTUs)
		}
		want := map[int]int64{store.LatencyIndex(300): 2, store.LatencyIndex(2000001): 1}
		if !reflect.DeepEqual(b.Hist, want) {
			t.Errorf("histogram = %v, want %v (sparse, by microsecond index)", b.Hist, want)
		}
	})

	t.Run("cooldown skips count apart from attempts", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		for i := 0; i < 3; i++ {
			add(t, s, store.Sample{Target: "bad/m", Router: "ab", Arm: "treat", Time: base.Add(time.Duration(i) * time.Second), Skipped: true})
		}
		add(t, s, store.Sample{Target: "bad/m", Router: "ab", Arm: "treat", Time: base, LatencyMs: 5, ErrorClass: "server_error"})
		got, err := s.Buckets(ctx, base, base.Add(time.Minute))
		if err != nil || len(got) != 1 {
			t.Fatalf("Buckets = %v, %v; want one bucket", got, err)
		}
		want := store.Bucket{Subject: "bad/m|ab|treat", Minute: base, Requests: 1, Skips: 3, LatencyUs: 5000,
			Errors: map[string]int64{"server_error": 1}, Hist: map[int]int64{store.LatencyIndex(5000): 1}}
		compareBucket(t, got[0], want)
	})

	t.Run("subjects", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		add(t, s, store.Sample{Target: "openai/gpt-4o", Router: "fb", Time: base, LatencyMs: 100, ErrorClass: "server_error"})
		add(t, s, store.Sample{Target: "openai/gpt-4o", Router: "ab", Time: base, Success: true, Final: true, LatencyMs: 100})
		add(t, s, store.Sample{Target: "demo/echo", Time: base, Success: true, Final: true, LatencyMs: 40})
		add(t, s, store.Sample{Target: "demo/echo", Time: base.Add(time.Second), Success: true, Final: true, LatencyMs: 40})
		add(t, s, store.Sample{Target: "openai/gpt-4o", Router: "ab", Arm: "treatment|v2", Time: base, Success: true, Final: true, LatencyMs: 90})
		got, err := s.Buckets(ctx, base, base.Add(time.Minute))
		if err != nil {
			t.Fatalf("Buckets: %v", err)
		}
		want := []string{"demo/echo|", "openai/gpt-4o|ab", "openai/gpt-4o|ab|treatment|v2", "openai/gpt-4o|fb"}
		if !reflect.DeepEqual(subjectsOf(got), want) {
			t.Errorf("subjects = %v, want %v (a sample counts for its target|router[|arm])", subjectsOf(got), want)
		}
		for _, b := range got {
			target, router, arm := store.SplitSubject(b.Subject)
			joined := target + "|" + router
			if arm != "" {
				joined += "|" + arm
			}
			if joined != b.Subject || target == "" {
				t.Errorf("subject %q does not split into target, router and arm", b.Subject)
			}
			if b.Subject == want[2] && (router != "ab" || arm != "treatment|v2") {
				t.Errorf("subject %q split into router %q, arm %q; want ab, treatment|v2", b.Subject, router, arm)
			}
		}
	})

	t.Run("buckets range is [from, to) by minute", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		for _, off := range []time.Duration{-time.Minute, 0, 30 * time.Second, time.Minute, 2*time.Minute + 59*time.Second} {
			add(t, s, store.Sample{Target: "a/m", Router: "r", Time: base.Add(off), Success: true, Final: true, LatencyMs: 10})
		}
		add(t, s, store.Sample{Target: "b/m", Time: base.Add(time.Minute), Success: true, Final: true, LatencyMs: 10})
		cases := []struct {
			name     string
			from, to time.Time
			want     []string // subject@minute offset
		}{
			{"one minute", base, base.Add(time.Minute), []string{"a/m|r@0s"}},
			{"two minutes", base, base.Add(2 * time.Minute), []string{"a/m|r@0s", "a/m|r@1m0s", "b/m|@1m0s"}},
			{"from inside a minute skips it", base.Add(10 * time.Second), base.Add(2 * time.Minute), []string{"a/m|r@1m0s", "b/m|@1m0s"}},
			{"to inside a minute keeps it", base.Add(2 * time.Minute), base.Add(2*time.Minute + time.Second), []string{"a/m|r@2m0s"}},
			{"everything", base.Add(-time.Hour), base.Add(time.Hour), []string{
				"a/m|r@-1m0s", "a/m|r@0s", "a/m|r@1m0s", "a/m|r@2m0s", "b/m|@1m0s"}},
			{"empty range", base.Add(time.Hour), base.Add(2 * time.Hour), nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, err := s.Buckets(ctx, c.from, c.to)
				if err != nil {
					t.Fatalf("Buckets: %v", err)
				}
				var have []string
				for _, b := range got {
					if b.Minute.Location() != time.UTC {
						t.Errorf("bucket minute %v is not UTC", b.Minute)
					}
					have = append(have, fmt.Sprintf("%s@%s", b.Subject, b.Minute.Sub(base)))
				}
				if !reflect.DeepEqual(have, c.want) {
					t.Errorf("buckets = %v, want %v", have, c.want)
				}
			})
		}
	})
}

func testStats(t *testing.T, newStore NewStore) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	a5 := store.Stats{
		Subject: "openai/gpt-4o", Window: "5m", Requests: 120, Successes: 117, SuccessRate: 0.975,
		LatencyAvgMs: 812.5, LatencyP50Ms: 640, LatencyP95Ms: 2210.25, TTFTMs: 301.5, TokensPerSec: 88.125,
		CostUSD: 1.234567, Fallbacks: 4, FallbackRate: 4.0 / 120, Skips: 7,
		Errors: map[string]int64{"rate_limit": 2, "server_error": 1}, UpdatedAt: base,
	}
	a1h := store.Stats{Subject: "openai/gpt-4o", Window: "1h", Requests: 1, Successes: 1, SuccessRate: 1, UpdatedAt: base}
	r5 := store.Stats{Subject: "router/fb", Window: "5m", UpdatedAt: base}
	if err := s.PutStats(ctx, []store.Stats{r5, a5, a1h}); err != nil {
		t.Fatalf("PutStats: %v", err)
	}
	replaced := a5
	replaced.Requests, replaced.Errors, replaced.UpdatedAt = 3, nil, base.Add(time.Minute)

	steps := []struct {
		name string
		put  []store.Stats
		want []store.Stats
	}{
		{"round trip, sorted by subject then window", nil, []store.Stats{a1h, a5, r5}},
		{"put replaces a subject's window", []store.Stats{replaced}, []store.Stats{a1h, replaced, r5}},
		{"empty put", []store.Stats{}, []store.Stats{a1h, replaced, r5}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.put != nil {
				if err := s.PutStats(ctx, st.put); err != nil {
					t.Fatalf("PutStats: %v", err)
				}
			}
			got, err := s.LoadStats(ctx)
			if err != nil {
				t.Fatalf("LoadStats: %v", err)
			}
			if len(got) != len(st.want) {
				t.Fatalf("LoadStats returned %d stats, want %d: %+v", len(got), len(st.want), got)
			}
			for i := range got {
				g, w := got[i], st.want[i]
				if !g.UpdatedAt.Equal(w.UpdatedAt) {
					t.Errorf("[%d] updated_at %v, want %v", i, g.UpdatedAt, w.UpdatedAt)
				}
				g.UpdatedAt, w.UpdatedAt = time.Time{}, time.Time{}
				if len(g.Errors) == 0 && len(w.Errors) == 0 {
					g.Errors, w.Errors = nil, nil
				}
				if !reflect.DeepEqual(g, w) {
					t.Errorf("[%d]\n got %+v\nwant %+v", i, g, w)
				}
			}
		})
	}
}

// mixedSamples returns n samples in one minute covering success, every
// failure shape, final and intermediate attempts, streams, fallbacks,
// cooldown skips and the whole latency range.
func mixedSamples(n int, at time.Time) []store.Sample {
	classes := []string{"rate_limit", "server_error", "timeout", ""}
	out := make([]store.Sample, n)
	for i := range out {
		smp := store.Sample{
			Target:     []string{"openai/gpt-4o", "anthropic/claude"}[i%2],
			Router:     []string{"fb", "", "ab"}[i%3],
			Time:       at.Add(time.Duration(i) * time.Second % (40 * time.Second)),
			Success:    i%3 != 0,
			Final:      i%3 != 2,
			LatencyMs:  float64(3+i*i*250) + float64(i%7)*0.137, // sub-ms parts must survive
			TokensIn:   int64(100 + i),
			TokensOut:  int64(10 * i),
			CostMicros: int64(1000 + 17*i),
			Fallback:   i%5 == 0,
		}
		if !smp.Success {
			smp.ErrorClass = classes[i%4]
			smp.TokensOut = 0
		}
		if i%4 == 1 {
			smp.TTFTMs = float64(50+i) + 0.25
		}
		if i%9 == 4 {
			// A cooldown skip carries nothing but who was skipped.
			smp = store.Sample{Target: smp.Target, Router: smp.Router, Time: smp.Time, Skipped: true}
		}
		out[i] = smp
	}
	return out
}

func add(t *testing.T, s store.Store, smp store.Sample) {
	t.Helper()
	if err := s.AddSample(context.Background(), smp); err != nil {
		t.Fatalf("AddSample: %v", err)
	}
}

func subjectsOf(bs []store.Bucket) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Subject)
	}
	return out
}

func compareBucket(t *testing.T, got, want store.Bucket) {
	t.Helper()
	if !got.Minute.Equal(want.Minute) {
		t.Errorf("minute %v, want %v", got.Minute, want.Minute)
	}
	ints := []struct {
		name      string
		got, want int64
	}{
		{"requests", got.Requests, want.Requests},
		{"successes", got.Successes, want.Successes},
		{"finals", got.Finals, want.Finals},
		{"served", got.Served, want.Served},
		{"ttft count", got.TTFTCount, want.TTFTCount},
		{"tokens in", got.TokensIn, want.TokensIn},
		{"tokens out", got.TokensOut, want.TokensOut},
		{"cost micros", got.CostMicros, want.CostMicros},
		{"fallbacks", got.Fallbacks, want.Fallbacks},
		{"skips", got.Skips, want.Skips},
		{"latency µs", got.LatencyUs, want.LatencyUs},
		{"ttft µs", got.TTFTUs, want.TTFTUs},
		{"gen µs", got.GenUs, want.GenUs},
	}
	for _, f := range ints {
		if f.got != f.want {
			t.Errorf("%s = %d, want %d", f.name, f.got, f.want)
		}
	}
	if !reflect.DeepEqual(got.Hist, want.Hist) {
		t.Errorf("histogram = %v, want %v", got.Hist, want.Hist)
	}
	if len(got.Errors) != 0 || len(want.Errors) != 0 {
		if !reflect.DeepEqual(got.Errors, want.Errors) {
			t.Errorf("errors = %v, want %v", got.Errors, want.Errors)
		}
	}
}
