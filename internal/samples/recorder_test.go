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

// observingStore holds the first sample the recorder shows it until
// release closes: the recorder's background tick has then taken the
// sample from its buffer but not yet summed it.
type observingStore struct {
	*store.Memory
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func (s *observingStore) ObserveSample(store.Sample) {
	s.once.Do(func() {
		close(s.entered)
		<-s.release
	})
}

// TestFlushWaitsForSamplesBeingSummed: a Flush that starts while the
// background tick is summing a sample returns only once that sample is
// written. (It used to return at once with nothing written, and the
// sample waited for the next due flush: under Lambda, for an invocation
// that might never come. TestConcurrentInvocations caught it, rarely.)
func TestFlushWaitsForSamplesBeingSummed(t *testing.T) {
	st := &observingStore{Memory: store.NewMemory(), entered: make(chan struct{}), release: make(chan struct{})}
	r := samples.New(st, slog.New(slog.DiscardHandler), samples.Options{})
	defer r.Close()
	var released sync.Once
	release := func() { released.Do(func() { close(st.release) }) }
	defer release() // before Close, even when the test fails: the tick is held until then
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	r.Record(store.Sample{Target: "p/m", Router: "r", Time: now, Success: true, Final: true, LatencyMs: 10})
	<-st.entered // the background tick holds the sample
	flushed := make(chan int64, 1)
	go func() {
		if err := r.Flush(context.Background()); err != nil {
			t.Error(err)
		}
		flushed <- r.Written.Load()
	}()
	select {
	case n := <-flushed:
		t.Fatalf("Flush returned (%d written) while a recorded sample was still being summed", n)
	case <-time.After(50 * time.Millisecond):
		// Not a synchronisation: a correct Flush waits however long this
		// is; a broken one has returned by now.
	}
	release()
	if n := <-flushed; n != 1 {
		t.Errorf("Flush wrote %d samples, want the 1 recorded before it", n)
	}
}

// TestOnDemandWritesOnlyWhenAsked: an on-demand recorder (Lambda's) has no
// tick to take a due write from under its owner: the owner's FlushDue
// writes every sample recorded before it once the interval has passed,
// and nothing before then.
func TestOnDemandWritesOnlyWhenAsked(t *testing.T) {
	st := store.NewMemory()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	r := samples.New(st, slog.New(slog.DiscardHandler), samples.Options{Now: clock, Every: time.Minute, OnDemand: true})
	defer r.Close()
	rec := func() {
		r.Record(store.Sample{Target: "p/m", Router: "r", Time: clock(), Success: true, Final: true, LatencyMs: 10})
	}
	rec()
	if err := r.FlushDue(context.Background()); err != nil || r.Written.Load() != 1 {
		t.Fatalf("first due flush wrote %d, %v", r.Written.Load(), err)
	}
	rec()
	if err := r.FlushDue(context.Background()); err != nil || r.Written.Load() != 1 || r.Pending() != 1 {
		t.Fatalf("a flush before the interval wrote: %d written, %d pending", r.Written.Load(), r.Pending())
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	rec()
	if err := r.FlushDue(context.Background()); err != nil || r.Written.Load() != 3 || r.Pending() != 0 {
		t.Fatalf("the due flush left samples: %d written, %d pending", r.Written.Load(), r.Pending())
	}
}

// TestRecordReusesTheBuffer: once a sum has taken the buffer, the next
// samples go into the array the sum before it emptied, so recording a
// request's sample allocates nothing in the steady state (it was 400 bytes
// a request at 1000 requests/s, all garbage for the collector).
func TestRecordReusesTheBuffer(t *testing.T) {
	st := store.NewMemory()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	r := samples.New(st, slog.New(slog.DiscardHandler), samples.Options{Now: func() time.Time { return now }, Every: time.Hour, OnDemand: true})
	defer r.Close()
	s := store.Sample{Target: "p/m", Router: "r", Time: now, Success: true, Final: true, LatencyMs: 10}
	cycles := 0
	cycle := func() {
		cycles++
		for range 100 {
			r.Record(s)
		}
		// After the first, not due (an hour's interval): sums the buffer,
		// writes nothing.
		if err := r.FlushDue(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	cycle()
	cycle() // both arrays have grown
	if n := testing.AllocsPerRun(20, cycle); n > 1 {
		t.Fatalf("recording 100 samples and summing them allocated %.0f times; want the buffers reused", n)
	}
	// The first flush wrote (nothing had been written yet); the rest are
	// held, summed.
	if got, want := r.Written.Load()+r.Pending(), int64(100*cycles); got != want {
		t.Fatalf("written and pending %d, want %d: a sample was lost", got, want)
	}
}
