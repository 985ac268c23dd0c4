package aggregate_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/aggregate"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// countingMetrics counts bucket reads (the expensive part of a roll-up).
type countingMetrics struct {
	store.Metrics
	reads int
}

func (c *countingMetrics) Buckets(ctx context.Context, from, to time.Time) ([]store.Bucket, error) {
	c.reads++
	return c.Metrics.Buckets(ctx, from, to)
}

// TestLoopTick: a tick flushes first (so the instance's last samples
// count), rolls up, then tells the engine; it skips the roll-up, but still
// tells the engine, when stats were rolled up within Fresh by someone else.
func TestLoopTick(t *testing.T) {
	ctx := context.Background()
	m := &countingMetrics{Metrics: store.NewMemory()}
	clock := now
	var order []string
	l := &aggregate.Loop{Metrics: m, Now: func() time.Time { return clock }, Fresh: 30 * time.Second,
		Flush: func(ctx context.Context) error {
			order = append(order, "flush")
			return m.AddSample(ctx, store.Sample{Target: "p/m", Time: clock, Success: true, Final: true, LatencyMs: 12})
		},
		Rolled: func(context.Context) error { order = append(order, "rolled"); return nil }}

	steps := []struct {
		name      string
		advance   time.Duration
		wantReads int
		wantReqs  int64
	}{
		{"first tick rolls up the flushed sample", 0, 1, 1},
		{"10 s later the stats are fresh: skipped", 10 * time.Second, 1, 1},
		{"30 s after the roll-up: rolls up again", 20 * time.Second, 2, 3},
	}
	for _, s := range steps {
		clock = clock.Add(s.advance)
		if err := l.Tick(ctx); err != nil {
			t.Fatalf("%s: Tick: %v", s.name, err)
		}
		stats, _ := m.LoadStats(ctx)
		if got := find(t, stats, "p/m", "5m").Requests; m.reads != s.wantReads || got != s.wantReqs {
			t.Errorf("%s: %d bucket reads, %d requests in stats; want %d, %d", s.name, m.reads, got, s.wantReads, s.wantReqs)
		}
	}
	want := "flush rolled flush rolled flush rolled"
	if got := strings.Join(order, " "); got != want {
		t.Errorf("hooks ran %q, want %q", got, want)
	}
}

// TestLoopRunStops: Run returns when its ticks close or ctx ends.
func TestLoopRunStops(t *testing.T) {
	l := &aggregate.Loop{Metrics: store.NewMemory(), Now: func() time.Time { return now }}
	ticks := make(chan time.Time)
	done := make(chan struct{})
	go func() { l.Run(context.Background(), ticks); close(done) }()
	ticks <- now
	close(ticks)
	<-done

	ctx, cancel := context.WithCancel(context.Background())
	done = make(chan struct{})
	go func() { l.Run(ctx, make(chan time.Time)); close(done) }()
	cancel()
	<-done
}
