package engine

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// errStreamIdle is the cause with which a stream's idle watch cancels its
// upstream call, told apart from the caller going away and the timeouts.
var errStreamIdle = errors.New("upstream stream idle")

// idleWatch ends a stream whose upstream goes quiet for longer than limit
// (the router's stream_idle_timeout), so that a hung upstream cannot hold
// a caller — and under Lambda a whole execution environment — until the
// request's timeout.
//
// It keeps one timer per stream. An event only records the time (one
// clock read and one atomic store, nothing allocated per chunk); when the
// timer fires it either finds the stream quiet for the whole limit and
// calls onIdle, or arms itself again for the time that remains.
type idleWatch struct {
	limit  time.Duration
	now    func() time.Time
	after  func(time.Duration, func()) func() bool
	onIdle func()

	last atomic.Int64 // Unix nanoseconds of the last event

	mu      sync.Mutex
	stopT   func() bool
	stopped bool
}

// watchIdle starts a watch on the engine's clock and timers; a limit of 0
// or less watches nothing.
func (e *Engine) watchIdle(limit time.Duration, onIdle func()) *idleWatch {
	w := &idleWatch{limit: limit, now: e.deps.Now, after: e.deps.AfterFunc, onIdle: onIdle}
	if limit <= 0 {
		w.stopped = true
		return w
	}
	w.touch()
	w.arm(limit)
	return w
}

// touch records an upstream event.
func (w *idleWatch) touch() {
	if w.limit > 0 {
		w.last.Store(w.now().UnixNano())
	}
}

func (w *idleWatch) arm(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.stopT = w.after(d, w.fire)
	}
}

func (w *idleWatch) fire() {
	quiet := w.now().Sub(time.Unix(0, w.last.Load()))
	if quiet < w.limit {
		w.arm(w.limit - quiet)
		return
	}
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return
	}
	w.stopped = true
	w.mu.Unlock()
	w.onIdle()
}

// stop ends the watch; safe to call more than once.
func (w *idleWatch) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	if w.stopT != nil {
		w.stopT()
	}
}
