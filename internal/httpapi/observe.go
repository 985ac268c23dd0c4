package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/prom"
	"github.com/switchyard-llm/switchyard/internal/tracestore"
)

// defaultTraceLimit is how many traces GET /v1/traces lists when not told.
const defaultTraceLimit = 50

// requireAdmin authenticates r and answers 403 unless the caller is an
// admin (an admin key, or a loopback caller of a keyless gateway).
func (s *Server) requireAdmin(w http.ResponseWriter, r *http.Request) bool {
	id, ok := s.auth(w, r, s.src.Engine())
	if !ok {
		return false
	}
	if !id.admin {
		writeError(w, errf(http.StatusForbidden, engine.TypePermission, "admin_required",
			r.URL.Path+" needs an admin key"))
		return false
	}
	return true
}

// traces serves GET /v1/traces?limit=N&router=&target=&status=&operation=:
// the most recent routing decisions that match, newest first.
func (s *Server) traces(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) || !s.haveTraces(w) {
		return
	}
	q := r.URL.Query()
	limit := defaultTraceLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			e := errf(http.StatusBadRequest, engine.TypeInvalidRequest, "invalid_limit", "limit must be a whole number of at least 1")
			e.Param = "limit"
			writeError(w, e)
			return
		}
		limit = min(n, s.opts.Traces.Cap())
	}
	st, err := tracestore.ParseStatus(q.Get("status"))
	if err != nil {
		e := errf(http.StatusBadRequest, engine.TypeInvalidRequest, "invalid_status", err.Error())
		e.Param = "status"
		writeError(w, e)
		return
	}
	op := q.Get("operation")
	if op != "" && !slices.Contains(engine.Operations, op) {
		e := errf(http.StatusBadRequest, engine.TypeInvalidRequest, "invalid_operation",
			"operation must be one of "+strings.Join(engine.Operations, ", "))
		e.Param = "operation"
		writeError(w, e)
		return
	}
	recs := s.opts.Traces.List(tracestore.Filter{Router: q.Get("router"), Operation: op, Target: q.Get("target"), Status: st}, limit)
	data := make([]tracestore.Summary, len(recs))
	for i, rec := range recs {
		data[i] = rec.Summary()
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data, "capacity": s.opts.Traces.Cap()})
}

// trace serves GET /v1/traces/{trace_id}: one decision with its plan and
// attempts.
func (s *Server) trace(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) || !s.haveTraces(w) {
		return
	}
	id := r.PathValue("trace_id")
	rec, ok := s.opts.Traces.Get(id)
	if !ok {
		msg := "no trace " + strconv.Quote(id) + " on this instance: it keeps the last " +
			strconv.Itoa(s.opts.Traces.Cap()) + " routed requests, recorded when each ends"
		writeError(w, errf(http.StatusNotFound, engine.TypeNotFound, "trace_not_found", msg))
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

func (s *Server) haveTraces(w http.ResponseWriter) bool {
	if s.opts.Traces == nil {
		writeError(w, errf(http.StatusServiceUnavailable, engine.TypeUpstream, "traces_unavailable",
			"this gateway keeps no traces (SWITCHYARD_TRACES=0)"))
		return false
	}
	return true
}

// prometheus serves GET /metrics in the Prometheus text format.
func (s *Server) prometheus(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	if s.opts.Metrics == nil {
		writeError(w, errf(http.StatusServiceUnavailable, engine.TypeUpstream, "metrics_unavailable",
			"this gateway does not serve Prometheus metrics (under Lambda they go to CloudWatch through EMF)"))
		return
	}
	eng := s.src.Engine()
	g := prom.Gauges{
		// This scrape is a request in flight too; it is left out.
		InFlight:    max(s.inFlight.Load()-1, 0),
		MaxInFlight: int64(limitsOf(eng.Config().Server).maxInFlight),
		Cooling:     eng.CoolingDown(),
	}
	for _, k := range eng.Config().Keys {
		if l := k.Limits; l != nil {
			for _, kl := range []prom.KeyLimit{{Key: k.Name, Limit: "requests_per_minute", Value: l.RequestsPerMinute},
				{Key: k.Name, Limit: "tokens_per_minute", Value: l.TokensPerMinute}, {Key: k.Name, Limit: "max_concurrent", Value: l.MaxConcurrent}} {
				if kl.Value > 0 {
					g.KeyLimits = append(g.KeyLimits, kl)
				}
			}
		}
	}
	for _, b := range eng.BudgetLevels(r.Context()) {
		g.Budgets = append(g.Budgets, prom.Budget{Name: b.Name, LimitUSD: b.LimitUSD, SpentUSD: b.SpentUSD, Known: b.Known})
	}
	w.Header().Set("Content-Type", prom.ContentType)
	w.WriteHeader(http.StatusOK)
	_ = s.opts.Metrics.Write(w, g)
}
