package store

import (
	"context"
	"maps"
	"sort"
	"sync"
	"time"
)

// Memory is the in-process Store: the local server's state, and the
// reference the DynamoDB store is tested against. Safe for concurrent use.
type Memory struct {
	mu        sync.Mutex
	records   map[[2]string]Record
	budgets   map[string]int64
	buckets   map[bucketKey]*Bucket
	stats     map[[2]string]Stats
	cooldowns map[string]time.Time
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
		buckets:   map[bucketKey]*Bucket{},
		stats:     map[[2]string]Stats{},
		cooldowns: map[string]time.Time{},
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
	return nil
}

func (m *Memory) Reserve(_ context.Context, key string, micros, limit int64, _ time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := m.budgets[key]
	if cur+micros > limit {
		return cur, ErrBudgetExceeded
	}
	m.budgets[key] = cur + micros
	return cur + micros, nil
}

func (m *Memory) Adjust(_ context.Context, key string, delta int64, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.budgets[key] += delta
	return nil
}

func (m *Memory) Spent(_ context.Context, key string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.budgets[key], nil
}

func (m *Memory) AddSample(_ context.Context, s Sample) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	minute := s.Time.Truncate(time.Minute)
	subj := s.Subject()
	k := bucketKey{subj, minute.Unix()}
	b := m.buckets[k]
	if b == nil {
		b = &Bucket{Subject: subj, Minute: minute.UTC()}
		m.buckets[k] = b
	}
	b.Apply(s)
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
	return nil
}

func (m *Memory) ClearCooldown(_ context.Context, target string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.cooldowns, target)
	return nil
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
