package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/prom"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/tracestore"
)

// EngineSource returns the engine for the current config. A config reload
// swaps it; requests in flight keep the one they started with.
type EngineSource interface {
	Engine() *engine.Engine
}

// Options configure the handler. Zero values take the stated defaults.
type Options struct {
	Logger *slog.Logger // default slog.Default()
	// Store serves /v1/metrics and the admin API; nil disables them (503).
	Store store.Store
	// Admin applies admin writes (validate, store, reload); nil disables writes.
	Admin Admin
	// AggregateOnRead rolls metric buckets up on each /v1/metrics call,
	// for the local server, which has no scheduled aggregator.
	AggregateOnRead func(ctx context.Context) error
	// Region is where this gateway runs, the caller's assumed location when
	// geo headers are not trusted; default AWS_REGION.
	Region string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Traces serves GET /v1/traces (the store engine.Deps.Traces fills);
	// nil answers 503.
	Traces *tracestore.Store
	// Metrics serves GET /metrics (the registry engine.Deps.Metrics
	// feeds); nil answers 503.
	Metrics *prom.Registry
	// MaxBody, if > 0, caps request bodies below server.max_body_bytes: a
	// limit of the platform (Lambda's invoke payload), which a config
	// cannot raise. The lower of the two applies and a 413 names it.
	MaxBody int64
}

// Server is the HTTP handler.
type Server struct {
	src  EngineSource
	opts Options
	mux  *http.ServeMux
	// inFlight counts requests being served (server.max_in_flight).
	inFlight atomic.Int64
	// bodies is the memory held by request bodies (server.max_body_memory).
	bodies byteBudget
}

// New builds the handler.
func New(src EngineSource, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Region == "" {
		opts.Region = os.Getenv("AWS_REGION")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{src: src, opts: opts, mux: http.NewServeMux()}
	for _, rt := range []struct {
		path    string
		methods []string
		h       http.HandlerFunc
	}{
		{"/healthz", []string{http.MethodGet}, s.healthz},
		{"/v1/chat/completions", []string{http.MethodPost}, s.chatCompletions},
		{"/chat/completions", []string{http.MethodPost}, s.chatCompletions},
		{"/v1/embeddings", []string{http.MethodPost}, s.embeddings},
		{"/embeddings", []string{http.MethodPost}, s.embeddings},
		{"/v1/messages", []string{http.MethodPost}, s.messages},
		{"/v1/messages/count_tokens", []string{http.MethodPost}, s.countTokens},
		{"/v1/responses", []string{http.MethodPost}, s.responses},
		{"/responses", []string{http.MethodPost}, s.responses},
		{"/v1/models", []string{http.MethodGet}, s.models},
		{"/v1/routing/explain", []string{http.MethodPost}, s.explain},
		{"/v1/metrics", []string{http.MethodGet}, s.metrics},
		{"/v1/admin/{kind}/{name}", []string{http.MethodGet, http.MethodPut, http.MethodDelete}, s.admin},
		{"/v1/admin/{kind}", []string{http.MethodGet}, s.adminList},
		{"/v1/admin/keys/{name}/{action}", []string{http.MethodPost}, s.adminKey},
		{"/v1/traces", []string{http.MethodGet}, s.traces},
		{"/v1/traces/{trace_id}", []string{http.MethodGet}, s.trace},
		{"/metrics", []string{http.MethodGet}, s.prometheus},
		{"/v1/budgets", []string{http.MethodGet}, s.budgets},
	} {
		s.route(rt.path, rt.methods, rt.h)
	}
	for _, p := range consoleRoutes() {
		s.route(p, []string{http.MethodGet}, s.consolePage)
	}
	s.mux.HandleFunc("/", s.notFound)
	return s
}

// route serves path with h for methods, and every other method on path
// with 405 and an Allow header: a caller who sent GET to the chat endpoint
// has the right URL and the wrong verb, which a 404 would hide. (The
// catch-all "/" pattern would otherwise take those requests, as the
// ServeMux only answers 405 itself when no other pattern matches.)
func (s *Server) route(path string, methods []string, h http.HandlerFunc) {
	allow := make([]string, 0, len(methods)+1)
	for _, m := range methods {
		allow = append(allow, m)
		handler := h
		if m == http.MethodGet {
			// A GET pattern also matches HEAD; handlers that switch on the
			// method see GET, and net/http drops the body.
			allow = append(allow, http.MethodHead)
			handler = headAsGet(h)
		}
		s.mux.HandleFunc(m+" "+path, handler)
	}
	s.mux.HandleFunc(path, methodNotAllowed(allow))
}

func headAsGet(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			r = r.Clone(r.Context())
			r.Method = http.MethodGet
		}
		h(w, r)
	}
}

func methodNotAllowed(allow []string) http.HandlerFunc {
	list := strings.Join(allow, ", ")
	return func(w http.ResponseWriter, r *http.Request) {
		w = forSurface(w, r)
		w.Header().Set("Allow", list)
		writeError(w, errf(http.StatusMethodNotAllowed, engine.TypeInvalidRequest, "method_not_allowed",
			fmt.Sprintf("%s is not supported on %s; use %s", r.Method, r.URL.Path, list)))
	}
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, errf(http.StatusNotFound, engine.TypeNotFound, "unknown_endpoint", "no such endpoint: "+r.Method+" "+r.URL.Path))
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// SafeID reports whether id (a request or trace id, possibly the caller's)
// may be echoed in a response header.
func SafeID(id string) bool { return requestIDPattern.MatchString(id) }

// requestID keeps a caller's (or API Gateway's) sane X-Request-Id, else
// makes one.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); requestIDPattern.MatchString(id) {
		return id
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "req_" + hex.EncodeToString(b[:])
}

// auth authenticates r against the current config.
func (s *Server) auth(w http.ResponseWriter, r *http.Request, eng *engine.Engine) (identity, bool) {
	id, err := authenticate(r, eng.Config(), isLoopback(r))
	if err == nil {
		err = usable(id.key, s.opts.Now())
	}
	if err != nil {
		writeError(w, err)
		return id, false
	}
	return id, true
}
