package httpapi

import (
	"net/http"
	"sync"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
)

// Defaults of the server settings that bound concurrent work and stalled
// connections (config.Server; docs/security.md lists them).
const (
	DefaultMaxInFlight       = 256
	DefaultMaxBodyMemory     = 128 << 20
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadBodyTimeout   = 60 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
)

// typeServer is OpenAI's error type for the server's own trouble.
const typeServer = "server_error"

// limits are the bounds in force for one request, defaults applied.
type limits struct {
	maxInFlight int
	maxBody     int64
	bodyMemory  int64
	readBody    time.Duration
	write       time.Duration
}

func limitsOf(s config.Server) limits {
	l := limits{maxInFlight: s.MaxInFlight, maxBody: s.BodyLimit(), bodyMemory: s.MaxBodyMemory,
		readBody: s.Timeouts.ReadBody.D(), write: s.Timeouts.Write.D()}
	if l.maxInFlight <= 0 {
		l.maxInFlight = DefaultMaxInFlight
	}
	if l.bodyMemory <= 0 {
		l.bodyMemory = max(DefaultMaxBodyMemory, l.maxBody)
	}
	if l.readBody <= 0 {
		l.readBody = DefaultReadBodyTimeout
	}
	if l.write <= 0 {
		l.write = DefaultWriteTimeout
	}
	return l
}

// HTTPServer is the local server for h with the timeouts of s that only
// take effect at start (read_header, idle). The per-request ones (the body
// deadline and the per-write deadline) are set by Server on each request,
// from the config in force then, and count from the end of the headers; a
// whole-response WriteTimeout would cut long streams.
func HTTPServer(h http.Handler, s config.Server) *http.Server {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: s.Timeouts.ReadHeader.D(), IdleTimeout: s.Timeouts.Idle.D()}
	if srv.ReadHeaderTimeout <= 0 {
		srv.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if srv.IdleTimeout <= 0 {
		srv.IdleTimeout = DefaultIdleTimeout
	}
	return srv
}

// overloaded is the answer when the server is at one of its bounds.
func overloaded(msg string) *engine.Error {
	e := errf(http.StatusServiceUnavailable, typeServer, "overloaded", msg)
	e.RetryAfter = 1
	return e
}

// byteBudget is a process-wide budget of bytes (request bodies held in
// memory). It never blocks: a caller that does not fit is refused, as a
// queue of waiting bodies would hold connections and memory all the same.
type byteBudget struct {
	mu   sync.Mutex
	used int64
}

// take reserves n bytes if used+n stays within limit.
func (b *byteBudget) take(n, limit int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > limit-b.used {
		return false
	}
	b.used += n
	return true
}

func (b *byteBudget) give(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

// inUse is the bytes reserved now (tests).
func (b *byteBudget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}
