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
// the buffer is full or the store fails, samples are dropped and counted:
// metrics must never fail or slow a request.
//
// Record only appends to a buffer; a background writer drains it every
// recordEvery or when Flush asks, so a request costs no goroutine wake-up.
type Recorder struct {
	st   store.Metrics
	log  *slog.Logger
	kick chan struct{}
	stop chan struct{}
	done chan struct{}

	mu       sync.Mutex
	buf      []store.Sample
	closed   bool
	inflight int           // samples taken from buf and being written
	drained  chan struct{} // closed when buf and inflight are both empty; made by Flush

	// tee also gets every sample, in process (Deps.Metrics); nil: none.
	tee func(store.Sample)

	// Written, Dropped and Failed count samples: written to the store,
	// dropped because the buffer was full, and lost because the store
	// failed.
	Written, Dropped, Failed atomic.Int64
}

// recorderQueue bounds memory held by unwritten samples.
const recorderQueue = 4096

// recordEvery is how often the writer drains the buffer on its own.
const recordEvery = 100 * time.Millisecond

// sampleTimeout bounds one sample write; FailFast ends a call to an
// unreachable store well within it.
const sampleTimeout = 2 * time.Second

// NewRecorder starts a recorder writing to st.
func NewRecorder(st store.Metrics, log *slog.Logger) *Recorder {
	r := &Recorder{st: st, log: log, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go r.run()
	return r
}

// Record buffers s. It never blocks.
func (r *Recorder) Record(s store.Sample) {
	if r.tee != nil {
		r.tee(s)
	}
	r.mu.Lock()
	if len(r.buf) >= recorderQueue {
		r.mu.Unlock()
		r.Dropped.Add(1)
		return
	}
	r.buf = append(r.buf, s)
	closed := r.closed
	r.mu.Unlock()
	if closed {
		// The engine was retired (a config reload) while this request was
		// in flight on it: the request still counts, so write its sample
		// now rather than lose it.
		go r.drain()
	}
}

func (r *Recorder) run() {
	defer close(r.done)
	t := time.NewTicker(recordEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-r.kick:
		case <-r.stop:
			r.drain()
			return
		}
		r.drain()
	}
}

// drain writes everything buffered.
func (r *Recorder) drain() {
	r.mu.Lock()
	batch := r.buf
	r.buf = nil
	r.inflight += len(batch)
	r.mu.Unlock()
	for _, s := range batch {
		r.write(s)
	}
	r.mu.Lock()
	r.inflight -= len(batch)
	if len(r.buf) == 0 && r.inflight == 0 && r.drained != nil {
		close(r.drained)
		r.drained = nil
	}
	r.mu.Unlock()
}

func (r *Recorder) write(s store.Sample) {
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

// Flush writes what is buffered and waits until it is written, or ctx
// ends. Lambda calls it after a response is sent, before the instance may
// freeze.
func (r *Recorder) Flush(ctx context.Context) error {
	r.mu.Lock()
	if len(r.buf) == 0 && r.inflight == 0 {
		r.mu.Unlock()
		return nil
	}
	if r.drained == nil {
		r.drained = make(chan struct{})
	}
	ch, closed := r.drained, r.closed
	r.mu.Unlock()
	if closed {
		go r.drain()
	} else {
		select {
		case r.kick <- struct{}{}:
		default: // a drain is already asked for
		}
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes what is buffered and stops the background writer. Samples
// recorded afterwards are written as they come (see Record).
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
