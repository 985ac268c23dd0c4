package engine

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/routing"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// refreshEvery is how stale a cached snapshot of shared state may get
// before a background refresh is started. Requests never wait for it: a
// warm request makes no store read on its hot path.
const refreshEvery = 5 * time.Second

// requestPathStoreTimeout bounds each store write a request waits for (a
// budget reservation, a cooldown, an in-flight count). DynamoDB answers
// in milliseconds; without this bound a slow or black-holed store would
// hold every request for FailFast's full two attempts (about 8 s) per
// write. A write that times out is treated as failed: budgets follow
// on_store_error, cooldowns and in-flight counts are skipped.
const requestPathStoreTimeout = 2 * time.Second

// sharedState caches what other instances write — cooldowns, rolled-up
// stats, in-flight counts — and writes this instance's share.
type sharedState struct {
	st     store.Store
	now    func() time.Time
	log    *slog.Logger
	thresh int
	cool   time.Duration
	// onCool is told of each target this instance puts in cooldown
	// (Deps.Metrics); nil: nobody.
	onCool func(target string)

	cooldowns snapshot[map[string]time.Time]
	stats     snapshot[map[string]store.Stats] // key subject#window
	inflight  snapshot[map[string]int64]
	digest    digestCache // the aggregator's digest, read once per refresh (digest.go)

	mu       sync.Mutex
	failures map[string]int // consecutive failures per target, this instance
	// probes marks half-open targets this instance probes, or lost the
	// claim on lately, until when (see claimProbe).
	probes map[string]time.Time
	mine   map[string]int64 // this instance's requests in flight per target
	// published is when each target's count was last written; dirty
	// marks counts changed since (see addInFlight).
	published map[string]time.Time
	dirty     map[string]bool
	// retired is set when the engine is closed: nothing will flush its
	// pending counts any more, so requests still finishing on it write
	// theirs at once.
	retired atomic.Bool
}

// snapshot is a value refreshed in the background when stale.
type snapshot[T any] struct {
	val        atomic.Pointer[T]
	loadedAt   atomic.Int64
	refreshing atomic.Bool
	mu         sync.Mutex // serialises local updates (and refreshes) of val
}

func (s *snapshot[T]) get(now time.Time, load func(context.Context) (T, error), log *slog.Logger, what string) T {
	v := s.val.Load()
	if now.UnixNano()-s.loadedAt.Load() > int64(refreshEvery) && s.refreshing.CompareAndSwap(false, true) {
		refresh := func() {
			defer s.refreshing.Store(false)
			ctx, cancel := context.WithTimeout(context.Background(), snapshotTimeout)
			defer cancel()
			_ = s.load(ctx, now, load, log, what)
		}
		if v == nil {
			refresh() // first use: load synchronously so routing sees real state
			v = s.val.Load()
		} else {
			go refresh()
		}
	}
	if v == nil {
		var zero T
		return zero
	}
	return *v
}

// update applies this instance's own change to the cached value at once,
// copy-on-write under the snapshot's lock so concurrent changes are not
// lost (readers keep the old map). A refresh replaces the result later.
func (s *snapshot[T]) update(f func(T) T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var cur T
	if v := s.val.Load(); v != nil {
		cur = *v
	}
	next := f(cur)
	s.val.Store(&next)
}

// snapshotTimeout bounds one refresh of a snapshot.
const snapshotTimeout = 2 * time.Second

// load reads the value now. On failure the cached value stays; a snapshot
// that never loaded gets the zero value, so that later refreshes run in
// the background rather than holding up a request each time while the
// store is down.
func (s *snapshot[T]) load(ctx context.Context, now time.Time, load func(context.Context) (T, error), log *slog.Logger, what string) error {
	nv, err := load(ctx)
	if err != nil {
		log.Warn("shared state refresh failed; serving cached values", "what", what, "err", err)
		var zero T
		s.val.CompareAndSwap(nil, &zero)
		s.loadedAt.Store(now.UnixNano()) // back off instead of hammering a failing store
		return err
	}
	s.mu.Lock()
	s.val.Store(&nv)
	s.mu.Unlock()
	s.loadedAt.Store(now.UnixNano())
	return nil
}

func newSharedState(st store.Store, now func() time.Time, log *slog.Logger, cd config.Cooldown) *sharedState {
	s := &sharedState{st: st, now: now, log: log, thresh: cd.Failures, cool: cd.Duration.D(), failures: map[string]int{}, probes: map[string]time.Time{}, mine: map[string]int64{},
		published: map[string]time.Time{}, dirty: map[string]bool{}}
	if s.thresh == 0 {
		s.thresh = 3
	}
	if s.cool == 0 {
		s.cool = 30 * time.Second
	}
	return s
}

func (s *sharedState) coolingDown(now time.Time) map[string]time.Time {
	return s.cooldowns.get(now, s.loadCooldowns, s.log, "cooldowns")
}

// loadCooldowns reads the running cooldowns and the half-open ones (ended
// less than store.CooldownKeep ago, not yet cleared by a probe).
func (s *sharedState) loadCooldowns(ctx context.Context) (map[string]time.Time, error) {
	if d := s.freshDigest(ctx); d != nil {
		return s.digestCooldowns(d), nil
	}
	return s.st.Cooldowns(ctx, s.now().Add(-store.CooldownKeep))
}

func (s *sharedState) loadStats(ctx context.Context) (map[string]store.Stats, error) {
	var list []store.Stats
	if d := s.freshDigest(ctx); d != nil {
		list = d.Stats
	} else {
		var err error
		if list, err = s.st.LoadStats(ctx); err != nil {
			return nil, err
		}
	}
	m := make(map[string]store.Stats, len(list))
	for _, st := range list {
		m[st.Subject+"#"+st.Window] = st
	}
	return m, nil
}

func (s *sharedState) loadInFlight(ctx context.Context) (map[string]int64, error) {
	if d := s.freshDigest(ctx); d != nil {
		out := make(map[string]int64, len(d.InFlight))
		for k, v := range d.InFlight {
			out[k] = v
		}
		return out, nil
	}
	return s.st.InFlightCounts(ctx, s.now())
}

// RefreshSharedState reads what other instances share — cooldowns, rolled-up
// stats, in-flight counts — now, instead of when the cached copies next
// turn stale (every few seconds, in the background). It is for tests that
// need one instance to see another's writes at a known point, and for a
// caller that wants fresh state at start-up. On error the cached values
// stay; the error names what failed.
func (e *Engine) RefreshSharedState(ctx context.Context) error {
	s := e.state
	now := s.now()
	s.digest.expire()
	return errors.Join(
		s.cooldowns.load(ctx, now, s.loadCooldowns, s.log, "cooldowns"),
		s.stats.load(ctx, now, s.loadStats, s.log, "stats"),
		s.inflight.load(ctx, now, s.loadInFlight, s.log, "inflight"),
	)
}

// TargetStats serves rolled-up stats to strategies (routing.StatsSource).
func (s *sharedState) TargetStats(key string, window time.Duration) (routing.TargetStats, bool) {
	all := s.stats.get(s.now(), s.loadStats, s.log, "stats")
	st, ok := all[key+"#"+windowName(window)]
	if !ok {
		return routing.TargetStats{}, false
	}
	return routing.TargetStats{
		Requests: st.Requests, SuccessRate: st.SuccessRate, LatencyAvgMs: st.LatencyAvgMs,
		LatencyP50Ms: st.LatencyP50Ms, LatencyP95Ms: st.LatencyP95Ms, TTFTMs: st.TTFTMs,
		TokensPerSec: st.TokensPerSec, CostUSD: costPerRequest(st),
	}, true
}

func costPerRequest(st store.Stats) float64 {
	if st.Requests == 0 {
		return 0
	}
	return st.CostUSD / float64(st.Requests)
}

// windowName rounds a window to the aggregator's windows.
func windowName(d time.Duration) string {
	switch {
	case d <= 5*time.Minute:
		return "5m"
	case d <= 15*time.Minute:
		return "15m"
	case d <= time.Hour:
		return "1h"
	default:
		return "24h"
	}
}

// InFlight serves shared in-flight counts to strategies (routing.LoadSource).
func (s *sharedState) InFlight(key string) int64 {
	return s.inflight.get(s.now(), s.loadInFlight, s.log, "inflight")[key]
}

// inflightTTL bounds how long a crashed instance's counts linger.
const inflightTTL = 5 * time.Minute

// inflightPublishEvery is how often at most this instance writes one
// target's in-flight count. Other instances read counts from a snapshot
// refreshed every refreshEvery, so writing more often than this would buy
// them nothing; writing per request would cost two store writes each.
const inflightPublishEvery = time.Second

// addInFlight changes this instance's count for target. The new absolute
// count is written at once when the target's last write is at least
// inflightPublishEvery old (so a request to a quiet target is seen by the
// others at their next refresh), else it is marked dirty and written by
// publishInFlight (Engine.Flush). Absolute counts make a lost or skipped
// write harmless: the next one corrects it.
func (s *sharedState) addInFlight(ctx context.Context, instance, target string, delta int64) {
	now := s.now()
	s.mu.Lock()
	s.mine[target] += delta
	n := s.mine[target]
	due := s.retired.Load() || now.Sub(s.published[target]) >= inflightPublishEvery
	if due {
		s.published[target] = now
		delete(s.dirty, target)
	} else {
		s.dirty[target] = true
	}
	s.mu.Unlock()
	if due {
		ctx, cancel := context.WithTimeout(ctx, requestPathStoreTimeout)
		defer cancel()
		if err := s.st.SetInFlight(ctx, instance, target, n, now.Add(inflightTTL)); err != nil {
			s.log.Warn("in-flight write failed", "target", target, "err", err)
		} else if n == 0 {
			s.forgetIdle(target)
		}
	}
	// Reflect our own change at once.
	s.inflight.update(func(cur map[string]int64) map[string]int64 {
		next := make(map[string]int64, len(cur)+1)
		for k, v := range cur {
			next[k] = v
		}
		next[target] += delta
		return next
	})
}

// publishInFlight writes the counts changed since their last write: those
// whose last write is inflightPublishEvery old, or all of them when final
// (the engine is being retired, or a Lambda container may freeze).
func (s *sharedState) publishInFlight(ctx context.Context, instance string, final bool) {
	now := s.now()
	type pending struct {
		target string
		n      int64
	}
	var todo []pending
	s.mu.Lock()
	for target := range s.dirty {
		if final || now.Sub(s.published[target]) >= inflightPublishEvery {
			todo = append(todo, pending{target, s.mine[target]})
			s.published[target] = now
			delete(s.dirty, target)
		}
	}
	s.mu.Unlock()
	for _, p := range todo {
		if err := s.st.SetInFlight(ctx, instance, p.target, p.n, now.Add(inflightTTL)); err != nil {
			s.log.Warn("in-flight write failed", "target", p.target, "err", err)
		} else if p.n == 0 {
			s.forgetIdle(p.target)
		}
	}
}

// forgetIdle drops the bookkeeping of a target whose zero count is
// written, unless it changed meanwhile: targets come and go (inline
// routers may name any model of a configured provider), and a quiet one
// costs nothing to start again from (its next change is written at once).
func (s *sharedState) forgetIdle(target string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mine[target] == 0 && !s.dirty[target] {
		delete(s.mine, target)
		delete(s.published, target)
	}
}
