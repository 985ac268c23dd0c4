package tracestore

import (
	"time"
	"unsafe"
)

// Record is one routed request as GET /v1/traces/{trace_id} shows it: the
// plan (candidates in try order, each router's decision and scores, the
// targets set aside), then every attempt with its timing, class and
// reason, then the outcome.
type Record struct {
	TraceID   string    `json:"trace_id"`
	RequestID string    `json:"request_id,omitempty"`
	Time      time.Time `json:"time"` // when routing started
	// DurationMs runs from routing to the end of the answer (the last
	// chunk of a stream).
	DurationMs float64 `json:"duration_ms"`
	Router     string  `json:"router"`
	// Operation is the API the request came in by: chat, embeddings,
	// messages or responses.
	Operation string `json:"operation"`
	Strategy  string `json:"strategy,omitempty"`
	Stream    bool   `json:"stream"`
	// Status is the HTTP status the caller got; a stream that failed after
	// it started is a 200 with ErrorCode set.
	Status    int     `json:"status"`
	ErrorCode string  `json:"error_code,omitempty"`
	Error     string  `json:"error,omitempty"`
	Target    string  `json:"target,omitempty"` // the provider/model that served
	Arm       string  `json:"arm,omitempty"`
	Fallback  bool    `json:"fallback"`
	CostUSD   float64 `json:"cost_usd"`
	// ReroutedTo names the router a budget sent the request to.
	ReroutedTo string      `json:"rerouted_to,omitempty"`
	Candidates []Candidate `json:"candidates"`
	// Skipped are targets the plan named but the request did not try
	// first: cooling down, or half-open with another request probing them.
	Skipped   []Skip     `json:"skipped,omitempty"`
	Decisions []Decision `json:"decisions,omitempty"`
	Attempts  []Attempt  `json:"attempts"`
	// Truncated is set when the record was clipped to MaxRecordBytes.
	Truncated bool `json:"truncated,omitempty"`

	size int // bytes this record holds, as counted by bound
}

// Candidate is one target in try order.
type Candidate struct {
	Target string `json:"target"`
	Via    string `json:"via,omitempty"` // the routers it came through
	Arm    string `json:"arm,omitempty"`
}

// Skip is a target set aside before any attempt, and why.
type Skip struct {
	Target string `json:"target"`
	Reason string `json:"reason"`
}

// Decision is one router's choice.
type Decision struct {
	Router   string   `json:"router"`
	Strategy string   `json:"strategy"`
	Route    string   `json:"route,omitempty"`
	Why      string   `json:"why,omitempty"`
	Order    []string `json:"order"`
	Scores   []Score  `json:"scores,omitempty"`
}

// Score is a target's score in a decision and the reason for it.
type Score struct {
	Target string  `json:"target"`
	Score  float64 `json:"score"`
	Reason string  `json:"reason,omitempty"`
}

// Attempt is one call to a provider.
type Attempt struct {
	Target string `json:"target"`
	// StartMs is when the attempt started, from the record's Time; Ms how
	// long it took (to the end of the answer for a stream).
	StartMs float64 `json:"start_ms"`
	Ms      float64 `json:"ms"`
	Status  int     `json:"status"`
	Class   string  `json:"class,omitempty"` // provider error class; empty on success
	Retry   bool    `json:"retry,omitempty"`
	// Reason is the failure's redacted, clipped message.
	Reason string `json:"reason,omitempty"`
	// BudgetHeldUSD is the worst-case cost held against the budgets
	// before the attempt (settled to the real cost after).
	BudgetHeldUSD     float64 `json:"budget_held_usd,omitempty"`
	UpstreamRequestID string  `json:"upstream_request_id,omitempty"`
}

// Limits on one record. MaxString bounds names and ids, MaxText messages
// and reasons; MaxRecordBytes the whole record, past which the least
// useful parts (decisions, then candidates) are dropped first.
const (
	MaxString      = 200
	MaxText        = 400
	MaxRecordBytes = 16 << 10
	// MaxAttempts etc. bound the lists whatever the byte count.
	MaxAttempts   = 32
	MaxCandidates = 64
	MaxDecisions  = 16
	MaxScores     = 64 // per decision
)

// Clip returns s cut to at most n bytes, on a rune boundary, copied when
// cut so the record does not keep a caller's long string alive.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !runeStart(s[i]) {
		i--
	}
	return s[:i] + "…" // a new string: the long one is not kept alive
}

func runeStart(b byte) bool { return b&0xC0 != 0x80 }

var (
	sizeRecord    = int(unsafe.Sizeof(Record{}))
	sizeCandidate = int(unsafe.Sizeof(Candidate{}))
	sizeSkip      = int(unsafe.Sizeof(Skip{}))
	sizeDecision  = int(unsafe.Sizeof(Decision{}))
	sizeScore     = int(unsafe.Sizeof(Score{}))
	sizeAttempt   = int(unsafe.Sizeof(Attempt{}))
	sizeString    = int(unsafe.Sizeof(""))
)

// Size is the memory the record holds, as bound counted it.
func (r *Record) Size() int { return r.size }

// bound clips every string and list of r, then drops decisions,
// candidates, skips and attempts (in that order, from the end) until r
// fits MaxRecordBytes, and counts its size.
func (r *Record) bound() {
	b := budget{left: MaxRecordBytes - sizeRecord}
	for _, s := range []*string{&r.TraceID, &r.RequestID, &r.Router, &r.Operation, &r.Strategy, &r.ErrorCode, &r.Target, &r.Arm, &r.ReroutedTo} {
		*s = b.str(*s, MaxString)
	}
	r.Error = b.str(r.Error, MaxText)
	// Attempts first: they are what a trace is read for.
	r.Attempts = clipList(r.Attempts, MaxAttempts, &b, sizeAttempt, func(a *Attempt) {
		a.Target = b.str(a.Target, MaxString)
		a.Class = b.str(a.Class, MaxString)
		a.Reason = b.str(a.Reason, MaxText)
		a.UpstreamRequestID = b.str(a.UpstreamRequestID, MaxString)
	})
	r.Skipped = clipList(r.Skipped, MaxCandidates, &b, sizeSkip, func(s *Skip) {
		s.Target = b.str(s.Target, MaxString)
		s.Reason = b.str(s.Reason, MaxString)
	})
	r.Candidates = clipList(r.Candidates, MaxCandidates, &b, sizeCandidate, func(c *Candidate) {
		c.Target = b.str(c.Target, MaxString)
		c.Via = b.str(c.Via, MaxString)
		c.Arm = b.str(c.Arm, MaxString)
	})
	r.Decisions = clipList(r.Decisions, MaxDecisions, &b, sizeDecision, func(d *Decision) {
		d.Router = b.str(d.Router, MaxString)
		d.Strategy = b.str(d.Strategy, MaxString)
		d.Route = b.str(d.Route, MaxString)
		d.Why = b.str(d.Why, MaxText)
		d.Order = clipList(d.Order, MaxCandidates, &b, sizeString, func(s *string) { *s = b.str(*s, MaxString) })
		d.Scores = clipList(d.Scores, MaxScores, &b, sizeScore, func(s *Score) {
			s.Target = b.str(s.Target, MaxString)
			s.Reason = b.str(s.Reason, MaxText)
		})
	})
	r.Truncated = r.Truncated || b.cut
	r.size = MaxRecordBytes - b.left
}

// budget counts the bytes a record may still take.
type budget struct {
	left int
	cut  bool // something was clipped or dropped
}

// str clips s to n bytes and counts it; once the budget is spent it
// keeps only what still fits.
func (b *budget) str(s string, n int) string {
	if len(s) > n {
		s, b.cut = Clip(s, n), true
	}
	if len(s) > b.left {
		s, b.cut = Clip(s, max(b.left-len("…"), 0)), true
		if len(s) > b.left {
			s = ""
		}
	}
	b.left -= len(s)
	return s
}

// clipList keeps at most n items of l, and only as many as the budget
// holds: an item is kept when its fixed size fits, then its strings are
// clipped to what is left. Items past the first one that does not fit
// are dropped.
func clipList[T any](l []T, n int, b *budget, size int, each func(*T)) []T {
	if len(l) > n {
		l, b.cut = append([]T(nil), l[:n]...), true // copied: the long list is not kept alive
	}
	for i := range l {
		if size > b.left {
			b.cut = true
			return append([]T(nil), l[:i]...)
		}
		b.left -= size
		each(&l[i])
	}
	return l
}

// Summary is a record as GET /v1/traces lists it: the outcome without the
// plan, the attempts counted.
type Summary struct {
	TraceID    string    `json:"trace_id"`
	RequestID  string    `json:"request_id,omitempty"`
	Time       time.Time `json:"time"`
	DurationMs float64   `json:"duration_ms"`
	Router     string    `json:"router"`
	Operation  string    `json:"operation"`
	Stream     bool      `json:"stream"`
	Status     int       `json:"status"`
	ErrorCode  string    `json:"error_code,omitempty"`
	Target     string    `json:"target,omitempty"`
	Arm        string    `json:"arm,omitempty"`
	Fallback   bool      `json:"fallback"`
	Attempts   int       `json:"attempts"`
	CostUSD    float64   `json:"cost_usd"`
}

// Summary is r's list entry.
func (r *Record) Summary() Summary {
	return Summary{TraceID: r.TraceID, RequestID: r.RequestID, Time: r.Time, DurationMs: r.DurationMs, Router: r.Router, Operation: r.Operation,
		Stream: r.Stream, Status: r.Status, ErrorCode: r.ErrorCode, Target: r.Target, Arm: r.Arm, Fallback: r.Fallback,
		Attempts: len(r.Attempts), CostUSD: r.CostUSD}
}
