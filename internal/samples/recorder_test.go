package samples_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/samples"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// TestRecorderConcurrentRecordAndFlush: every sample recorded before a
// Flush returns is in the store when it returns, with Record and Flush
// racing from many goroutines.
func TestRecorderConcurrentRecordAndFlush(t *testing.T) {
	st := store.NewMemory()
	r := samples.New(st, slog.New(slog.DiscardHandler), samples.Options{})
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				r.Record(store.Sample{Target: "p/m", Router: "r", Time: now, Success: true, Final: true, LatencyMs: 10})
				if i%50 == 0 {
					if err := r.Flush(context.Background()); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := r.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	buckets, _ := st.Buckets(context.Background(), now, now.Add(time.Minute))
	if len(buckets) != 1 || buckets[0].Requests != 1600 || r.Written.Load() != 1600 {
		t.Fatalf("buckets %+v written %d, want 1600 samples", buckets, r.Written.Load())
	}
	r.Close()
	r.Record(store.Sample{Target: "p/m", Router: "r", Time: now, Success: true})
	if err := r.Flush(context.Background()); err != nil || r.Written.Load() != 1601 {
		t.Errorf("a sample recorded after Close was not written: %v %d", err, r.Written.Load())
	}
}
