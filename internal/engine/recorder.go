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
	st    store.Metrics
	log   *slog.Logger
	queue chan store.Sample
	stop  chan struct{}
	done  chan struct{}

	// mu guards closed, pending and idle. Record and Flush run
	// concurrently (the local server flushes on a timer while serving), so
	// pending is counted here rather than in a sync.WaitGroup, whose Add
	// must not race with Wait.
	mu      sync.Mutex
	closed  bool
	pending int           // samples queued or being written
	idle    chan struct{} // closed when pending drops to 0; nil while it is 0

	// Written, Dropped and Failed count samples: written to the store,
	// dropped because the queue was full, and lost because the store
	// failed.
	Written, Dropped, Failed atomic.Int64
}

// recorderQueue bounds memory held by unwritten samples.
const recorderQueue = 4096

// sampleTimeout bounds one sample write; FailFast ends a call to an
// unreachable store well within it.
const sampleTimeout = 2 * time.Second

// NewRecorder starts a recorder writing to st.
func NewRecorder(st store.Metrics, log *slog.Logger) *Recorder {
	r := &Recorder{st: st, log: log, queue: make(chan store.Sample, recorderQueue), stop: make(chan struct{}), done: make(chan struct{})}
	go r.run()
	return r
}

// Record queues s. It never blocks.
func (r *Recorder) Record(s store.Sample) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		// The engine was retired (a config reload) while this request was
		// in flight on it: the request still counts, so write its sample
		// directly rather than lose it.
		r.begin()
		go r.write(s)
		return
	}
	select {
	case r.queue <- s:
		r.begin()
	default:
		r.Dropped.Add(1)
	}
}

// begin counts a sample in; r.mu is held.
func (r *Recorder) begin() {
	r.pending++
	if r.idle == nil {
		r.idle = make(chan struct{})
	}
}

// end counts a sample out.
func (r *Recorder) end() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending--
	if r.pending == 0 {
		close(r.idle)
		r.idle = nil
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
	defer r.end()
	ctx, cancel := context.WithTimeout(context.Background(), sampleTimeout)
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

// Flush waits until no sample is queued or being written, or ctx ends.
// Lambda calls it after a response is sent, before the instance may
// freeze.
func (r *Recorder) Flush(ctx context.Context) error {
	r.mu.Lock()
	idle := r.idle
	r.mu.Unlock()
	if idle == nil {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes what is queued and stops the background writer. Samples
// recorded afterwards are written one by one (see Record).
func (r *Recorder) Close() {
	r.mu.Lock()
	already := r.closed
	r.closed = true
	r.mu.Unlock()
	if !already {
		close(r.stop)
		<-r.done
	}
}
