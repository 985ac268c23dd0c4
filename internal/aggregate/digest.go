package aggregate

import (
	"context"
	"fmt"
	"time"

	"github.com/switchyard-llm/switchyard/internal/store"
)

// DigestEvery is how often the scheduled aggregator rebuilds the
// shared-state digest within one invocation (it runs once a minute).
// Containers refresh their copy every 5 s, so a cooldown or an in-flight
// count reaches them within about DigestEvery + 5 s.
const DigestEvery = 5 * time.Second

// BuildDigest reads the shared state routing needs — the targets' stats,
// the running and half-open cooldowns, the summed in-flight counts — and
// writes it as the one digest item (store.Digest): three reads and one
// write here, instead of the same three reads by every container.
func BuildDigest(ctx context.Context, st store.Store, now time.Time) (store.Digest, error) {
	all, err := st.LoadStats(ctx)
	if err != nil {
		return store.Digest{}, fmt.Errorf("aggregate: digest: %w", err)
	}
	d := store.Digest{BuiltAt: now}
	for _, s := range all {
		if target, _, _ := store.ParseStatsSubject(s.Subject); target == "" {
			continue // a router's or an arm's
		}
		if _, ok := store.ParseProviderSubject(s.Subject); ok {
			continue
		}
		s.Errors = nil // routing reads no error breakdown
		d.Stats = append(d.Stats, s)
	}
	if d.Cooldowns, err = st.Cooldowns(ctx, now.Add(-store.CooldownKeep)); err != nil {
		return store.Digest{}, fmt.Errorf("aggregate: digest: %w", err)
	}
	if d.InFlight, err = st.InFlightCounts(ctx, now); err != nil {
		return store.Digest{}, fmt.Errorf("aggregate: digest: %w", err)
	}
	if err := st.PutDigest(ctx, d); err != nil {
		return store.Digest{}, fmt.Errorf("aggregate: digest: %w", err)
	}
	return d, nil
}

// DigestLoop rebuilds the digest every DigestEvery until ctx ends or until
// `until`, whichever is first: the scheduled aggregator calls it after its
// roll-up, so that one invocation a minute keeps the digest fresh. A
// failed build is returned at the end; the loop goes on after it.
func DigestLoop(ctx context.Context, st store.Store, now func() time.Time, until time.Time, sleep func(context.Context, time.Duration) error) (builds int, err error) {
	var last error
	for {
		if _, e := BuildDigest(ctx, st, now()); e != nil {
			last = e
		} else {
			builds++
		}
		if !now().Add(DigestEvery).Before(until) {
			return builds, last
		}
		if e := sleep(ctx, DigestEvery); e != nil {
			return builds, last
		}
	}
}
