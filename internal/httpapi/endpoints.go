package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/routing"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/trace"
)

// caller locates the caller for geo routing: CloudFront viewer headers when
// trusted, else the gateway's own region.
func (s *Server) caller(r *http.Request, eng *engine.Engine) routing.Location {
	region := eng.Config().Server.Region
	if region == "" {
		region = s.opts.Region
	}
	// Table positions come labelled (FromOwnRegion, FromCountry): their
	// Source travels with their coordinates. Not in the table: zero Location.
	loc, _ := routing.RegionLocation(region)
	loc.Region = region
	if !eng.Config().Server.TrustGeoHeaders {
		return loc
	}
	if cc := r.Header.Get("CloudFront-Viewer-Country"); cc != "" {
		loc.Country = strings.ToUpper(cc) // as sent: "UK" stays UK for conditions
		if cl, ok := routing.CountryLocation(loc.Country); ok {
			loc.Lat, loc.Lon, loc.Known, loc.Source = cl.Lat, cl.Lon, cl.Known, cl.Source
		}
	}
	lat, err1 := strconv.ParseFloat(r.Header.Get("CloudFront-Viewer-Latitude"), 64)
	lon, err2 := strconv.ParseFloat(r.Header.Get("CloudFront-Viewer-Longitude"), 64)
	if err1 == nil && err2 == nil && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 {
		loc.Lat, loc.Lon, loc.Known, loc.Source = lat, lon, true, routing.FromCoordinates
	}
	return loc
}

type modelEntry struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
	// Operations are the APIs the entry serves (modelOperations).
	Operations []string `json:"operations"`
}

// The operations a /v1/models entry serves: an embedding model's or
// router's, a chat model's (the three chat-shaped APIs, which translate
// to one another), or a router's that reaches both kinds.
var (
	embeddingOperations = []string{engine.OpEmbeddings}
	chatOperations      = []string{engine.OpChat, engine.OpMessages, engine.OpResponses}
	allOperations       = engine.Operations
)

// modelOperations is embeddingOperations when the config knows every
// model the entry reaches as an embedding model (models.<m>.dimensions,
// or a target's params.dimensions), allOperations when it knows some
// (a router that sends embeddings to one branch), else chatOperations.
func modelOperations(all, some bool) []string {
	switch {
	case all:
		return embeddingOperations
	case some:
		return allOperations
	}
	return chatOperations
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	eng := s.src.Engine()
	id, ok := s.auth(w, r, eng)
	if !ok {
		return
	}
	cfg := eng.Config()
	sc := scopeOf(cfg, id.key)
	routers, models := eng.Models()
	if !sc.models() {
		models = nil
	}
	data := make([]modelEntry, 0, len(routers)+len(models))
	for _, name := range routers {
		if sc.router(name) {
			data = append(data, modelEntry{ID: "router/" + name, Object: "model", OwnedBy: "switchyard",
				Operations: modelOperations(cfg.EmbeddingTargets(name))})
		}
	}
	for _, m := range models {
		if !id.key.AllowsModel(m) {
			continue // keys[].models: not one this key may be served by
		}
		owner, _, _ := strings.Cut(m, "/")
		data = append(data, modelEntry{ID: m, Object: "model", OwnedBy: owner, Operations: modelOperations(cfg.EmbeddingModel(m), false)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
}

func (s *Server) explain(w http.ResponseWriter, r *http.Request) {
	eng := s.src.Engine()
	id, ok := s.auth(w, r, eng)
	if !ok {
		return
	}
	if op := r.URL.Query().Get("operation"); op != "" && op != engine.OpChat {
		s.explainOperation(w, r, eng, id, op)
		return
	}
	req, perr := s.readExplain(r, eng)
	if perr != nil {
		writeError(w, perr)
		return
	}
	rid := requestID(r)
	er := &engine.Request{Chat: req, ID: rid, Key: id.key, Headers: r.Header, Caller: s.caller(r, eng),
		TraceID: trace.TraceIDFrom(r.Context())}
	plan, err := eng.Explain(r.Context(), er)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, plan)
}

// metricsView is one subject's figures in GET /v1/metrics.
type metricsView struct {
	Requests     int64       `json:"requests"`
	SuccessRate  float64     `json:"success_rate"`
	Latency      latencyView `json:"latency_ms"`
	TTFTMs       float64     `json:"ttft_ms"`
	TokensPerSec float64     `json:"tokens_per_sec"`
	CostUSD      float64     `json:"cost_usd"`
	Fallbacks    int64       `json:"fallbacks"`
	FallbackRate float64     `json:"fallback_rate"`
	// Skips are cooldown skips, not attempts (store.Stats.Skips).
	Skips  int64            `json:"skips"`
	Errors map[string]int64 `json:"errors,omitempty"`
}

// latencyView is in milliseconds with microsecond resolution; the
// percentiles are within store.LatencyRelativeError (about 2%).
type latencyView struct {
	Avg float64 `json:"avg"`
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
}

func viewOf(st store.Stats) metricsView {
	return metricsView{Requests: st.Requests, SuccessRate: st.SuccessRate,
		Latency: latencyView{Avg: st.LatencyAvgMs, P50: st.LatencyP50Ms, P95: st.LatencyP95Ms, P99: st.LatencyP99Ms},
		TTFTMs:  st.TTFTMs, TokensPerSec: st.TokensPerSec, CostUSD: st.CostUSD, Fallbacks: st.Fallbacks,
		FallbackRate: st.FallbackRate, Skips: st.Skips, Errors: st.Errors}
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	eng := s.src.Engine()
	id, ok := s.auth(w, r, eng)
	if !ok {
		return
	}
	sc := scopeOf(eng.Config(), id.key)
	if s.opts.Store == nil {
		writeError(w, errf(http.StatusServiceUnavailable, engine.TypeUpstream, "metrics_unavailable", "this gateway has no metrics store"))
		return
	}
	window := r.URL.Query().Get("window")
	if window == "" {
		window = "15m"
	}
	switch window {
	case "5m", "15m", "1h", "24h":
	default:
		e := errf(http.StatusBadRequest, engine.TypeInvalidRequest, "invalid_window", "window must be 5m, 15m, 1h or 24h")
		e.Param = "window"
		writeError(w, e)
		return
	}
	switch r.URL.Query().Get("view") {
	case "":
	case "series":
		s.metricsSeries(w, r, sc, window)
		return
	default:
		e := errf(http.StatusBadRequest, engine.TypeInvalidRequest, "invalid_view", "view must be series, or absent for the window's totals")
		e.Param = "view"
		writeError(w, e)
		return
	}
	if s.opts.AggregateOnRead != nil {
		if err := s.opts.AggregateOnRead(r.Context()); err != nil {
			s.opts.Logger.Warn("metrics aggregation failed", "err", err)
		}
	}
	stats, err := s.opts.Store.LoadStats(r.Context())
	if err != nil {
		writeError(w, errf(http.StatusServiceUnavailable, engine.TypeUpstream, "metrics_unavailable", "cannot read metrics: "+err.Error()))
		return
	}
	targets, routers, providers := map[string]metricsView{}, map[string]metricsView{}, map[string]metricsView{}
	arms := map[string]map[string]metricsView{} // router → arm → figures
	var updated string
	for _, st := range stats {
		if st.Window != window {
			continue
		}
		v := viewOf(st)
		target, router, arm := store.ParseStatsSubject(st.Subject)
		provider, isProvider := store.ParseProviderSubject(st.Subject)
		switch {
		case isProvider:
			// A provider's figures sum every router's traffic on it: shown
			// only to callers that may see every target.
			if !sc.models() {
				continue
			}
			providers[provider] = v
			continue
		case (router != "" && !sc.router(router)) || (router == "" && !sc.target(target)):
			continue
		}
		switch {
		case arm != "":
			if arms[router] == nil {
				arms[router] = map[string]metricsView{}
			}
			arms[router][arm] = v
		case router != "":
			routers[router] = v
		default:
			targets[target] = v
		}
		if u := st.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z"); u > updated {
			updated = u
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"window": window, "updated_at": updated, "targets": targets,
		"providers": providers, "routers": routers, "arms": arms})
}

// Admin applies config changes: validated against the whole config, then
// stored, then served. Implemented by package configsource.
type Admin interface {
	Get(ctx context.Context, kind, name string) (any, error)
	List(ctx context.Context, kind string) (map[string]any, error)
	Put(ctx context.Context, kind, name string, doc any) error
	Delete(ctx context.Context, kind, name string) error
}

// ErrInvalid wraps a config validation failure from Admin.Put.
var ErrInvalid = errors.New("invalid config")

// ErrConflict wraps a change that was undone because a concurrent change
// made the stored config invalid with it: retry.
var ErrConflict = errors.New("config changed concurrently; this change was undone, retry it")

// RefusedError is a valid change that the admin API refuses for what it
// would leave behind (HTTP 409, with Code as the error code): deleting the
// last key (`last_key`) or the last admin key (`last_admin_key`).
type RefusedError struct {
	Code    string
	Message string
}

func (e *RefusedError) Error() string { return e.Message }

// maxAdminDoc caps an admin document's size.
const maxAdminDoc = 1 << 20

var adminKinds = map[string]string{
	"routers": store.KindRouter, "providers": store.KindProvider, "budgets": store.KindBudget,
	"keys": store.KindKey, "admin_keys": store.KindAdminKey, "models": store.KindModel,
}

func (s *Server) adminAuth(w http.ResponseWriter, r *http.Request) (string, bool) {
	eng := s.src.Engine()
	id, ok := s.auth(w, r, eng)
	if !ok {
		return "", false
	}
	if !id.admin {
		writeError(w, errf(http.StatusForbidden, engine.TypePermission, "admin_required", "the admin API needs an admin key"))
		return "", false
	}
	kind, ok := adminKinds[r.PathValue("kind")]
	if !ok {
		writeError(w, errf(http.StatusNotFound, engine.TypeNotFound, "unknown_kind", "admin kinds: routers, providers, budgets, keys, admin_keys, models"))
		return "", false
	}
	if s.opts.Admin == nil {
		writeError(w, errf(http.StatusServiceUnavailable, engine.TypeUpstream, "admin_unavailable", "this gateway has no config store"))
		return "", false
	}
	return kind, true
}

func (s *Server) adminList(w http.ResponseWriter, r *http.Request) {
	kind, ok := s.adminAuth(w, r)
	if !ok {
		return
	}
	items, err := s.opts.Admin.List(r.Context(), kind)
	if err != nil {
		writeError(w, adminError(kind, "", err))
		return
	}
	names := make([]string, 0, len(items))
	for k := range items {
		names = append(names, k)
	}
	sort.Strings(names)
	writeJSON(w, http.StatusOK, map[string]any{"kind": r.PathValue("kind"), "names": names, "items": items})
}

func (s *Server) admin(w http.ResponseWriter, r *http.Request) {
	kind, ok := s.adminAuth(w, r)
	if !ok {
		return
	}
	name := r.PathValue("name")
	// The router answers other methods with 405 before this runs.
	switch r.Method {
	case http.MethodGet:
		doc, err := s.opts.Admin.Get(r.Context(), kind, name)
		if err != nil {
			writeError(w, adminError(kind, name, err))
			return
		}
		writeJSON(w, http.StatusOK, doc)
	case http.MethodPut:
		body, berr := readBody(r, maxAdminDoc)
		if berr != nil {
			writeError(w, berr)
			return
		}
		var doc any
		if err := json.Unmarshal(body, &doc); err != nil {
			writeError(w, errf(http.StatusBadRequest, engine.TypeInvalidRequest, "invalid_json", "malformed JSON: "+err.Error()))
			return
		}
		if err := s.opts.Admin.Put(r.Context(), kind, name, doc); err != nil {
			writeError(w, adminError(kind, name, err))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"kind": r.PathValue("kind"), "name": name, "status": "stored"})
	case http.MethodDelete:
		if err := s.opts.Admin.Delete(r.Context(), kind, name); err != nil {
			writeError(w, adminError(kind, name, err))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"kind": r.PathValue("kind"), "name": name, "status": "deleted"})
	}
}

// adminError maps an Admin outcome to its answer: fix the record (400),
// retry or refused as it stands (409), no such record (404), or the store
// is unavailable (503).
func adminError(kind, name string, err error) *engine.Error {
	var refused *RefusedError
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errf(http.StatusNotFound, engine.TypeNotFound, "not_found", kind+" "+name+" not found")
	case errors.Is(err, ErrInvalid):
		return errf(http.StatusBadRequest, engine.TypeInvalidRequest, "invalid_config", err.Error())
	case errors.Is(err, ErrConflict):
		return errf(http.StatusConflict, engine.TypeInvalidRequest, "config_conflict", err.Error())
	case errors.As(err, &refused):
		return errf(http.StatusConflict, engine.TypeInvalidRequest, refused.Code, refused.Message)
	default:
		return errf(http.StatusServiceUnavailable, engine.TypeUpstream, "store_error", err.Error())
	}
}
