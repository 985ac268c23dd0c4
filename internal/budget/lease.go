package budget

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// Budget leases (lease_usd, docs/scale-budgets.md). Without them every
// reservation is a conditional ADD on the budget's one counter item, and
// DynamoDB serves about 1,000 writes a second per item. With them an
// instance takes a chunk of headroom from the counter (the same
// conditional ADD, so the limit still holds across instances), holds and
// settles reservations against it in memory, and gives back what it did
// not use when the chunk's term ends: the counter sees two writes per
// chunk per instance instead of one or two per request.
//
// A lease record in the store carries a high-water mark of the holder's
// spend (settled + held). The holder raises it before any reservation
// would pass it, so the mark is never below what was really spent or is
// in flight; if the holder dies, any instance that runs short of
// headroom reclaims the lease once its grace is over and gets back
// Granted − mark. That never undercounts, and under settleEach (Lambda)
// the mark is lowered to the exact spend as each request settles, so a
// container frozen or reaped after its response leaves no phantom spend.

// leaseTerm is how long an instance reserves against one lease before it
// returns it and takes another: it bounds how long headroom lent to an
// instance that stops serving (a frozen Lambda container) is out of
// reach, while that instance lives.
const leaseTerm = time.Minute

// leaseGrace is how long after its term a lease may still have
// reservations in flight (requests run at most a few minutes): only then
// may another instance reclaim it.
const leaseGrace = 15 * time.Minute

// leaseReclaimEvery is how often at most an engine lists a counter's
// leases to reclaim dead ones.
const leaseReclaimEvery = 10 * time.Second

// leaseMarkSteps: the mark is raised a quarter of the lease ahead of the
// spend, so a busy holder reports about four times per lease.
const leaseMarkSteps = 4

// lease is one chunk of headroom this instance holds.
type lease struct {
	store.Lease // Counter, Holder, Granted, CounterExpires as taken
	useUntil    time.Time
	settled     int64 // real cost of the reservations settled on it
	held        int64 // reservations in flight
	seq         int64 // last report sequence number handed out
	markSeq     int64 // sequence number of the mark the store holds
	mark        int64 // the high-water mark the store holds
	returned    bool  // closed in the store: late settlements go to the counter
	retired     bool  // no new reservations (term over, or too small)
}

func (l *lease) used() int64 { return addMicros(l.settled, l.held) }

// leasing is the budgets' lease state.
type leasing struct {
	holder  string            // this engine's prefix of lease holder names
	seq     atomic.Int64      // lease numbers
	current map[string]*lease // counter -> the lease being spent
	retired []*lease          // retired leases whose return failed, to retry
	takeMu  sync.Map          // counter -> *sync.Mutex: one lease taken at a time
	// reclaimed is when this engine last looked for dead leases per
	// counter: an exhausted budget refuses every request, and each
	// refusal need not list the leases again.
	reclaimed map[string]time.Time
}

func newLeasing() leasing {
	return leasing{holder: fmt.Sprintf("%x", rand.Uint64()), current: map[string]*lease{}, reclaimed: map[string]time.Time{}}
}

// fromLeaseOrLock holds micros on this instance's lease on key when one
// fits (unlock nil: it or over is the answer). Otherwise it returns with
// the key's take lock held, having tried the lease once more under it
// (another request may have taken a lease while this one waited): the
// caller takes a new lease, then calls unlock.
func (b *Ledger) fromLeaseOrLock(ctx context.Context, bud config.Budget, key string, expires time.Time, micros int64) (*reserved, *Exceeded, func()) {
	if it, err := b.fromLease(ctx, key, expires, micros); it != nil || err != nil {
		if err != nil {
			return nil, b.storeFailed(bud, micros, err), nil
		}
		return it, nil, nil
	}
	v, _ := b.takeMu.LoadOrStore(key, &sync.Mutex{})
	mu := v.(*sync.Mutex)
	mu.Lock()
	if it, err := b.fromLease(ctx, key, expires, micros); it != nil || err != nil {
		mu.Unlock()
		if err != nil {
			return nil, b.storeFailed(bud, micros, err), nil
		}
		return it, nil, nil
	}
	return nil, nil, mu.Unlock
}

// reserveLeased holds micros against this instance's lease on key,
// taking a lease when it has none that fits. When no whole lease fits
// under the limit, the reservation goes on the counter itself, so the
// budget can still be spent to its last cent.
func (b *Ledger) reserveLeased(ctx context.Context, bud config.Budget, key string, expires time.Time, micros, limit, chunk int64) (*reserved, *Exceeded) {
	it, over, unlock := b.fromLeaseOrLock(ctx, bud, key, expires, micros)
	if unlock == nil {
		return it, over
	}
	defer unlock()
	if micros >= chunk {
		// A lease of one request would cost a record write on top of
		// the counter's: reserve it on the counter.
		return b.reserveCounter(ctx, bud, key, expires, micros, limit)
	}
	b.retireLease(ctx, key)
	l, err := b.tryLease(ctx, key, expires, chunk, micros, limit, false)
	if errors.Is(err, store.ErrBudgetExceeded) {
		// Less than a lease left under the limit: this request alone,
		// on the counter, so the budget can be spent to its last cent.
		it, over := b.reserveCounter(ctx, bud, key, expires, micros, limit)
		if over == nil || over.StoreErr != nil || b.reclaim(ctx, key) == 0 {
			return it, over
		}
		// Dead instances' leases came back: try again.
		if l, err = b.tryLease(ctx, key, expires, chunk, micros, limit, true); errors.Is(err, store.ErrBudgetExceeded) {
			return b.reserveCounter(ctx, bud, key, expires, micros, limit)
		}
	}
	switch {
	case err == nil:
		return &reserved{key: key, micros: micros, expires: expires, lease: l}, nil
	case errors.Is(err, store.ErrNegativeReservation):
		return nil, &Exceeded{Budget: bud}
	default:
		return nil, b.storeFailed(bud, micros, err)
	}
}

// tryLease takes a lease unless the counter's last known total says it
// cannot fit (fresh: ask the store anyway), sparing an exhausted budget a
// refused lease write on top of each request's own.
func (b *Ledger) tryLease(ctx context.Context, key string, expires time.Time, chunk, micros, limit int64, fresh bool) (*lease, error) {
	b.mu.Lock()
	known, ok := b.spent[key]
	b.mu.Unlock()
	if !fresh && ok && known > limit-chunk {
		return nil, store.ErrBudgetExceeded
	}
	return b.takeLease(ctx, key, expires, chunk, micros, limit)
}

// fromLease holds micros on key's current lease if it fits, first raising
// the lease's mark in the store when the reservation would pass it. nil,
// nil when there is no lease it fits.
func (b *Ledger) fromLease(ctx context.Context, key string, expires time.Time, micros int64) (*reserved, error) {
	b.mu.Lock()
	l := b.current[key]
	if l == nil || l.retired || !b.now().Before(l.useUntil) || l.Granted-l.used() < micros {
		b.mu.Unlock()
		return nil, nil
	}
	l.held += micros
	it := &reserved{key: key, micros: micros, expires: expires, lease: l}
	if l.used() <= l.mark {
		b.mu.Unlock()
		return it, nil
	}
	rep := b.nextMark(l, min(l.Granted, l.used()+l.Granted/leaseMarkSteps))
	b.mu.Unlock()
	if err := b.report(ctx, l, rep); err != nil {
		// Unrecorded, the reservation could be lost with this process.
		b.mu.Lock()
		l.held -= micros
		b.mu.Unlock()
		return nil, err
	}
	return it, nil
}

// leaseFits reports whether micros fits this instance's lease on key, as
// fromLease would find it (for explain: the counter counts the whole
// lease as spent).
func (b *Ledger) leaseFits(key string, micros int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.current[key]
	return l != nil && !l.retired && b.now().Before(l.useUntil) && micros >= 0 && l.Granted-l.used() >= micros
}

// nextMark is a report of mark on l; b.mu held.
func (b *Ledger) nextMark(l *lease, mark int64) store.Lease {
	l.seq++
	rep := l.Lease
	rep.Used, rep.Seq = mark, l.seq
	return rep
}

// report writes rep and, once written, makes it l's mark.
func (b *Ledger) report(ctx context.Context, l *lease, rep store.Lease) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := b.storeOf(rep.Counter).ReportLease(rctx, rep); err != nil {
		return err
	}
	b.mu.Lock()
	if rep.Seq > l.markSeq {
		l.markSeq, l.mark = rep.Seq, rep.Used
	}
	b.mu.Unlock()
	return nil
}

// takeLease takes a lease of size on key with held already reserved on it.
func (b *Ledger) takeLease(ctx context.Context, key string, expires time.Time, size, held, limit int64) (*lease, error) {
	now := b.now()
	mark := min(size, held+size/leaseMarkSteps)
	l := &lease{Lease: store.Lease{Counter: key, Holder: fmt.Sprintf("%s#%d", b.holder, b.seq.Add(1)), Granted: size,
		Used: mark, Seq: 1, Expires: now.Add(leaseTerm + leaseGrace), CounterExpires: expires},
		useUntil: now.Add(leaseTerm), held: held, seq: 1, markSeq: 1, mark: mark}
	rctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	total, err := b.storeOf(key).TakeLease(rctx, l.Lease, limit)
	if err != nil {
		if errors.Is(err, store.ErrBudgetExceeded) {
			b.note(key, total)
		}
		return nil, err
	}
	b.note(key, total)
	b.mu.Lock()
	b.current[key] = l
	b.mu.Unlock()
	return l, nil
}

// retireLease stops reservations on key's current lease and returns it.
func (b *Ledger) retireLease(ctx context.Context, key string) {
	b.mu.Lock()
	l := b.current[key]
	delete(b.current, key)
	if l != nil {
		l.retired = true
	}
	b.mu.Unlock()
	if l != nil {
		b.returnLease(ctx, l)
	}
}

// returnLease gives l's unused headroom back: Granted − (settled + held).
// Reservations still held on it stay counted on the counter and settle
// there. A failed return is retried by flush (a return is idempotent);
// until then the lease keeps its reservations.
func (b *Ledger) returnLease(ctx context.Context, l *lease) {
	b.mu.Lock()
	if l.returned {
		b.mu.Unlock()
		return
	}
	rep := l.Lease
	rep.Used = l.used()
	b.mu.Unlock()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	err := b.storeOf(rep.Counter).ReturnLease(rctx, rep)
	cancel()
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		b.log.Warn("budget lease return failed; retried at the next flush", "counter", l.Counter, "lease", l.Holder, "err", err)
		b.mu.Lock()
		b.retired = append(b.retired, l)
		b.mu.Unlock()
		return
	}
	// ErrNotFound: reclaimed past its grace, by its mark (at least its
	// spend). Either way what is still held is on the counter now.
	b.mu.Lock()
	l.returned = true
	late := l.used() - rep.Used // settled while the return was written
	b.mu.Unlock()
	b.add(l.Counter, rep.Used-l.Granted)
	b.add(l.Counter, late)
	b.correct(ctx, l.Counter, late, l.CounterExpires)
}

// settleLeased settles a reservation held on a lease: in memory, and
// under settleEach with the lease's mark lowered to the exact spend, so
// a container frozen after this response leaves none held. false when the
// lease was returned meanwhile: the reservation is then on the counter.
func (b *Ledger) settleLeased(ctx context.Context, it reserved, actual int64) bool {
	l := it.lease
	b.mu.Lock()
	if l.returned {
		b.mu.Unlock()
		return false
	}
	l.held -= it.micros
	l.settled = addMicros(l.settled, actual)
	var rep store.Lease
	// Not for a budget homed in another region: lowering, then raising
	// the mark again on the next request, would be two cross-region
	// writes per request (home.go: what a reaped container leaves).
	lower := b.settleEach && l.mark != l.used() && !b.remoteKey(l.Counter)
	if lower {
		rep = b.nextMark(l, l.used())
	}
	b.mu.Unlock()
	if lower {
		if err := b.report(ctx, l, rep); err != nil {
			// The mark stays high: a reclaim would overstate spend.
			b.log.Warn("budget lease report failed", "counter", l.Counter, "lease", l.Holder, "err", err)
		}
	}
	return true
}

// flushLeases returns leases whose term is over (every lease when final)
// and retries returns that failed.
func (b *Ledger) flushLeases(ctx context.Context, final bool) {
	now := b.now()
	b.mu.Lock()
	var due []string
	for k, l := range b.current {
		if final || !now.Before(l.useUntil) {
			due = append(due, k)
		}
	}
	retry := b.retired
	b.retired = nil
	b.mu.Unlock()
	for _, k := range due {
		b.retireLease(ctx, k)
	}
	for _, l := range retry {
		b.returnLease(ctx, l)
	}
}

// reclaim returns the leases on key whose grace is over, holders other
// than this engine, by their last mark: the headroom of instances that
// died holding it. It is called only when a lease does not fit, so a
// reclaim's Query is paid only when headroom is short. Returns how many
// came back.
func (b *Ledger) reclaim(ctx context.Context, key string) int {
	now := b.now()
	b.mu.Lock()
	last, ok := b.reclaimed[key]
	if ok && now.Sub(last) < leaseReclaimEvery {
		b.mu.Unlock()
		return 0
	}
	b.reclaimed[key] = now
	b.mu.Unlock()
	rctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	open, err := b.storeOf(key).OpenLeases(rctx, key)
	if err != nil {
		b.log.Warn("budget lease reclaim: cannot list leases", "counter", key, "err", err)
		return 0
	}
	n := 0
	for _, l := range open {
		if now.Before(l.Expires) || strings.HasPrefix(l.Holder, b.holder+"#") {
			continue
		}
		l.Used = store.Reclaim // by the holder's last mark
		if err := b.storeOf(key).ReturnLease(rctx, l); err == nil {
			n++
			// Not "budget…": that prefix feeds the store-error alarm.
			b.log.Info("lease of a dead instance reclaimed", "counter", key, "lease", l.Holder, "granted_micros", l.Granted)
		}
	}
	return n
}
