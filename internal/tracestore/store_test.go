package tracestore

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func rec(id, router, target string, status int) *Record {
	return &Record{TraceID: id, Router: router, Target: target, Status: status,
		Attempts: []Attempt{{Target: target, Status: status}}}
}

func ids(rs []*Record) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.TraceID)
	}
	return strings.Join(out, ",")
}

func TestRingKeepsNewestFirstAndEvictsOldest(t *testing.T) {
	s := New(3)
	for i := 1; i <= 5; i++ {
		s.Add(rec(fmt.Sprint("t", i), "r", "p/m", 200))
	}
	if got := ids(s.List(Filter{}, 10)); got != "t5,t4,t3" {
		t.Fatalf("List = %s, want t5,t4,t3", got)
	}
	if s.Len() != 3 || s.Cap() != 3 {
		t.Fatalf("Len %d Cap %d, want 3 3", s.Len(), s.Cap())
	}
	if _, ok := s.Get("t2"); ok {
		t.Fatal("t2 was evicted but is still found")
	}
	if r, ok := s.Get("t4"); !ok || r.TraceID != "t4" {
		t.Fatalf("Get(t4) = %v %v", r, ok)
	}
	if got := ids(s.List(Filter{}, 2)); got != "t5,t4" {
		t.Fatalf("limit 2: %s", got)
	}
}

func TestGetReturnsNewestOfSameID(t *testing.T) {
	s := New(10)
	s.Add(rec("same", "a", "p/m", 200))
	s.Add(rec("same", "b", "p/m", 200))
	if r, _ := s.Get("same"); r.Router != "b" {
		t.Fatalf("Get returned router %q, want the newest (b)", r.Router)
	}
	s.Add(&Record{Router: "no id"})
	if s.Len() != 2 {
		t.Fatalf("a record without a trace id was kept: Len %d", s.Len())
	}
}

func TestFilters(t *testing.T) {
	s := New(10)
	s.Add(rec("a", "fb", "up/m1", 200))
	fail := rec("b", "fb", "", 502)
	fail.Attempts = []Attempt{{Target: "up/m1", Status: 500, Class: "server_error"}, {Target: "up/m2", Status: 500, Class: "server_error"}}
	s.Add(fail)
	s.Add(rec("c", "other", "up/m2", 429))
	broken := rec("d", "fb", "up/m1", 200)
	broken.ErrorCode = "timeout"
	s.Add(broken)
	tests := []struct {
		name   string
		f      Filter
		status string
		want   string
	}{
		{"all", Filter{}, "", "d,c,b,a"},
		{"router", Filter{Router: "fb"}, "", "d,b,a"},
		{"served target", Filter{Target: "up/m2"}, "", "c,b"},
		{"attempted target", Filter{Target: "up/m1"}, "", "d,b,a"},
		{"code", Filter{}, "429", "c"},
		{"class", Filter{}, "5xx", "b"},
		{"ok", Filter{}, "ok", "a"},
		{"error", Filter{}, "error", "d,c,b"},
		{"router and status", Filter{Router: "fb"}, "2xx", "d,a"},
		{"nothing", Filter{Router: "nope"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := ParseStatus(tt.status)
			if err != nil {
				t.Fatal(err)
			}
			tt.f.Status = st
			if got := ids(s.List(tt.f, 100)); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseStatusRejects(t *testing.T) {
	for _, s := range []string{"abc", "6xx", "99", "600", "2XX", "-1", "xx"} {
		if _, err := ParseStatus(s); err == nil {
			t.Errorf("ParseStatus(%q) accepted", s)
		}
	}
}

// hostile is a record as large as a caller could make one: an inline
// router with long model names, many targets and long reasons.
func hostile(i int) *Record {
	long := strings.Repeat("é", 5000) // multi-byte, so clipping must keep runes whole
	r := &Record{TraceID: fmt.Sprintf("1-%08x-%s", i, long), Router: long, Error: long, Target: long}
	for j := 0; j < 500; j++ {
		name := fmt.Sprintf("p/%d-%s", j, long)
		r.Attempts = append(r.Attempts, Attempt{Target: name, Reason: long, Class: long})
		r.Candidates = append(r.Candidates, Candidate{Target: name, Via: long})
		r.Skipped = append(r.Skipped, Skip{Target: name, Reason: long})
	}
	for j := 0; j < 100; j++ {
		d := Decision{Router: long, Why: long}
		for k := 0; k < 200; k++ {
			d.Order = append(d.Order, long)
			d.Scores = append(d.Scores, Score{Target: long, Reason: long})
		}
		r.Decisions = append(r.Decisions, d)
	}
	return r
}

func TestMemoryIsBoundedWhateverTheRecords(t *testing.T) {
	const capacity = 50
	s := New(capacity)
	for i := 0; i < 3*capacity; i++ {
		s.Add(hostile(i))
	}
	if s.Len() != capacity {
		t.Fatalf("Len = %d, want %d", s.Len(), capacity)
	}
	if s.Bytes() > capacity*MaxRecordBytes {
		t.Fatalf("Bytes = %d, over %d × %d", s.Bytes(), capacity, MaxRecordBytes)
	}
	r := s.List(Filter{}, 1)[0]
	if !r.Truncated {
		t.Error("a clipped record is not marked truncated")
	}
	if got := measure(r); got > MaxRecordBytes {
		t.Fatalf("record holds %d bytes of strings and items, over %d", got, MaxRecordBytes)
	}
	if len(r.Attempts) == 0 || len(r.Attempts) > MaxAttempts {
		t.Fatalf("attempts kept: %d (want 1..%d: attempts go first)", len(r.Attempts), MaxAttempts)
	}
	for _, s := range []string{r.TraceID, r.Router, r.Attempts[0].Target, r.Attempts[0].Reason} {
		if !utf8.ValidString(s) || len(s) > MaxText+len("…") {
			t.Fatalf("clipped string is %d bytes or not UTF-8: %q", len(s), s[:20])
		}
	}
}

// measure counts a record's bytes independently of bound: every string's
// length plus each item's fixed size.
func measure(r *Record) int {
	n := sizeRecord + len(r.TraceID) + len(r.RequestID) + len(r.Router) + len(r.Strategy) + len(r.ErrorCode) +
		len(r.Error) + len(r.Target) + len(r.Arm) + len(r.ReroutedTo)
	for _, a := range r.Attempts {
		n += sizeAttempt + len(a.Target) + len(a.Class) + len(a.Reason) + len(a.UpstreamRequestID)
	}
	for _, c := range r.Candidates {
		n += sizeCandidate + len(c.Target) + len(c.Via) + len(c.Arm)
	}
	for _, s := range r.Skipped {
		n += sizeSkip + len(s.Target) + len(s.Reason)
	}
	for _, d := range r.Decisions {
		n += sizeDecision + len(d.Router) + len(d.Strategy) + len(d.Route) + len(d.Why)
		for _, o := range d.Order {
			n += sizeString + len(o)
		}
		for _, s := range d.Scores {
			n += sizeScore + len(s.Target) + len(s.Reason)
		}
	}
	return n
}

func TestSmallRecordIsKeptWhole(t *testing.T) {
	s := New(1)
	r := rec("1-abc", "fb", "up/m1", 200)
	r.Decisions = []Decision{{Router: "fb", Strategy: "fallback", Order: []string{"up/m1", "up/m2"}}}
	s.Add(r)
	got, _ := s.Get("1-abc")
	if got.Truncated || len(got.Decisions) != 1 || len(got.Decisions[0].Order) != 2 || got.Size() != measure(got) {
		t.Fatalf("small record changed: %+v (size %d, measured %d)", got, got.Size(), measure(got))
	}
}

// TestConcurrentAddAndRead: requests ending on many goroutines while an
// admin lists and looks up traces (run with -race).
func TestConcurrentAddAndRead(t *testing.T) {
	s := New(64)
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func(g int) {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 500; i++ {
				s.Add(rec(fmt.Sprintf("t%d-%d", g, i), "r", "p/m", 200))
			}
		}(g)
	}
	for i := 0; i < 200; i++ {
		for _, r := range s.List(Filter{Router: "r"}, 10) {
			if _, ok := s.Get(r.TraceID); !ok && s.Len() < s.Cap() {
				t.Errorf("listed %s but cannot get it before the store filled", r.TraceID)
			}
		}
	}
	for g := 0; g < 4; g++ {
		<-done
	}
	if s.Len() != 64 || len(s.List(Filter{}, 1000)) != 64 {
		t.Fatalf("Len %d", s.Len())
	}
}
