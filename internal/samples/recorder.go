package samples

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard-llm/switchyard/internal/store"
)

// Recorder writes metric samples to the store off the request path, summed
// per subject and minute: a container writes each bucket it touched once
// per flush interval (store.AddBuckets), not once per sample, so that a
// bucket item's write rate grows with the number of containers, not with
// the request rate (docs/scale.md). When the buffer is full or the store
// fails, samples are dropped and counted: metrics must never fail or slow
// a request.
//
// Record only appends to a buffer. A background goroutine sums the buffer
// every recordEvery and writes the sums once the interval (Every) has
// passed since the last write; FlushDue does the same on demand (Lambda,
// after each invocation: the background goroutine is frozen between
// them), Flush writes everything at once.
type Recorder struct {
	st    store.Metrics
	obs   store.SampleObserver // st, when it wants each sample (EMF)
	log   *slog.Logger
	now   func() time.Time
	every time.Duration
	stop  chan struct{}
	done  chan struct{}

	// summing is held from taking the buffer to holding its samples in
	// sums, and by a flush from its own summing to its snapshot of sums:
	// without it, a flush could snapshot while another goroutine (the
	// background tick) held samples it had taken from buf but not yet
	// summed, and return without them.
	summing sync.Mutex

	mu        sync.Mutex
	buf       []store.Sample
	spare     []store.Sample           // the last batch summed, emptied: buf's next array
	sums      map[sumKey]*store.Bucket // summed, not yet written
	lastWrite time.Time
	closed    bool
	writing   int           // writes under way
	drained   chan struct{} // closed when no write is under way; made by a waiting flush

	// tee also gets every sample, in process (Options.Tee); nil: none.
	tee func(store.Sample)
	// onDemand: no background tick (Options.OnDemand).
	onDemand bool

	// Written, Dropped and Failed count samples: written to the store (as
	// part of a sum), dropped because the buffer was full, and lost
	// because the store failed.
	Written, Dropped, Failed atomic.Int64
}

// sumKey is a bucket's subject (store.Sample.Subject) and minute, kept as
// its parts: a sample finds its bucket without building the subject.
type sumKey struct {
	target, router, arm string
	minute              int64
}

// recorderQueue bounds memory held by samples not yet summed.
const recorderQueue = 4096

// recordEvery is how often the background goroutine sums the buffer and
// checks whether a write is due.
const recordEvery = 100 * time.Millisecond

// DefaultFlushEvery is how often a recorder writes its sums unless told
// otherwise (Options.Every; the engine's Deps.MetricsFlushEvery). With
// MetricShards shards, one bucket item takes containers ÷ 20 s ÷ 8 writes per second at most:
// 1,000 containers make 6.25/s, 60,000 make 375/s (docs/scale.md).
const DefaultFlushEvery = 20 * time.Second

// sampleTimeout bounds one bucket write; FailFast ends a call to an
// unreachable store well within it.
const sampleTimeout = 2 * time.Second

// Options tune a recorder; zero fields take the defaults.
type Options struct {
	// Now is the clock the flush interval is measured on; default time.Now.
	Now func() time.Time
	// Every is the flush interval; default DefaultFlushEvery.
	Every time.Duration
	// Tee also gets every sample as it is recorded, in process (the
	// engine's Deps.Metrics); nil: none. It must not block.
	Tee func(store.Sample)
	// OnDemand leaves writing to the owner's FlushDue and Flush calls: no
	// background tick. Under Lambda the owner flushes after every
	// invocation, and the process is frozen between them, so a tick would
	// only race those flushes: it could take a due write a moment before
	// an invocation recorded its sample, leaving that sample for the next
	// interval (or a recycled container).
	OnDemand bool
}

// New starts a recorder writing to st.
func New(st store.Metrics, log *slog.Logger, o Options) *Recorder {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Every <= 0 {
		o.Every = DefaultFlushEvery
	}
	r := &Recorder{st: st, log: log, now: o.Now, every: o.Every, stop: make(chan struct{}), done: make(chan struct{}),
		sums: map[sumKey]*store.Bucket{}, tee: o.Tee, onDemand: o.OnDemand}
	r.obs, _ = st.(store.SampleObserver)
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
		go func() { _ = r.Flush(context.Background()) }()
	}
}

func (r *Recorder) run() {
	defer close(r.done)
	var tick <-chan time.Time // nil, never ready, when on demand
	if !r.onDemand {
		t := time.NewTicker(recordEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-tick:
			_ = r.flush(context.Background(), false, false)
		case <-r.stop:
			_ = r.flush(context.Background(), true, false)
			return
		}
	}
}

// sum moves the buffered samples into the sums, showing each to the
// observer first (outside mu: it prints). Called with summing held.
func (r *Recorder) sum() {
	r.mu.Lock()
	batch := r.buf
	if len(batch) == 0 {
		r.mu.Unlock()
		return
	}
	// Two arrays take turns as the buffer (summing is serialised): a
	// request's Record appends without growing a new one after each sum,
	// which at 1000 requests/s was 400 bytes of garbage per request.
	r.buf, r.spare = r.spare[:0], nil
	r.mu.Unlock()
	if r.obs != nil {
		for _, s := range batch {
			r.obs.ObserveSample(s)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range batch {
		k := sumKey{s.Target, s.Router, s.Arm, s.Minute().Unix()}
		if cur := r.sums[k]; cur != nil {
			cur.Apply(s)
		} else {
			b := store.BucketOf(s)
			r.sums[k] = &b
		}
	}
	if cap(batch) <= spareMax { // a burst's array is let go
		clear(batch) // drop the strings it holds
		r.spare = batch[:0]
	}
}

// spareMax is the largest buffer array kept for reuse: a 100 ms tick at
// 1000 requests/s sums about 100 samples.
const spareMax = 512

// flush sums the buffer, writes the sums when all is set or the interval
// has passed since the last write, and, when wait is set, returns only
// once no write is under way (so everything recorded before the call is
// in the store) or ctx ends. ctx bounds the wait for writes, not for a
// summing under way (which only shows samples to the observer).
func (r *Recorder) flush(ctx context.Context, all, wait bool) error {
	r.summing.Lock()
	r.sum()
	r.mu.Lock()
	var todo []store.Bucket
	if len(r.sums) > 0 && (all || r.now().Sub(r.lastWrite) >= r.every) {
		todo = make([]store.Bucket, 0, len(r.sums))
		for _, b := range r.sums {
			todo = append(todo, *b)
		}
		r.sums = map[sumKey]*store.Bucket{}
		r.lastWrite = r.now()
		r.writing++
	}
	r.mu.Unlock()
	r.summing.Unlock()
	if todo != nil {
		r.write(ctx, todo)
	}
	if !wait {
		return nil
	}
	r.mu.Lock()
	if r.writing == 0 {
		r.mu.Unlock()
		return nil
	}
	if r.drained == nil {
		r.drained = make(chan struct{})
	}
	ch := r.drained
	r.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// write stores the sums, one bucket at a time so that a failure is
// counted against the samples it lost. A failed write is not retried: its
// ADD may have been applied, and a sum counted twice is worse than one
// lost.
func (r *Recorder) write(ctx context.Context, todo []store.Bucket) {
	defer func() {
		r.mu.Lock()
		r.writing--
		if r.writing == 0 && r.drained != nil {
			close(r.drained)
			r.drained = nil
		}
		r.mu.Unlock()
	}()
	for _, b := range todo {
		// A write outlives the caller's cancellation (the sums are taken)
		// but not sampleTimeout.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sampleTimeout)
		err := r.st.AddBuckets(wctx, []store.Bucket{b})
		cancel()
		if err != nil {
			n := r.Failed.Add(b.Requests)
			r.log.Warn("metric write failed; samples dropped", "subject", b.Subject, "samples", b.Requests, "failed_total", n, "err", err)
			continue
		}
		r.Written.Add(b.Requests)
	}
}

// Flush writes everything recorded so far and waits until it is written,
// or ctx ends. Tests, the roll-up loop and a retiring engine use it.
func (r *Recorder) Flush(ctx context.Context) error {
	return r.flush(ctx, true, true)
}

// FlushDue writes the sums if the flush interval has passed since the last
// write, and waits for it. Lambda calls it (through Engine.Flush) after
// each invocation: the background goroutine does not run while the
// container is frozen, so without it a busy container's sums would wait
// for an invocation that finds the goroutine awake.
func (r *Recorder) FlushDue(ctx context.Context) error {
	return r.flush(ctx, false, true)
}

// Pending is the number of samples recorded but not yet written (those
// being summed included: it waits for the summing).
func (r *Recorder) Pending() int64 {
	r.summing.Lock()
	defer r.summing.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	n := int64(len(r.buf))
	for _, b := range r.sums {
		n += b.Requests
	}
	return n
}

// Close writes everything recorded and stops the background goroutine.
// Samples recorded afterwards are written as they come (see Record).
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
