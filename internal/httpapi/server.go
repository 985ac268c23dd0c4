package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"time"

	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/store"
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
}

// Server is the HTTP handler.
type Server struct {
	src  EngineSource
	opts Options
	mux  *http.ServeMux
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
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("POST /v1/chat/completions", s.chatCompletions)
	s.mux.HandleFunc("POST /chat/completions", s.chatCompletions)
	s.mux.HandleFunc("GET /v1/models", s.models)
	s.mux.HandleFunc("POST /v1/routing/explain", s.explain)
	s.mux.HandleFunc("GET /v1/metrics", s.metrics)
	s.mux.HandleFunc("/v1/admin/{kind}/{name}", s.admin)
	s.mux.HandleFunc("GET /v1/admin/{kind}", s.adminList)
	s.mux.HandleFunc("/", s.notFound)
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, errf(http.StatusNotFound, engine.TypeNotFound, "unknown_endpoint", "no such endpoint: "+r.Method+" "+r.URL.Path))
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

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
	if err != nil {
		writeError(w, err)
		return id, false
	}
	return id, true
}
