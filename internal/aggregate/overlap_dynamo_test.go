package aggregate_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/aggregate"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// barrier makes aggregator runs overlap for certain: each run, once it
// has read its buckets, waits until every run has read, so all of them
// read before any writes, and then they write their stats at once.
type barrier struct {
	store.Metrics
	read *sync.WaitGroup
}

func (b *barrier) Buckets(ctx context.Context, from, to time.Time) ([]store.Bucket, error) {
	buckets, err := b.Metrics.Buckets(ctx, from, to)
	b.read.Done()
	b.read.Wait()
	return buckets, err
}

// TestOverlappingRunsOnDynalite: aggregator invocations that overlap (a
// slow run still writing when the next minute's starts, or a retried
// invocation) leave in DynamoDB exactly the stats one run leaves.
func TestOverlappingRunsOnDynalite(t *testing.T) {
	ctx := context.Background()
	client := testenv.DynamoClient(t, testenv.Dynalite(t), dynamo.FailFast)
	seq := 0
	newLoaded := func(t *testing.T) *dynamo.Store {
		t.Helper()
		seq++
		p := fmt.Sprintf("ovl%d", seq)
		tables := dynamo.Tables{Config: p + "-config", State: p + "-state", Metrics: p + "-metrics"}
		if err := dynamo.CreateTables(ctx, client, tables); err != nil {
			t.Fatalf("CreateTables: %v", err)
		}
		s := dynamo.New(client, tables)
		load(t, s)
		return s
	}
	loadStats := func(t *testing.T, s *dynamo.Store) []store.Stats {
		t.Helper()
		stats, err := s.LoadStats(ctx)
		if err != nil {
			t.Fatalf("LoadStats: %v", err)
		}
		return stats
	}

	cases := []struct {
		name string
		nows []time.Time // one run each, all overlapping
	}{
		{"two runs at the same time", []time.Time{now, now}},
		{"two runs in the same minute", []time.Time{now, now.Add(29 * time.Second)}},
		{"four runs", []time.Time{now, now.Add(5 * time.Second), now.Add(10 * time.Second), now.Add(29 * time.Second)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			single := newLoaded(t)
			if _, err := aggregate.Run(ctx, single, now); err != nil {
				t.Fatalf("single Run: %v", err)
			}
			want := loadStats(t, single)

			overlapped := newLoaded(t)
			var read sync.WaitGroup
			read.Add(len(c.nows))
			gate := &barrier{Metrics: overlapped, read: &read}
			var wg sync.WaitGroup
			errs := make([]error, len(c.nows))
			for i, n := range c.nows {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = aggregate.Run(ctx, gate, n)
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("Run %d: %v", i+1, err)
				}
			}
			got := loadStats(t, overlapped)

			// updated_at is the now of whichever run wrote the item last;
			// every figure must be the single run's.
			runs := map[time.Time]bool{}
			for _, n := range c.nows {
				runs[n.UTC()] = true
			}
			for i := range got {
				if !runs[got[i].UpdatedAt.UTC()] {
					t.Errorf("%s/%s updated_at %v is no run's now", got[i].Subject, got[i].Window, got[i].UpdatedAt)
				}
				got[i].UpdatedAt = now
			}
			compareStats(t, got, sortedLikeStore(expected), now)
			if len(got) != len(want) {
				t.Fatalf("overlapping runs left %d stats, one run %d", len(got), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Errorf("overlapping runs left %s/%s as\n %+v\none run as\n %+v", got[i].Subject, got[i].Window, got[i], want[i])
				}
			}
		})
	}
}
