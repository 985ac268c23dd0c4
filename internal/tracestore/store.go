package tracestore

import (
	"fmt"
	"strconv"
	"sync"
)

// DefaultCapacity is how many records a Store keeps when not told.
const DefaultCapacity = 1000

// Store is a ring of the most recent records. Safe for concurrent use;
// records are read-only once added (readers share them).
type Store struct {
	mu    sync.RWMutex
	ring  []*Record
	next  int // the slot the next record takes
	n     int // records held
	bytes int // their Size, summed
}

// New returns a store keeping the last capacity records (DefaultCapacity
// when capacity <= 0).
func New(capacity int) *Store {
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	return &Store{ring: make([]*Record, capacity)}
}

// Add keeps r, clipped to MaxRecordBytes, in place of the oldest record
// when the store is full. r must not be changed afterwards.
func (s *Store) Add(r *Record) {
	if r == nil || r.TraceID == "" {
		return // nothing could look it up
	}
	r.bound()
	s.mu.Lock()
	if old := s.ring[s.next]; old != nil {
		s.bytes -= old.size
	} else {
		s.n++
	}
	s.ring[s.next] = r
	s.bytes += r.size
	s.next = (s.next + 1) % len(s.ring)
	s.mu.Unlock()
}

// Get returns the newest record with trace id id.
func (s *Store) Get(id string) (*Record, bool) {
	var found *Record
	s.each(func(r *Record) bool {
		if r.TraceID == id {
			found = r
			return false
		}
		return true
	})
	return found, found != nil
}

// List returns up to limit records that f matches, newest first.
func (s *Store) List(f Filter, limit int) []*Record {
	var out []*Record
	if limit <= 0 {
		return out
	}
	s.each(func(r *Record) bool {
		if f.Match(r) {
			out = append(out, r)
		}
		return len(out) < limit
	})
	return out
}

// each calls f on every record, newest first, until f returns false.
func (s *Store) each(f func(*Record) bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for i := 1; i <= s.n; i++ {
		r := s.ring[(s.next-i+len(s.ring))%len(s.ring)]
		if !f(r) {
			return
		}
	}
}

// Len is how many records the store holds; Cap how many it can.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.n
}

// Cap is the store's capacity.
func (s *Store) Cap() int { return len(s.ring) }

// Bytes is the memory the records hold (as Record.Size counts it): at
// most Cap() × MaxRecordBytes.
func (s *Store) Bytes() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.bytes
}

// Filter selects records; zero fields match everything.
type Filter struct {
	Router string
	// Operation matches the API the request came in by (chat,
	// embeddings, messages, responses).
	Operation string
	// Target matches a record served by it or with an attempt on it.
	Target string
	Status Status
}

// Match reports whether r passes f.
func (f Filter) Match(r *Record) bool {
	if f.Router != "" && r.Router != f.Router {
		return false
	}
	if f.Operation != "" && r.Operation != f.Operation {
		return false
	}
	if f.Target != "" && !touched(r, f.Target) {
		return false
	}
	return f.Status.Match(r)
}

func touched(r *Record, target string) bool {
	if r.Target == target {
		return true
	}
	for i := range r.Attempts {
		if r.Attempts[i].Target == target {
			return true
		}
	}
	return false
}

// Status selects records by outcome: a status code ("429"), a class
// ("2xx" to "5xx"), "ok" (served, no error) or "error" (anything else,
// a stream that failed after it started included).
type Status struct {
	code  int // exact code; 0 when unset
	class int // 2..5 for "2xx".."5xx"; 0 when unset
	ok    int // 1: ok, -1: error, 0: unset
}

// ParseStatus reads a status filter; "" matches everything.
func ParseStatus(s string) (Status, error) {
	switch s {
	case "":
		return Status{}, nil
	case "ok":
		return Status{ok: 1}, nil
	case "error":
		return Status{ok: -1}, nil
	}
	if len(s) == 3 && s[1:] == "xx" && s[0] >= '1' && s[0] <= '5' {
		return Status{class: int(s[0] - '0')}, nil
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 100 && n <= 599 {
		return Status{code: n}, nil
	}
	return Status{}, fmt.Errorf("status must be a code (429), a class (2xx to 5xx), ok or error, not %q", s)
}

// Match reports whether r's outcome passes st.
func (st Status) Match(r *Record) bool {
	switch {
	case st.code != 0:
		return r.Status == st.code
	case st.class != 0:
		return r.Status/100 == st.class
	case st.ok != 0:
		ok := r.Status < 400 && r.ErrorCode == ""
		return ok == (st.ok > 0)
	}
	return true
}

// EnvCapacity names the environment variable that sets the capacity of
// the gateway's store: a whole number, 0 to keep no traces, unset for
// DefaultCapacity.
const EnvCapacity = "SWITCHYARD_TRACES"

// MaxCapacity bounds EnvCapacity: MaxCapacity × MaxRecordBytes is the most
// memory a store may hold (1.6 GB would be too much for a gateway).
const MaxCapacity = 100_000

// FromEnv builds the store EnvCapacity asks for (read with getenv); nil,
// nil when it asks for none.
func FromEnv(getenv func(string) string) (*Store, error) {
	v := getenv(EnvCapacity)
	if v == "" {
		return New(DefaultCapacity), nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > MaxCapacity {
		return nil, fmt.Errorf("%s=%q: want a whole number from 0 (keep no traces) to %d", EnvCapacity, v, MaxCapacity)
	}
	if n == 0 {
		return nil, nil
	}
	return New(n), nil
}
