package engine

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard-llm/switchyard/internal/store"
)

// Recorder writes metric samples to the store off the request path. When
// the queue is full or the store fails, samples are dropped and counted:
// metrics must never fail or slow a request.
type Recorder struct {
	st      store.Metrics
	log     *slog.Logger
	queue   chan store.Sample
	pending sync.WaitGroup
	closed  atomic.Bool
	stop    chan struct{}
	done    chan struct{}

	// Written, Dropped and Failed count samples.
	Written, Dropped, Failed atomic.Int64
}

// recorderQueue bounds memory held by unwritten samples.
const recorderQueue = 4096

// NewRecorder starts a recorder writing to st.
func NewRecorder(st store.Metrics, log *slog.Logger) *Recorder {
	r := &Recorder{st: st, log: log, queue: make(chan store.Sample, recorderQueue), stop: make(chan struct{}), done: make(chan struct{})}
	go r.run()
	return r
}

// Record queues s.
func (r *Recorder) Record(s store.Sample) {
	if r.closed.Load() {
		r.Dropped.Add(1)
		return
	}
	r.pending.Add(1)
	select {
	case r.queue <- s:
	default:
		r.pending.Done()
		r.Dropped.Add(1)
	}
}

func (r *Recorder) run() {
	defer close(r.done)
	for {
		select {
		case s := <-r.queue:
			r.write(s)
		case <-r.stop:
			for {
				select {
				case s := <-r.queue:
					r.write(s)
				default:
					return
				}
			}
		}
	}
}

func (r *Recorder) write(s store.Sample) {
	defer r.pending.Done()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := r.st.AddSample(ctx, s); err != nil {
		n := r.Failed.Add(1)
		if n == 1 || n%100 == 0 {
			r.log.Warn("metric write failed; sample dropped", "target", s.Target, "failed_total", n, "err", err)
		}
		return
	}
	r.Written.Add(1)
}

// Flush waits until every queued sample is written or ctx ends. Lambda
// calls it after a response is sent, before the instance may freeze.
func (r *Recorder) Flush(ctx context.Context) error {
	ch := make(chan struct{})
	go func() { r.pending.Wait(); close(ch) }()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes what is queued and stops.
func (r *Recorder) Close() {
	if r.closed.CompareAndSwap(false, true) {
		close(r.stop)
		<-r.done
	}
}
