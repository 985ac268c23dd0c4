package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// budgets enforces config budgets through the store: the worst-case cost
// of an attempt is reserved with a conditional add before it starts, and
// settled to the real cost (or released) after, so concurrent requests on
// any number of instances never take a hard budget past its limit.
//
// Settlement is folded into the next reservation of the same counter
// (one conditional ADD of micros + pending corrections) instead of a write
// of its own, so a request with one budget costs one budget write. Until
// folded, the counter overstates spend by the unsettled difference, which
// errs on the safe side; corrections older than settleAfter are written by
// flush, which the local server runs on a timer and Lambda after each
// invocation.
type budgets struct {
	list []config.Budget
	st   store.Store
	log  *slog.Logger
	now  func() time.Time

	mu      sync.Mutex
	spent   map[string]int64 // last known spend per counter key, for conditions
	pending map[string]*pendingDelta
	closed  atomic.Bool // set when the engine is retired
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

func newBudgets(cfg *config.Config, st store.Store, log *slog.Logger, now func() time.Time) *budgets {
	return &budgets{list: cfg.Budgets, st: st, log: log, now: now, spent: map[string]int64{}, pending: map[string]*pendingDelta{}}
}

// takePending removes and returns key's pending correction.
func (b *budgets) takePending(key string) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.pending[key]
	if p == nil {
		return 0
	}
	delete(b.pending, key)
	return p.micros
}

// addPending records a correction to fold into a later write.
func (b *budgets) addPending(key string, delta int64, expires time.Time) {
	if delta == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.pending[key]
	if p == nil {
		p = &pendingDelta{since: b.now()}
		b.pending[key] = p
	}
	p.micros += delta
	p.expires = expires
}

// flush writes corrections older than settleAfter (all of them when force).
func (b *budgets) flush(ctx context.Context, force bool) {
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
		if err := b.st.Adjust(ctx, k, p.micros, p.expires); err != nil {
			// Not retried: the ADD may have been applied with its answer
			// lost, and a correction counted twice could let a hard budget
			// be passed. Dropping it only overstates spend.
			b.log.Warn("budget settle failed; correction dropped", "counter", k, "delta_micros", p.micros, "err", err)
			continue
		}
		b.add(k, p.micros)
	}
}

// scope is who a request is charged to.
type scope struct {
	router string
	key    string // key name, "" without auth
	user   string
}

// counterKey is the store key of budget b's counter for sc in the period
// containing now ("" when b does not cover sc), and when the counter expires.
func counterKey(b config.Budget, sc scope, now time.Time) (string, time.Time, bool) {
	subject := ""
	kind, arg, _ := strings.Cut(b.Scope, ":")
	switch {
	case b.Scope == "global":
	case b.Scope == "user":
		if sc.user == "" {
			return "", time.Time{}, false
		}
		subject = "#u=" + sc.user
	case kind == "router":
		if arg != sc.router {
			return "", time.Time{}, false
		}
	case kind == "key":
		if arg != sc.key {
			return "", time.Time{}, false
		}
	default:
		return "", time.Time{}, false
	}
	period, end := periodOf(b.Period, now.UTC())
	// Counters outlive their period a while so spend stays inspectable.
	return b.Name + subject + "#" + period, end.Add(35 * 24 * time.Hour), true
}

// ownCounter is budget b's counter regardless of whether it covers the
// request (user-scoped budgets: the request user's counter).
func ownCounter(b config.Budget, sc scope, now time.Time) (string, bool) {
	subject := ""
	if b.Scope == "user" {
		if sc.user == "" {
			return "", false
		}
		subject = "#u=" + sc.user
	}
	period, _ := periodOf(b.Period, now.UTC())
	return b.Name + subject + "#" + period, true
}

// periodOf names the period containing t and returns its end.
func periodOf(p string, t time.Time) (string, time.Time) {
	switch p {
	case "hour":
		start := t.Truncate(time.Hour)
		return start.Format("2006-01-02T15"), start.Add(time.Hour)
	case "day":
		start := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		return start.Format("2006-01-02"), start.AddDate(0, 0, 1)
	case "week":
		y, w := t.ISOWeek()
		wd := (int(t.Weekday()) + 6) % 7 // Monday = 0
		start := time.Date(t.Year(), t.Month(), t.Day()-wd, 0, 0, 0, 0, time.UTC)
		return fmt.Sprintf("%d-W%02d", y, w), start.AddDate(0, 0, 7)
	case "month":
		start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		return start.Format("2006-01"), start.AddDate(0, 1, 0)
	default: // total
		return "total", time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
}

// toMicros converts USD to integer micro-USD, rounding up so a reservation
// never undercounts.
func toMicros(usd float64) int64 { return int64(math.Ceil(usd * 1e6)) }

// reservation is what one attempt holds against its budgets.
type reservation struct {
	items []reserved
}

type reserved struct {
	key     string
	micros  int64
	expires time.Time
}

// exceeded describes a budget that refused a reservation.
type exceeded struct {
	budget config.Budget
	// storeErr is set when the store failed and the budget's
	// on_store_error is reject.
	storeErr error
}

// reserve holds micros against every budget covering sc. On refusal,
// whatever was already held is released and the refusing budget returned.
func (b *budgets) reserve(ctx context.Context, sc scope, micros int64, now time.Time) (*reservation, *exceeded) {
	res := &reservation{}
	for _, bud := range b.list {
		key, expires, ok := counterKey(bud, sc, now)
		if !ok {
			continue
		}
		limit := toMicros(bud.LimitUSD)
		fold := b.takePending(key)
		rctx, cancel := context.WithTimeout(ctx, requestPathStoreTimeout)
		total, err := b.st.Reserve(rctx, key, micros+fold, limit, expires)
		cancel()
		switch {
		case errors.Is(err, store.ErrBudgetExceeded):
			b.addPending(key, fold, expires) // refused, so not applied: keep it for later
		case err != nil && fold != 0:
			// The write may have been applied with its answer lost (a
			// timeout). Folding the correction again could count it twice
			// and, as corrections release spend, let a hard budget be
			// passed; dropping it can only overstate spend.
			b.log.Warn("budget correction dropped after a failed reservation", "counter", key, "delta_micros", fold, "err", err)
		}
		switch {
		case errors.Is(err, store.ErrBudgetExceeded):
			b.note(key, total+fold)
			b.release(ctx, res)
			return nil, &exceeded{budget: bud}
		case err != nil:
			if bud.OnStoreError == "reject" {
				b.release(ctx, res)
				return nil, &exceeded{budget: bud, storeErr: err}
			}
			// Default allow: a ledger outage must not take the gateway down
			// with it; the spend is logged so it can be reconciled.
			b.log.Warn("budget store unavailable; allowing request", "budget", bud.Name, "micros", micros, "err", err)
			continue
		}
		b.note(key, total)
		res.items = append(res.items, reserved{key: key, micros: micros, expires: expires})
	}
	return res, nil
}

// settle replaces the reserved amounts with the real cost: the correction
// waits to be folded into the counter's next reservation (or flush).
func (b *budgets) settle(ctx context.Context, res *reservation, actualMicros int64) {
	if res == nil {
		return
	}
	for _, it := range res.items {
		delta := actualMicros - it.micros
		b.add(it.key, delta)
		if b.closed.Load() && delta != 0 {
			// A retired engine (config reload) serves no more reservations
			// to fold into: a request finishing on it writes its own.
			wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), requestPathStoreTimeout)
			if err := b.st.Adjust(wctx, it.key, delta, it.expires); err != nil {
				b.log.Warn("budget settle failed", "counter", it.key, "delta_micros", delta, "err", err)
			}
			cancel()
			continue
		}
		b.addPending(it.key, delta, it.expires)
	}
}

// release returns a reservation whose attempt failed.
func (b *budgets) release(ctx context.Context, res *reservation) { b.settle(ctx, res, 0) }

func (b *budgets) note(key string, total int64) {
	b.mu.Lock()
	b.spent[key] = total
	b.mu.Unlock()
}

func (b *budgets) add(key string, delta int64) {
	b.mu.Lock()
	b.spent[key] += delta
	b.mu.Unlock()
}

// remainingPct is 100 × (limit − spent) / limit for the named budget in
// sc, from this instance's last known spend (read once from the store when
// unknown). ok=false when no such budget covers sc.
func (b *budgets) remainingPct(ctx context.Context, name string, sc scope, now time.Time) (float64, bool) {
	for _, bud := range b.list {
		if bud.Name != name {
			continue
		}
		// A budget is named, so its state is readable from any request:
		// only a per-user budget needs the request's user.
		key, ok := ownCounter(bud, sc, now)
		if !ok {
			return 0, false
		}
		b.mu.Lock()
		spent, known := b.spent[key]
		b.mu.Unlock()
		if !known {
			s, err := b.st.Spent(ctx, key)
			if err != nil {
				return 0, false
			}
			b.note(key, s)
			spent = s
		}
		limit := toMicros(bud.LimitUSD)
		return math.Max(0, 100*float64(limit-spent)/float64(limit)), true
	}
	return 0, false
}

// wouldExceed reports the first budget covering sc that a reservation of
// micros would take past its limit, as reserve would refuse it, without
// reserving anything: for explain. Spend is read from the store (with the
// unsettled corrections this instance holds), falling back to the last
// known figure; a budget whose spend cannot be read is skipped.
func (b *budgets) wouldExceed(ctx context.Context, sc scope, micros int64, now time.Time) *exceeded {
	for _, bud := range b.list {
		key, _, ok := counterKey(bud, sc, now)
		if !ok {
			continue
		}
		spent, err := b.st.Spent(ctx, key)
		b.mu.Lock()
		if err != nil {
			var known bool
			if spent, known = b.spent[key]; !known {
				b.mu.Unlock()
				continue
			}
		}
		if p := b.pending[key]; p != nil {
			spent += p.micros
		}
		b.mu.Unlock()
		if spent+micros > toMicros(bud.LimitUSD) {
			return &exceeded{budget: bud}
		}
	}
	return nil
}

// status reports each budget's spend for sc, for explain.
func (b *budgets) status(ctx context.Context, sc scope, now time.Time) []BudgetStatus {
	var out []BudgetStatus
	for _, bud := range b.list {
		key, _, ok := counterKey(bud, sc, now)
		if !ok {
			continue
		}
		pct, _ := b.remainingPct(ctx, bud.Name, sc, now)
		out = append(out, BudgetStatus{Name: bud.Name, Counter: key, LimitUSD: bud.LimitUSD,
			SpentUSD: bud.LimitUSD * (100 - pct) / 100, RemainingPct: pct, OnExceed: onExceed(bud)})
	}
	return out
}

func onExceed(b config.Budget) string {
	if b.OnExceed == "" {
		return "reject"
	}
	return b.OnExceed
}

// BudgetStatus is one budget's state, as explain shows it.
type BudgetStatus struct {
	Name         string  `json:"name"`
	Counter      string  `json:"counter"`
	LimitUSD     float64 `json:"limit_usd"`
	SpentUSD     float64 `json:"spent_usd"`
	RemainingPct float64 `json:"remaining_pct"`
	OnExceed     string  `json:"on_exceed"`
}

// cutReroute splits on_exceed "reroute:<router>".
func cutReroute(s string) (action, router string, ok bool) {
	action, router, ok = strings.Cut(s, ":")
	return action, router, ok
}
