package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/switchyard-llm/switchyard/internal/store"
)

// windows counts per-minute rate limits (keys' and providers') in shared
// store counters, one per fixed UTC minute ("key#team-a#rpm#29437012"),
// each taken with the store's conditional ADD (Reserve): the counter never
// passes the limit, whatever the number of instances.
//
// To bound store writes for high limits, an instance may take a chunk of
// a window's headroom at once (limit/chunkDivisor, when that is above 1)
// and hand it out in memory: one write per chunk instead of one per
// request. The counter still never passes the limit, so no more than the
// limit is ever served; the trade-off is that headroom one instance holds
// unused is not available to another until the window ends, so at the
// tail of a saturated minute an instance may refuse while another still
// has room (at most (instances−1) × chunk per window). With chunking off
// (Lambda, where containers are many and short-lived), every request is
// one conditional write and the count is exact.
type windows struct {
	st      store.Budgets
	chunked bool

	mu    sync.Mutex
	pools map[string]*pool
}

// pool is one instance's view of one window counter.
type pool struct {
	avail   int64 // taken from the store, not yet handed out
	total   int64 // the counter as last seen (our avail included)
	expires time.Time
	refill  sync.Mutex // one store refill at a time (chunked windows)
}

// chunkDivisor sets the chunk an instance takes when chunking: limit/32,
// so a handful of instances strand little of a window.
const chunkDivisor = 32

// errLimited is a window counter that has no room for a take.
var errLimited = errors.New("rate limit reached")

func newWindows(st store.Budgets, chunked bool) *windows {
	return &windows{st: st, chunked: chunked, pools: map[string]*pool{}}
}

// pool returns counter's pool, dropping pools of ended windows. Called
// with w.mu held.
func (w *windows) pool(counter string, expires, now time.Time) *pool {
	p := w.pools[counter]
	if p == nil {
		for k, old := range w.pools {
			if old.expires.Before(now) {
				delete(w.pools, k)
			}
		}
		p = &pool{expires: expires}
		w.pools[counter] = p
	}
	return p
}

// take holds n units of counter (limit per window ending at end) and
// returns what is left of the limit as this instance knows it. errLimited
// (with remaining 0) when n does not fit; a store failure is returned
// wrapped, nothing held.
func (w *windows) take(ctx context.Context, counter string, n, limit int64, end, now time.Time) (int64, error) {
	if n > limit {
		return max(0, limit-w.seen(counter)), errLimited
	}
	w.mu.Lock()
	p := w.pool(counter, end.Add(counterTTL), now)
	if rem, ok := p.hand(n, limit); ok {
		w.mu.Unlock()
		return rem, nil
	}
	w.mu.Unlock()
	if w.chunked {
		// One refill at a time per counter: the requests of a burst
		// wait for it and share its chunk, instead of each taking a
		// chunk of its own and stranding the rest.
		p.refill.Lock()
		defer p.refill.Unlock()
		w.mu.Lock()
		if rem, ok := p.hand(n, limit); ok {
			w.mu.Unlock()
			return rem, nil
		}
		w.mu.Unlock()
	}
	return w.refill(ctx, p, counter, n, limit, end.Add(counterTTL))
}

// hand gives n units from the pool's headroom if it has them. Called with
// w.mu held.
func (p *pool) hand(n, limit int64) (int64, bool) {
	if p.avail < n {
		return 0, false
	}
	p.avail -= n
	return limit - p.total + p.avail, true
}

// refill takes what n lacks from the store (a chunk when chunking).
func (w *windows) refill(ctx context.Context, p *pool, counter string, n, limit int64, expires time.Time) (int64, error) {
	w.mu.Lock()
	grab := p.avail // use what is left locally, and the rest from the store
	p.avail = 0
	w.mu.Unlock()
	need := n - grab
	ask := need
	if w.chunked {
		ask = max(need, limit/chunkDivisor)
	}
	total, err := w.st.Reserve(ctx, counter, ask, limit, expires)
	// A whole chunk no longer fits: take what room is left, if the
	// request fits in it (a few tries, as other instances take room too).
	for try := 0; try < 2 && ask > need && errors.Is(err, store.ErrBudgetExceeded) && total+need <= limit; try++ {
		ask = max(need, limit-total)
		total, err = w.st.Reserve(ctx, counter, ask, limit, expires)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	p.total = max(p.total, total)
	if err != nil {
		p.avail += grab
		if errors.Is(err, store.ErrBudgetExceeded) {
			return 0, errLimited
		}
		return 0, fmt.Errorf("rate limit counter %s: %w", counter, err)
	}
	p.avail += ask - need
	return limit - p.total + p.avail, nil
}

// seen is counter's total as last seen.
func (w *windows) seen(counter string) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	if p := w.pools[counter]; p != nil {
		return p.total - p.avail
	}
	return 0
}

// give returns n units held from counter but not used (a settlement below
// the estimate, a request refused by a later limit). Chunking keeps them
// for this instance's next requests; otherwise the store counter goes
// down at once, so another instance may use them. Units of a window that
// has ended are dropped: that window counts no more.
func (w *windows) give(ctx context.Context, counter string, n int64, end, now time.Time) error {
	expires := end.Add(counterTTL)
	if n <= 0 || !now.Before(end) {
		return nil
	}
	if w.chunked {
		w.mu.Lock()
		if p := w.pools[counter]; p != nil {
			p.avail += n
			w.mu.Unlock()
			return nil
		}
		w.mu.Unlock()
	}
	if err := w.st.Adjust(ctx, counter, -n, expires); err != nil {
		return fmt.Errorf("rate limit counter %s: give back %d: %w", counter, n, err)
	}
	return nil
}

// spend counts n more units than were held (usage above the estimate):
// they were used whatever the limit says, so the counter takes them
// unconditionally, from local headroom first.
func (w *windows) spend(ctx context.Context, counter string, n int64, end, now time.Time) error {
	expires := end.Add(counterTTL)
	if n <= 0 || !now.Before(end) {
		return nil
	}
	w.mu.Lock()
	if p := w.pools[counter]; p != nil && p.avail > 0 {
		from := min(p.avail, n)
		p.avail -= from
		n -= from
	}
	if p := w.pools[counter]; p != nil {
		p.total += n
	}
	w.mu.Unlock()
	if n == 0 {
		return nil
	}
	if err := w.st.Adjust(ctx, counter, n, expires); err != nil {
		return fmt.Errorf("rate limit counter %s: add %d: %w", counter, n, err)
	}
	return nil
}

// minute is the window holding now: its start and its end.
func minute(now time.Time) (start, end time.Time) {
	start = now.UTC().Truncate(time.Minute)
	return start, start.Add(time.Minute)
}

// windowCounter names a window's store counter: "<prefix>#<minute since
// the epoch>".
func windowCounter(prefix string, start time.Time) string {
	return prefix + "#" + strconv.FormatInt(start.Unix()/60, 10)
}

// counterTTL keeps a window counter readable a little past its minute (a
// settlement may arrive late), then lets the store drop it.
const counterTTL = 2 * time.Minute

// RateWindows is the rate-limit headroom a process holds (chunked windows),
// shared by the engines it builds so that a config reload neither strands
// the old engine's chunks nor takes new ones. The zero value is ready; it
// binds to the store and mode of the first engine that uses it.
type RateWindows struct {
	once sync.Once
	w    *windows
}

func (r *RateWindows) get(st store.Budgets, chunked bool) *windows {
	if r == nil {
		return newWindows(st, chunked)
	}
	r.once.Do(func() { r.w = newWindows(st, chunked) })
	return r.w
}
