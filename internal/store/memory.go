package store

import (
	"context"
	"fmt"
	"maps"
	"math"
	"sort"
	"sync"
	"time"
)

// Memory is the in-process Store: the local server's state, and the
// reference the DynamoDB store is tested against. Safe for concurrent use.
type Memory struct {
	mu        sync.Mutex
	records   map[[2]string]Record
	version   int64 // config version: +1 per config record put or deleted
	digest    *Digest
	budgets   map[string]int64
	leases    map[string]map[string]Lease // counter -> holder -> lease
	buckets   map[bucketKey]*Bucket
	stats     map[[2]string]Stats
	cooldowns map[string]time.Time
	probes    map[string]time.Time // probe lease end per target in cooldown
	inflight  map[[2]string]inflightEntry
}

type bucketKey struct {
	subject string
	minute  int64
}

type inflightEntry struct {
	count   int64
	expires time.Time
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty store.
func NewMemory() *Memory {
	return &Memory{
		records:   map[[2]string]Record{},
		budgets:   map[string]int64{},
		leases:    map[string]map[string]Lease{},
		buckets:   map[bucketKey]*Bucket{},
		stats:     map[[2]string]Stats{},
		cooldowns: map[string]time.Time{},
		probes:    map[string]time.Time{},
		inflight:  map[[2]string]inflightEntry{},
	}
}

func (m *Memory) ListRecords(context.Context) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Record, 0, len(m.records))
	for _, r := range m.records {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

func (m *Memory) PutRecord(_ context.Context, r Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{r.Kind, r.Name}
	r.Version = m.records[k].Version + 1
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = time.Now().UTC()
	}
	m.records[k] = r
	if r.Kind != KindSnapshot {
		m.version++
	}
	return nil
}

func (m *Memory) DeleteRecord(_ context.Context, kind, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{kind, name}
	if _, ok := m.records[k]; !ok {
		return ErrNotFound
	}
	delete(m.records, k)
	if kind != KindSnapshot {
		m.version++
	}
	return nil
}

func (m *Memory) ConfigVersion(context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.version, nil
}

func (m *Memory) Reserve(_ context.Context, key string, micros, limit int64, _ time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := m.budgets[key]
	if micros < 0 {
		return cur, fmt.Errorf("memory: reserve %d on %s: %w", micros, key, ErrNegativeReservation)
	}
	// cur > limit-micros rather than cur+micros > limit: the sum could
	// wrap; the difference wraps only for a limit below MinInt64+micros,
	// which nothing fits.
	if limit < math.MinInt64+micros || cur > limit-micros {
		return cur, ErrBudgetExceeded
	}
	m.budgets[key] = cur + micros
	return cur + micros, nil
}

func (m *Memory) TakeLease(ctx context.Context, l Lease, limit int64) (int64, error) {
	total, err := m.Reserve(ctx, l.Counter, l.Granted, limit, l.CounterExpires)
	if err != nil {
		return total, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.leases[l.Counter] == nil {
		m.leases[l.Counter] = map[string]Lease{}
	}
	m.leases[l.Counter][l.Holder] = l
	return total, nil
}

func (m *Memory) ReportLease(_ context.Context, l Lease) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.leases[l.Counter][l.Holder]
	if !ok || l.Seq <= cur.Seq {
		return nil
	}
	cur.Used, cur.Seq = l.Used, l.Seq
	m.leases[l.Counter][l.Holder] = cur
	return nil
}

func (m *Memory) ReturnLease(_ context.Context, l Lease) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.leases[l.Counter][l.Holder]
	if !ok {
		return fmt.Errorf("memory: return lease %s of %s: %w", l.Holder, l.Counter, ErrNotFound)
	}
	delete(m.leases[l.Counter], l.Holder)
	used := l.Used
	if used == Reclaim {
		used = cur.Used
	}
	m.budgets[l.Counter] = addSaturating(m.budgets[l.Counter], -addSaturating(cur.Granted, -used))
	return nil
}

func (m *Memory) OpenLeases(_ context.Context, counter string) ([]Lease, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Lease, 0, len(m.leases[counter]))
	for _, l := range m.leases[counter] {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Holder < out[j].Holder })
	return out, nil
}

func (m *Memory) Adjust(_ context.Context, key string, delta int64, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.budgets[key] = addSaturating(m.budgets[key], delta)
	return nil
}

// addSaturating is a+b, clamped to the int64 range instead of wrapping:
// a counter that wrapped would turn a huge spend into a huge refund.
func addSaturating(a, b int64) int64 {
	s := a + b
	switch {
	case b > 0 && s < a:
		return math.MaxInt64
	case b < 0 && s > a:
		return math.MinInt64
	}
	return s
}

func (m *Memory) Spent(_ context.Context, key string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.budgets[key], nil
}

func (m *Memory) AddSample(_ context.Context, s Sample) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	minute := s.Minute()
	subj := s.Subject()
	k := bucketKey{subj, minute.Unix()}
	b := m.buckets[k]
	if b == nil {
		b = &Bucket{Subject: subj, Minute: minute}
		m.buckets[k] = b
	}
	b.Apply(s)
	return nil
}

func (m *Memory) AddBuckets(_ context.Context, bs []Bucket) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, in := range bs {
		minute := in.Minute.Truncate(time.Minute)
		k := bucketKey{in.Subject, minute.Unix()}
		b := m.buckets[k]
		if b == nil {
			b = &Bucket{Subject: in.Subject, Minute: minute.UTC()}
			m.buckets[k] = b
		}
		b.Merge(in)
	}
	return nil
}

func (m *Memory) Buckets(_ context.Context, from, to time.Time) ([]Bucket, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Bucket
	for k, b := range m.buckets {
		if k.minute >= from.Unix() && k.minute < to.Unix() {
			c := *b
			c.Hist = maps.Clone(b.Hist)
			c.Errors = maps.Clone(b.Errors)
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Subject != out[j].Subject {
			return out[i].Subject < out[j].Subject
		}
		return out[i].Minute.Before(out[j].Minute)
	})
	return out, nil
}

func (m *Memory) PutStats(_ context.Context, stats []Stats) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range stats {
		m.stats[[2]string{s.Subject, s.Window}] = s
	}
	return nil
}

func (m *Memory) LoadStats(context.Context) ([]Stats, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Stats, 0, len(m.stats))
	for _, s := range m.stats {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Subject != out[j].Subject {
			return out[i].Subject < out[j].Subject
		}
		return out[i].Window < out[j].Window
	})
	return out, nil
}

func (m *Memory) SetCooldown(_ context.Context, target string, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cooldowns[target] = until
	delete(m.probes, target)
	return nil
}

func (m *Memory) ClearCooldown(_ context.Context, target string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.cooldowns, target)
	delete(m.probes, target)
	return nil
}

func (m *Memory) ClaimProbe(_ context.Context, target string, now, leaseUntil time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	until, ok := m.cooldowns[target]
	if !ok || until.After(now) || m.probes[target].After(now) {
		return false, nil
	}
	m.probes[target] = leaseUntil
	return true, nil
}

func (m *Memory) Cooldowns(_ context.Context, now time.Time) (map[string]time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]time.Time{}
	for k, until := range m.cooldowns {
		if until.After(now) {
			out[k] = until
		}
	}
	return out, nil
}

func (m *Memory) SetInFlight(_ context.Context, instance, target string, count int64, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inflight[[2]string{instance, target}] = inflightEntry{count: count, expires: expires}
	return nil
}

func (m *Memory) InFlightCounts(_ context.Context, now time.Time) (map[string]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]int64{}
	for k, e := range m.inflight {
		if e.expires.After(now) && e.count > 0 {
			out[k[1]] += e.count
		}
	}
	return out, nil
}

func (m *Memory) PutDigest(_ context.Context, d Digest) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := d
	c.Stats = append([]Stats(nil), d.Stats...)
	c.Cooldowns = maps.Clone(d.Cooldowns)
	c.InFlight = maps.Clone(d.InFlight)
	m.digest = &c
	return nil
}

func (m *Memory) LoadDigest(context.Context) (Digest, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.digest == nil {
		return Digest{}, false, nil
	}
	c := *m.digest
	c.Stats = append([]Stats(nil), m.digest.Stats...)
	c.Cooldowns = maps.Clone(m.digest.Cooldowns)
	c.InFlight = maps.Clone(m.digest.InFlight)
	return c, true, nil
}
