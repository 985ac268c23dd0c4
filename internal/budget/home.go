package budget

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// Budgets homed in another region (home_region; docs/deploy.md,
// multi-region). A deployment in several regions has a state table per
// region, so a budget counted in each spends its limit once per region.
// A budget with a home region keeps its one counter, and its lease
// records, in that region's table; gateways elsewhere reach it through
// Deps.HomeStore and spend it only through leases: a cross-region call
// per lease taken, returned or marked (about six per lease), never one
// per request. The cap holds because every grant is a conditional ADD on
// that one item. A DynamoDB global table would not do: it resolves
// concurrent writes last-writer-wins and checks a condition against the
// local replica only, so two regions could each admit the whole limit.

// homing is the budgets' view of other regions.
type homing struct {
	// homes maps the name of a budget homed in another region to that
	// region's store; budgets not in it use the engine's store.
	homes map[string]store.Budgets
	// asked is when a remote counter was last read, per counter: a
	// budget that has less left than a request needs refuses from what
	// it knows, asking the home region again at most every
	// leaseReclaimEvery, so an exhausted budget costs no call per request.
	askedMu sync.Mutex
	asked   map[string]time.Time
}

// OpenHomes resolves the store of every budget homed in a region other
// than region, through open (Deps.HomeStore), once per region. A gateway
// that does not know its region (a local server without server.region or
// AWS_REGION) keeps every budget itself: it has no other region to share
// the limit with.
func OpenHomes(cfg *config.Config, region string, open func(string) (store.Budgets, error)) (map[string]store.Budgets, error) {
	homes := map[string]store.Budgets{}
	byRegion := map[string]store.Budgets{}
	var errs config.Errors
	for i, bud := range cfg.Budgets {
		if bud.HomeRegion == "" || region == "" || bud.HomeRegion == region {
			continue
		}
		path := fmt.Sprintf("budgets[%d].home_region", i)
		st, ok := byRegion[bud.HomeRegion]
		if !ok {
			if open == nil {
				errs = append(errs, config.FieldError{Path: path, Msg: fmt.Sprintf(
					"this gateway (region %s) has no store for region %s", region, bud.HomeRegion)})
				continue
			}
			var err error
			if st, err = open(bud.HomeRegion); err != nil {
				errs = append(errs, config.FieldError{Path: path, Msg: fmt.Sprintf("open region %s's state table: %v", bud.HomeRegion, err)})
				continue
			}
			byRegion[bud.HomeRegion] = st
		}
		homes[bud.Name] = st
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return homes, nil
}

// storeOf is the store holding counter key (budget name, then '#';
// budget names cannot hold one).
func (b *Ledger) storeOf(key string) store.Budgets {
	name, _, _ := strings.Cut(key, "#")
	if st, ok := b.homes[name]; ok {
		return st
	}
	return b.st
}

// remoteKey reports whether counter key belongs to a budget homed in
// another region. Under SettleEachRequest (Lambda) such a lease's mark is
// not lowered to the exact spend after each request, which would cost two
// cross-region writes per request: a container reaped while holding one
// leaves its mark, at most a quarter lease above its spend, counted as
// spent for the rest of the period (docs/scale-budgets.md).
func (b *Ledger) remoteKey(key string) bool {
	name, _, _ := strings.Cut(key, "#")
	_, ok := b.homes[name]
	return ok
}

// remote reports whether bud is homed in another region.
func (b *Ledger) remote(bud config.Budget) bool {
	_, ok := b.homes[bud.Name]
	return ok
}

// reserveRemote is reserveLeased for a budget homed in another region. It
// never reserves on the counter: a request larger than a lease takes a
// lease of its own size, and when less than a whole lease is left the
// instance takes a lease of what is left, so remote regions can spend the
// budget to its last cent too. A home region that cannot be reached is a
// store failure (on_store_error: a hard budget refuses); leases already
// held keep serving up to their recorded mark.
func (b *Ledger) reserveRemote(ctx context.Context, bud config.Budget, key string, expires time.Time, micros, limit, chunk int64) (*reserved, *Exceeded) {
	it, over, unlock := b.fromLeaseOrLock(ctx, bud, key, expires, micros)
	if unlock == nil {
		return it, over
	}
	defer unlock()
	b.retireLease(ctx, key)
	size := max(chunk, micros)
	l, err := b.remoteLease(ctx, key, expires, size, micros, limit)
	if errors.Is(err, store.ErrBudgetExceeded) && b.reclaim(ctx, key) > 0 {
		// Dead instances' leases came back: ask again.
		b.forget(key)
		l, err = b.remoteLease(ctx, key, expires, size, micros, limit)
	}
	switch {
	case err == nil:
		return &reserved{key: key, micros: micros, expires: expires, lease: l}, nil
	case errors.Is(err, store.ErrBudgetExceeded):
		b.mu.Lock()
		spent, known := b.spent[key]
		b.mu.Unlock()
		return nil, &Exceeded{Budget: bud, Worst: micros, Limit: limit, Spent: spent, SpentKnown: known}
	case errors.Is(err, store.ErrNegativeReservation):
		return nil, &Exceeded{Budget: bud}
	default:
		return nil, b.storeFailed(bud, micros, err)
	}
}

// remoteLease takes a lease of size on key, or of what is left under the
// limit when that is less but still fits micros. ErrBudgetExceeded
// without a call when the counter was read less than leaseReclaimEvery
// ago and micros did not fit then.
func (b *Ledger) remoteLease(ctx context.Context, key string, expires time.Time, size, micros, limit int64) (*lease, error) {
	now := b.now()
	b.mu.Lock()
	known, ok := b.spent[key]
	b.mu.Unlock()
	b.askedMu.Lock()
	asked, wasAsked := b.asked[key]
	b.askedMu.Unlock()
	recent := ok && wasAsked && now.Sub(asked) < leaseReclaimEvery
	if recent && addMicros(known, micros) > limit {
		return nil, store.ErrBudgetExceeded
	}
	if !recent || addMicros(known, size) <= limit {
		l, err := b.takeLease(ctx, key, expires, size, micros, limit)
		if !errors.Is(err, store.ErrBudgetExceeded) {
			return l, err
		}
		b.askedMu.Lock()
		b.asked[key] = now
		b.askedMu.Unlock()
	}
	b.mu.Lock()
	known = b.spent[key]
	b.mu.Unlock()
	tail := limit - known
	if tail < micros || tail >= size {
		return nil, store.ErrBudgetExceeded
	}
	return b.takeLease(ctx, key, expires, tail, micros, limit)
}

// forget drops when key was last read, so the next lease asks the store.
func (b *Ledger) forget(key string) {
	b.askedMu.Lock()
	delete(b.asked, key)
	b.askedMu.Unlock()
}
