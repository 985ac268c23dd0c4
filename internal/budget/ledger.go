package budget

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/pricing"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// Ledger enforces config budgets through the store: the worst-case cost
// of an attempt is reserved with a conditional add before it starts, and
// settled to the real cost (or released) after, so concurrent requests on
// any number of instances never take a hard budget past its limit.
//
// Settlement is folded into the next reservation of the same counter
// (one conditional ADD of micros + pending corrections) instead of a write
// of its own, so a request with one budget costs one budget write. Until
// folded, the counter overstates spend by the unsettled difference, which
// errs on the safe side; corrections older than settleAfter are written by
// Flush, which the local server runs on a timer and Lambda after each
// invocation.
type Ledger struct {
	list []config.Budget
	st   store.Budgets // this region's; storeOf picks a home region's
	log  *slog.Logger
	now  func() time.Time

	// settleEach makes every settlement a write of its own (Lambda: a
	// container may be frozen for good after any response, and a
	// correction waiting to be folded would stay phantom spend).
	settleEach bool

	mu      sync.Mutex
	spent   map[string]int64 // last known spend per counter key, for conditions
	pending map[string]*pendingDelta
	closed  atomic.Bool // set when the engine is retired

	leasing // lease.go
	homing  // home.go
}

// pendingDelta is an unsettled correction of one counter.
type pendingDelta struct {
	micros  int64
	expires time.Time
	since   time.Time
}

// settleAfter is how long a correction may wait to be folded into a
// reservation before flush writes it on its own.
const settleAfter = 5 * time.Second

// Options are how a ledger is deployed.
type Options struct {
	// SettleEach makes every settlement a write of its own, instead of
	// folding it into a later reservation (Lambda; see Ledger.settleEach).
	SettleEach bool
	// Homes maps the budgets homed in another region to that region's
	// store (OpenHomes); the others use the ledger's own store.
	Homes map[string]store.Budgets
	// Instance names this process in the names of the leases it holds.
	Instance string
}

// New is a ledger of cfg's budgets, counted in st (and, for budgets homed
// elsewhere, in o.Homes) on the clock now.
func New(cfg *config.Config, st store.Budgets, log *slog.Logger, now func() time.Time, o Options) *Ledger {
	b := &Ledger{list: cfg.Budgets, st: st, log: log, now: now, spent: map[string]int64{}, pending: map[string]*pendingDelta{},
		leasing: newLeasing(), homing: homing{asked: map[string]time.Time{}, homes: o.Homes}, settleEach: o.SettleEach}
	if o.Instance != "" {
		b.holder = o.Instance + "/" + b.holder
	}
	return b
}

// Retire marks the ledger as its engine's last use of it (a config
// reload, shutdown) and writes everything it holds back: from now on a
// settlement is written at once, as no later flush would write it, and
// no lease is taken, as none would be returned.
func (b *Ledger) Retire(ctx context.Context) {
	b.closed.Store(true)
	b.Flush(ctx, true)
}

// takePending removes and returns key's pending correction.
func (b *Ledger) takePending(key string) pendingDelta {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.pending[key]
	if p == nil {
		return pendingDelta{}
	}
	delete(b.pending, key)
	return *p
}

// addPending records a correction to fold into a later write.
func (b *Ledger) addPending(key string, delta int64, expires time.Time) {
	b.putPending(key, pendingDelta{micros: delta, expires: expires, since: b.now()})
}

// putPending merges d into key's pending correction, keeping the older
// since, so a correction put back unfolded is still flushed on time.
func (b *Ledger) putPending(key string, d pendingDelta) {
	if d.micros == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.pending[key]
	if p == nil {
		p = &pendingDelta{since: d.since}
		b.pending[key] = p
	}
	if d.since.Before(p.since) {
		p.since = d.since
	}
	p.micros = addMicros(p.micros, d.micros)
	p.expires = d.expires
}

// Flush writes corrections older than settleAfter (all of them when
// force), and returns leases whose term is over (all of them when force).
func (b *Ledger) Flush(ctx context.Context, force bool) {
	defer b.flushLeases(ctx, force)
	now := b.now()
	b.mu.Lock()
	var due []string
	for k, p := range b.pending {
		if force || now.Sub(p.since) >= settleAfter {
			due = append(due, k)
		}
	}
	b.mu.Unlock()
	for _, k := range due {
		b.mu.Lock()
		p := b.pending[k]
		delete(b.pending, k)
		b.mu.Unlock()
		if p == nil {
			continue
		}
		if err := b.storeOf(k).Adjust(ctx, k, p.micros, p.expires); err != nil {
			// Not retried: the ADD may have been applied with its answer
			// lost, and a correction counted twice could let a hard budget
			// be passed. Dropping it only overstates spend.
			b.log.Warn("budget settle failed; correction dropped", "counter", k, "delta_micros", p.micros, "err", err)
		}
		// The last known spend already holds the correction: settle
		// added it. Adding it again here counted every settlement twice.
	}
}

// toMicros converts USD to integer micro-USD, rounding up so a reservation
// never undercounts, saturating rather than wrapping (pricing.Micros): a
// cost too large for int64 once converted to a negative reservation.
func toMicros(usd float64) int64 { return pricing.Micros(usd) }

// addMicros is a+b clamped to the int64 range: spend figures add up
// reservations, corrections and the caller-driven worst cases, and a sum
// that wrapped would read as a refund.
func addMicros(a, b int64) int64 {
	s := a + b
	switch {
	case b > 0 && s < a:
		return math.MaxInt64
	case b < 0 && s > a:
		return math.MinInt64
	}
	return s
}

// foldable splits the pending correction fold into the part written with
// a reservation of micros (>= 0) and the rest, which stays pending. The
// ledger refuses a negative reservation, so a release larger than the
// reservation is folded only down to zero.
func foldable(micros, fold int64) (now, rest int64) {
	if fold < 0 && micros < -fold {
		return -micros, fold + micros
	}
	return fold, 0
}

// Reservation is what one attempt holds against its budgets.
type Reservation struct {
	items []reserved
}

type reserved struct {
	key     string
	micros  int64
	expires time.Time
	// lease is set when micros is held against this instance's lease
	// rather than on the counter.
	lease *lease
}

// Exceeded describes a budget that refused a reservation.
type Exceeded struct {
	Budget config.Budget
	// StoreErr is set when the store failed and the budget's
	// on_store_error is reject.
	StoreErr error
	// Worst is the refused reservation (the attempt's worst-case cost)
	// and Limit the budget's, in micro-USD; Spent is the counter's
	// figure when known (SpentKnown), so the refusal can say what was
	// left. Set whenever the refusal is a limit's, not the store's.
	Worst, Limit, Spent int64
	SpentKnown          bool
	// Target is the candidate whose worst case was refused; set by the
	// caller, which knows it.
	Target string
}

// Reserve holds micros against every budget covering sc. On refusal,
// whatever was already held is released and the refusing budget returned.
func (b *Ledger) Reserve(ctx context.Context, sc Scope, micros int64, now time.Time) (*Reservation, *Exceeded) {
	res := &Reservation{}
	for _, bud := range b.list {
		key, expires, ok := counterKey(bud, sc, now)
		if !ok {
			continue
		}
		if micros < 0 {
			// toMicros never returns one; refused here too so that no
			// pending correction is folded into it and hides it.
			b.log.Error("budget refused a negative reservation", "budget", bud.Name, "micros", micros)
			b.Release(ctx, res)
			return nil, &Exceeded{Budget: bud}
		}
		limit := toMicros(bud.LimitUSD)
		if micros > limit {
			// Larger than the whole budget: no counter state fits it, so
			// it is refused without a store call, and so even when the
			// store is down and on_store_error would allow.
			b.Release(ctx, res)
			return nil, &Exceeded{Budget: bud, Worst: micros, Limit: limit}
		}
		var it *reserved
		var over *Exceeded
		if chunk := toMicros(bud.LeaseUSD); chunk > 0 && !b.closed.Load() {
			// (A retired engine takes no lease: no flush would return it.)
			if b.remote(bud) {
				it, over = b.reserveRemote(ctx, bud, key, expires, micros, limit, chunk)
			} else {
				it, over = b.reserveLeased(ctx, bud, key, expires, micros, limit, chunk)
			}
		} else {
			it, over = b.reserveCounter(ctx, bud, key, expires, micros, limit)
		}
		if over != nil {
			b.Release(ctx, res)
			return nil, over
		}
		if it != nil {
			res.items = append(res.items, *it)
		}
	}
	return res, nil
}

// reserveCounter holds micros on the counter itself: one conditional ADD,
// with the counter's pending correction folded in. nil, nil when the store
// failed and the budget allows that (the request goes uncounted).
func (b *Ledger) reserveCounter(ctx context.Context, bud config.Budget, key string, expires time.Time, micros, limit int64) (*reserved, *Exceeded) {
	pend := b.takePending(key)
	fold, rest := foldable(micros, pend.micros)
	b.putPending(key, pendingDelta{micros: rest, expires: expires, since: pend.since})
	rctx, cancel := context.WithTimeout(ctx, storeTimeout)
	total, err := b.storeOf(key).Reserve(rctx, key, addMicros(micros, fold), limit, expires)
	cancel()
	switch {
	case errors.Is(err, store.ErrBudgetExceeded):
		// Refused, so not applied: keep it for later.
		b.putPending(key, pendingDelta{micros: fold, expires: expires, since: pend.since})
	case err != nil && fold != 0:
		// The write may have been applied with its answer lost (a
		// timeout). Folding the correction again could count it twice
		// and, as corrections release spend, let a hard budget be
		// passed; dropping it can only overstate spend.
		b.log.Warn("budget correction dropped after a failed reservation", "counter", key, "delta_micros", fold, "err", err)
	}
	switch {
	case errors.Is(err, store.ErrBudgetExceeded):
		b.note(key, addMicros(total, fold))
		return nil, &Exceeded{Budget: bud, Worst: micros, Limit: limit, Spent: addMicros(total, fold), SpentKnown: true}
	case errors.Is(err, store.ErrNegativeReservation):
		// Unreachable (foldable keeps the sum at zero or more), and
		// never allowed as a store outage would be: it is the bypass
		// the ledger exists to stop.
		b.log.Error("budget store refused a negative reservation", "budget", bud.Name, "micros", micros, "fold", fold)
		return nil, &Exceeded{Budget: bud}
	case err != nil:
		return nil, b.storeFailed(bud, micros, err)
	}
	b.note(key, total)
	return &reserved{key: key, micros: micros, expires: expires}, nil
}

// storeFailed applies the budget's on_store_error to a store failure:
// nil when the request may go ahead uncounted.
func (b *Ledger) storeFailed(bud config.Budget, micros int64, err error) *Exceeded {
	if bud.StoreErrorAction() == "reject" {
		// The default for a hard budget: a request served uncounted is
		// spend the cap never sees, and under DynamoDB throttling that is
		// every request. Logged like allow's, for the store-error alarm.
		b.log.Warn("budget store unavailable; refusing request", "budget", bud.Name, "micros", micros, "err", err)
		return &Exceeded{Budget: bud, StoreErr: err}
	}
	// allow (the default of a reroute budget): a ledger outage must not
	// take the gateway down with it; the spend is logged so it can be
	// reconciled.
	b.log.Warn("budget store unavailable; allowing request", "budget", bud.Name, "micros", micros, "err", err)
	return nil
}

// Settle replaces the reserved amounts with the real cost. A correction
// on the counter waits to be folded into its next reservation (or
// Flush), except where no later write may come: on a retired engine, and
// when every request settles on its own (Lambda, settleEach). One held
// against a lease stays in memory (lease.go).
func (b *Ledger) Settle(ctx context.Context, res *Reservation, actualMicros int64) {
	if res == nil {
		return
	}
	for _, it := range res.items {
		if it.lease != nil && b.settleLeased(ctx, it, actualMicros) {
			continue
		}
		delta := addMicros(actualMicros, -it.micros) // both >= 0: cannot saturate
		b.add(it.key, delta)
		b.correct(ctx, it.key, delta, it.expires)
	}
}

// correct writes delta to the counter now, or leaves it pending.
func (b *Ledger) correct(ctx context.Context, key string, delta int64, expires time.Time) {
	if delta == 0 {
		return
	}
	if !b.closed.Load() && !b.settleEach {
		b.addPending(key, delta, expires)
		return
	}
	// A retired engine (config reload) serves no more reservations to
	// fold into, and a Lambda container may be frozen for good once the
	// response ends: the request writes its own correction, now.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := b.storeOf(key).Adjust(wctx, key, delta, expires); err != nil {
		// Not retried (see flush): dropping only overstates spend.
		b.log.Warn("budget settle failed", "counter", key, "delta_micros", delta, "err", err)
	}
}

// Release returns a reservation whose attempt failed.
func (b *Ledger) Release(ctx context.Context, res *Reservation) { b.Settle(ctx, res, 0) }

func (b *Ledger) note(key string, total int64) {
	b.mu.Lock()
	b.spent[key] = total
	b.mu.Unlock()
}

func (b *Ledger) add(key string, delta int64) {
	b.mu.Lock()
	b.spent[key] = addMicros(b.spent[key], delta)
	b.mu.Unlock()
}

// OnExceed is what budget b does to a request it refuses: its on_exceed,
// "reject" by default, or "reroute:<router>".
func OnExceed(b config.Budget) string {
	if b.OnExceed == "" {
		return "reject"
	}
	return b.OnExceed
}
