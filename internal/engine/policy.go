package engine

import (
	"errors"
	"strconv"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// Policy is a router's error policy with defaults filled in.
type Policy struct {
	MaxRetries     int
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	MaxRetryAfter  time.Duration
	MaxAttempts    int
	Timeout        time.Duration
	AttemptTimeout time.Duration
	// StreamIdleTimeout is the longest gap between two upstream stream
	// events before the stream is ended as stalled.
	StreamIdleTimeout time.Duration
	OnStatus          map[int]Action
}

// Defaults of DESIGN §4.
const (
	DefaultMaxRetries     = 2
	DefaultInitialBackoff = 250 * time.Millisecond
	DefaultMaxBackoff     = 8 * time.Second
	DefaultMaxRetryAfter  = 20 * time.Second
	DefaultMaxAttempts    = 6
	DefaultTimeout        = 120 * time.Second
	// DefaultStreamIdleTimeout ends a stream silent for a minute: long
	// enough for a slow model's first token, short enough that a hung
	// upstream does not pin a Lambda for its whole timeout.
	DefaultStreamIdleTimeout = 60 * time.Second
	// minAttemptTime is the least time left before the deadline for which
	// an attempt is started at all: less cannot produce an answer.
	minAttemptTime = config.MinAttemptTime
)

// Action is what the attempt loop does after a failed attempt.
type Action int

const (
	// Next moves on to the next candidate at once.
	Next Action = iota
	// Retry waits (backoff, Retry-After) and tries the same target again,
	// up to MaxRetries, then moves on.
	Retry
	// Fail stops and relays the error to the caller.
	Fail
	// Stop ends the loop without relaying (the caller is gone).
	Stop
)

// PolicyFor fills r's policy fields with defaults.
func PolicyFor(r *config.Router) Policy {
	p := Policy{
		MaxRetries: DefaultMaxRetries, InitialBackoff: DefaultInitialBackoff, MaxBackoff: DefaultMaxBackoff,
		MaxRetryAfter: DefaultMaxRetryAfter, MaxAttempts: DefaultMaxAttempts, Timeout: DefaultTimeout,
		StreamIdleTimeout: DefaultStreamIdleTimeout,
	}
	if r == nil {
		return p
	}
	if rt := r.Retry; rt != nil {
		if rt.MaxRetries != nil {
			p.MaxRetries = *rt.MaxRetries
		}
		if rt.InitialBackoff > 0 {
			p.InitialBackoff = rt.InitialBackoff.D()
		}
		if rt.MaxBackoff > 0 {
			p.MaxBackoff = rt.MaxBackoff.D()
		}
		if rt.MaxRetryAfter > 0 {
			p.MaxRetryAfter = rt.MaxRetryAfter.D()
		}
	}
	if r.MaxAttempts > 0 {
		p.MaxAttempts = r.MaxAttempts
	}
	if r.Timeout > 0 {
		p.Timeout = r.Timeout.D()
	}
	p.AttemptTimeout = r.AttemptTimeout.D()
	if r.StreamIdleTimeout > 0 {
		p.StreamIdleTimeout = r.StreamIdleTimeout.D()
	}
	for code, a := range r.OnStatus {
		n, _ := strconv.Atoi(code)
		switch a {
		case "next":
			p.setStatus(n, Next)
		case "fail":
			p.setStatus(n, Fail)
		case "retry":
			p.setStatus(n, Retry)
		}
	}
	return p
}

func (p *Policy) setStatus(code int, a Action) {
	if p.OnStatus == nil {
		p.OnStatus = map[int]Action{}
	}
	p.OnStatus[code] = a
}

// Decide is the error policy of DESIGN §5, in one place:
//
//	429 / rate limit                       → Retry (backoff + jitter, Retry-After), then next
//	5xx, 529, network, attempt timeout     → Next at once
//	408, context length exceeded           → Next
//	401/403 (our credential)               → Next; the caller marks the target unhealthy
//	unreadable 2xx answer                  → Next
//	other 4xx (400, 404, 413, 422)         → Fail: relay to the caller, no retry
//	caller canceled                        → Stop
//
// A router's on_status overrides the action for an upstream status,
// except that a canceled caller always stops.
func (p *Policy) Decide(err error) Action {
	class := provider.ClassOf(err)
	if class == provider.ClassCanceled {
		return Stop
	}
	if st := statusOf(err); st != 0 {
		if a, ok := p.OnStatus[st]; ok {
			return a
		}
	}
	switch class {
	case provider.ClassRateLimit:
		return Retry
	case provider.ClassInvalidRequest:
		return Fail
	default:
		return Next
	}
}

func statusOf(err error) int {
	var pe *provider.Error
	if errors.As(err, &pe) {
		return pe.Status
	}
	return 0
}
