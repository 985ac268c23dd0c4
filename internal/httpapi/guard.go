package httpapi

import (
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/switchyard-llm/switchyard/internal/engine"
)

// ServeHTTP checks what every request must pass before a handler runs (a
// canonical path; in keyless mode a loopback Host and Origin and a JSON
// POST; a free in-flight slot), sets the body read deadline, and serves
// the request through a writer that sets a deadline on each write.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		refuse(w, r, errf(http.StatusMethodNotAllowed, engine.TypeInvalidRequest, "method_not_allowed", "CONNECT is not supported"))
		return
	}
	// The ServeMux would answer a non-canonical path ("//v1/models",
	// "/v1/../v1/models") with a plain-text 307 to the cleaned one; a
	// gateway behind path-based rules should not serve one path as another.
	if p := r.URL.EscapedPath(); p != canonicalPath(p) {
		refuse(w, r, errf(http.StatusNotFound, engine.TypeNotFound, "unknown_endpoint",
			fmt.Sprintf("no such endpoint: %s %s (paths must be canonical: %s)", r.Method, p, canonicalPath(p))))
		return
	}
	if r.URL.Path == "/healthz" {
		s.mux.ServeHTTP(w, r) // always answers, whatever the load or the keys
		return
	}
	cfg := s.src.Engine().Config()
	if len(cfg.Keys) == 0 && len(cfg.AdminKeys) == 0 {
		if err := keylessCheck(r); err != nil {
			refuse(w, r, err)
			return
		}
	}
	lim := limitsOf(cfg.Server)
	if n := s.inFlight.Add(1); n > int64(lim.maxInFlight) {
		s.inFlight.Add(-1)
		refuse(w, r, overloaded(fmt.Sprintf("the gateway is serving as many requests as server.max_in_flight (%d) allows; retry shortly", lim.maxInFlight)))
		return
	}
	defer s.inFlight.Add(-1)

	ctl := http.NewResponseController(w)
	body := &requestBody{rc: r.Body, budget: &s.bodies, limit: lim.bodyMemory}
	defer body.release()
	if r.ContentLength != 0 {
		// The whole body must arrive within read_body: a body that
		// trickles or never ends holds a connection, a goroutine and an
		// in-flight slot. net/http lifts the deadline when the body ends.
		_ = ctl.SetReadDeadline(time.Now().Add(lim.readBody))
	}
	gw := &guardedWriter{ResponseWriter: w, ctl: ctl, write: lim.write, r: r, body: body}
	// A shallow copy: net/http keeps the original request and its body
	// for what it does after the handler.
	r2 := r.WithContext(r.Context())
	r2.Body = body
	s.mux.ServeHTTP(gw, r2)
	if body.unread(r) {
		// The answer has gone out with "Connection: close"; net/http now
		// reads up to 256 KB of what is left before closing. Bound that,
		// leaving the caller a moment to read the answer before the close.
		_ = ctl.SetReadDeadline(time.Now().Add(unreadLinger))
	}
}

// unreadLinger is how long net/http may go on draining a body nobody read
// after the answer was sent (as its own lingering close does): enough for
// the caller to read the answer before an unread body makes the close a
// reset.
const unreadLinger = 500 * time.Millisecond

// refuse answers a request before its body is read (and before
// ServeHTTP's writer would see to it).
func refuse(w http.ResponseWriter, r *http.Request, e *engine.Error) {
	w = forSurface(w, r)
	if r.ContentLength == 0 {
		writeError(w, e)
		return
	}
	// Else net/http reads up to 256 KB of the body before sending the
	// answer: a slow body would hold a refused request open.
	w.Header().Set("Connection", "close")
	writeError(w, e)
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(unreadLinger))
}

// canonicalPath is the path net/http's ServeMux would redirect p to.
func canonicalPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if strings.HasSuffix(p, "/") && np != "/" {
		np += "/"
	}
	return np
}

// guardedWriter keeps a write deadline ahead of each write and flush, so a
// caller that stops reading cannot hold a response (and its upstream call)
// forever, while a long stream that keeps moving is never cut. An answer
// that starts before the request body was read closes the connection.
//
// Setting a deadline costs a timer update in the poller; a stream writes
// and flushes several times per event. So the deadline is set with some
// slack (write + write/deadlineSlack) and set again only when fewer than
// write remain: every write still starts with at least timeouts.write
// before its deadline, and a caller that stops reading fails within
// timeouts.write × (1 + 1/deadlineSlack).
type guardedWriter struct {
	http.ResponseWriter
	ctl         *http.ResponseController
	write       time.Duration
	r           *http.Request
	body        *requestBody
	deadline    time.Time // the write deadline in force; zero before the first
	wroteHeader bool
	noDeadline  bool             // the writer has none (Lambda): stop asking
	now         func() time.Time // nil: time.Now (tests move it)
}

// deadlineSlack: a deadline is set write/deadlineSlack beyond what a write
// needs, so one is set about once per write/deadlineSlack of streaming.
const deadlineSlack = 8

func (g *guardedWriter) extend() {
	if g.noDeadline {
		return
	}
	now := time.Now()
	if g.now != nil {
		now = g.now()
	}
	if !g.deadline.IsZero() && g.deadline.Sub(now) >= g.write {
		return // at least timeouts.write left: this write is bounded as if set now
	}
	d := now.Add(g.write + g.write/deadlineSlack)
	if err := g.ctl.SetWriteDeadline(d); err != nil {
		g.noDeadline = true
		return
	}
	g.deadline = d
}

func (g *guardedWriter) WriteHeader(code int) {
	if !g.wroteHeader && code >= 200 {
		g.wroteHeader = true
		if g.body.unread(g.r) {
			g.Header().Set("Connection", "close")
		}
	}
	g.extend()
	g.ResponseWriter.WriteHeader(code)
}

func (g *guardedWriter) Write(p []byte) (int, error) {
	if !g.wroteHeader {
		g.WriteHeader(http.StatusOK)
	}
	g.extend()
	return g.ResponseWriter.Write(p)
}

// FlushError is what http.ResponseController.Flush calls.
func (g *guardedWriter) FlushError() error {
	if !g.wroteHeader {
		g.WriteHeader(http.StatusOK)
	}
	g.extend()
	return g.ctl.Flush()
}

// Flush is http.Flusher, for code that asserts it.
func (g *guardedWriter) Flush() { _ = g.FlushError() }

// Unwrap lets http.ResponseController reach the connection's writer.
func (g *guardedWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }
