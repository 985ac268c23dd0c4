package aggregate

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/switchyard-llm/switchyard/internal/store"
)

// Window is one stats window.
type Window struct {
	Name   string // as in store.Stats.Window
	Length time.Duration
}

// Windows are the windows Run computes, shortest first.
var Windows = []Window{
	{"5m", 5 * time.Minute},
	{"15m", 15 * time.Minute},
	{"1h", time.Hour},
	{"24h", 24 * time.Hour},
}

// Run reads the last 24 h of buckets, rolls them into stats and writes
// them with PutStats. It returns what it wrote.
func Run(ctx context.Context, m store.Metrics, now time.Time) ([]store.Stats, error) {
	end := windowEnd(now)
	buckets, err := m.Buckets(ctx, end.Add(-Windows[len(Windows)-1].Length), end)
	if err != nil {
		return nil, fmt.Errorf("aggregate: read buckets: %w", err)
	}
	stats := Rollup(buckets, now)
	if err := m.PutStats(ctx, stats); err != nil {
		return nil, fmt.Errorf("aggregate: write %d stats: %w", len(stats), err)
	}
	return stats, nil
}

// windowEnd is the end of now's minute: windows include the current,
// partial minute.
func windowEnd(now time.Time) time.Time {
	return now.UTC().Truncate(time.Minute).Add(time.Minute)
}

// Rollup computes stats from buckets for every window ending at now's
// minute, one per subject and window, sorted by subject then window
// length. Buckets outside the longest window are ignored. No I/O.
func Rollup(buckets []store.Bucket, now time.Time) []store.Stats {
	end := windowEnd(now)
	type subjectAcc struct {
		kind  subjectKind
		byWin []acc
	}
	subjects := map[string]*subjectAcc{}
	get := func(subject string, kind subjectKind) *subjectAcc {
		sa := subjects[subject]
		if sa == nil {
			sa = &subjectAcc{kind: kind, byWin: make([]acc, len(Windows))}
			subjects[subject] = sa
		}
		return sa
	}
	for _, b := range buckets {
		age := end.Sub(b.Minute)
		if age <= 0 || age > Windows[len(Windows)-1].Length {
			continue
		}
		target, router, arm := store.SplitSubject(b.Subject)
		owners := []*subjectAcc{get(target, attempts), get(store.ProviderStatsSubject(store.TargetProvider(target)), attempts)}
		if router != "" {
			owners = append(owners, get(store.RouterStatsSubject(router), requests))
		}
		if arm != "" {
			owners = append(owners, get(store.ArmStatsSubject(router, arm), armRequests))
		}
		for i, w := range Windows {
			if age > w.Length {
				continue
			}
			for _, o := range owners {
				o.byWin[i].add(b)
			}
		}
	}

	names := make([]string, 0, len(subjects))
	for name := range subjects {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]store.Stats, 0, len(names)*len(Windows))
	for _, name := range names {
		sa := subjects[name]
		for i, w := range Windows {
			st := sa.byWin[i].stats(sa.kind)
			st.Subject, st.Window, st.UpdatedAt = name, w.Name, now
			out = append(out, st)
		}
	}
	return out
}

// subjectKind says how a subject counts (doc.go, "Subjects").
type subjectKind int

const (
	attempts    subjectKind = iota // a target or a provider: attempts on it
	requests                       // a router: requests, served by any target
	armRequests                    // an arm: requests, served by its own target
)

// acc sums buckets for one subject and window: a bucket's counters,
// added with store.Bucket.Merge (one list of fields to keep in step).
type acc struct{ store.Bucket }

func (a *acc) add(b store.Bucket) { a.Merge(b) }

// stats turns the sums into figures counted as kind says (see doc.go,
// "Subjects").
func (a *acc) stats(kind subjectKind) store.Stats {
	reqs, successes := a.Requests, a.Successes
	switch kind {
	case requests:
		reqs, successes = a.Finals, a.Served
	case armRequests:
		// A fallback is served by another target than the arm's own:
		// counted in Fallbacks, never as the arm's success, or an arm
		// whose model always fails would read 100% (issue 11).
		reqs, successes = a.Finals, max(0, a.Served-a.Fallbacks)
	}
	q := store.LatencyQuantilesMs(a.Hist, 0.50, 0.95, 0.99)
	return store.Stats{
		Requests:     reqs,
		Successes:    successes,
		SuccessRate:  ratio(float64(successes), float64(reqs)),
		LatencyAvgMs: ratio(float64(a.LatencyUs)/1000, float64(a.Requests)),
		LatencyP50Ms: q[0],
		LatencyP95Ms: q[1],
		LatencyP99Ms: q[2],
		TTFTMs:       ratio(float64(a.TTFTUs)/1000, float64(a.TTFTCount)),
		TokensPerSec: ratio(float64(a.TokensOut), float64(a.GenUs)/1e6),
		CostUSD:      float64(a.CostMicros) / 1e6,
		Fallbacks:    a.Fallbacks,
		FallbackRate: ratio(float64(a.Fallbacks), float64(a.Finals)),
		Skips:        a.Skips,
		Errors:       a.Errors,
	}
}

func ratio(num, den float64) float64 {
	if den == 0 {
		return 0
	}
	return num / den
}

// Quantile is the nearest-rank q-quantile (0..1) of a latency histogram
// in milliseconds, within store.LatencyRelativeError of the exact one; 0
// for an empty histogram.
func Quantile(hist map[int]int64, q float64) float64 {
	return store.LatencyQuantilesMs(hist, q)[0]
}
