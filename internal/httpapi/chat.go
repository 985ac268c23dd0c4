package httpapi

import (
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
)

// DefaultMaxBody is the request body cap when server.max_body_bytes is unset.
const DefaultMaxBody = config.DefaultMaxBodyBytes

// readChat reads and checks a chat request body.
func (s *Server) readChat(r *http.Request, eng *engine.Engine) (*chat.Request, *engine.Error) {
	body, berr := readBody(r, s.bodyLimit(eng))
	if berr != nil {
		return nil, berr
	}
	return checkChat(body)
}

// checkChat decodes and checks a chat request body.
func checkChat(body []byte) (*chat.Request, *engine.Error) {
	req, perr := decodeChat(body)
	if perr != nil {
		return nil, perr
	}
	if len(req.Messages) == 0 {
		e := errf(http.StatusBadRequest, engine.TypeInvalidRequest, "missing_messages", "messages is required and must not be empty")
		e.Param = "messages"
		return nil, e
	}
	for i, m := range req.Messages {
		switch m.Role {
		case "system", "developer", "user", "assistant", "tool", "function":
		default:
			msg := fmt.Sprintf("messages[%d].role must be system, developer, user, assistant or tool, not %q", i, m.Role)
			if m.Role == "" {
				msg = fmt.Sprintf("messages[%d].role is required: system, developer, user, assistant or tool", i)
			}
			e := errf(http.StatusBadRequest, engine.TypeInvalidRequest, "invalid_role", msg)
			e.Param = fmt.Sprintf("messages[%d].role", i)
			return nil, e
		}
	}
	return req, nil
}

// bodyLimit is the request body cap: server.max_body_bytes (default
// DefaultMaxBody), lowered to Options.MaxBody when the platform allows less.
func (s *Server) bodyLimit(eng *engine.Engine) int64 {
	limit := eng.Config().Server.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	if s.opts.MaxBody > 0 && s.opts.MaxBody < limit {
		limit = s.opts.MaxBody
	}
	return limit
}

func (s *Server) chatCompletions(w http.ResponseWriter, r *http.Request) {
	rt, ok := s.beginRouted(w, r, readChatInto)
	if !ok {
		return
	}
	if rt.er.Chat.Stream {
		sw := &sseWriter{w: w, rc: http.NewResponseController(w)}
		res, err := rt.eng.Stream(rt.ctx, rt.er, sw)
		if err != nil {
			s.fail(w, r, rt, res, err)
			return
		}
		s.logRequest(r, rt.er.ID, res, http.StatusOK, rt.start, sw.failed)
		return
	}
	res, err := rt.eng.Complete(rt.ctx, rt.er)
	if err != nil {
		s.fail(w, r, rt, res, err)
		return
	}
	body := res.Response.Raw
	if body == nil {
		res.Response.Object = "chat.completion"
	}
	s.answer(w, r, rt, res, body, res.Response)
}

func readChatInto(s *Server, r *http.Request, eng *engine.Engine, er *engine.Request) *engine.Error {
	req, perr := s.readChat(r, eng)
	er.Chat = req
	return perr
}

// setRoutingHeaders writes the x-switchyard-* headers of DESIGN §3.
//
// The keys are written in their canonical form and straight into the map,
// and the values share one array: Header.Set would canonicalise a
// lower-case key into a new string and give each value its own slice,
// about 20 allocations a request that the collector then has to chase at
// 1000 requests/s (issue 16).
func setRoutingHeaders(h http.Header, res *engine.Result, attempts []engine.Attempt) {
	if res == nil {
		return
	}
	setRateLimitHeaders(h, res.RateLimit)
	vals := make([]string, 0, 8)
	set := func(key, v string) {
		vals = append(vals, v)
		h[key] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	set("X-Switchyard-Router", res.Router)
	if res.Target != "" {
		set("X-Switchyard-Target", res.Target)
	}
	set("X-Switchyard-Attempts", strconv.Itoa(len(attempts)))
	set("X-Switchyard-Fallback", strconv.FormatBool(res.Fallback))
	if res.TraceID != "" {
		set("X-Switchyard-Trace-Id", res.TraceID)
	}
	if res.Arm != "" {
		set("X-Switchyard-Arm", res.Arm)
	}
	if res.Reroute != "" {
		set("X-Switchyard-Reroute", res.Reroute)
	}
	if res.UpstreamRequestID != "" {
		set("X-Upstream-Request-Id", res.UpstreamRequestID)
	}
}

// logRequest writes the one log line per request. Never a credential, never
// a prompt. The attributes are slog.Attr values in an array on the stack
// (LogAttrs), not key-value pairs boxed into a []any: one line per request
// is on the hot path.
func (s *Server) logRequest(r *http.Request, rid string, res *engine.Result, status int, start time.Time, err error) {
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelWarn
	}
	ctx := r.Context()
	if !s.opts.Logger.Enabled(ctx, level) {
		return
	}
	var buf [16]slog.Attr
	attrs := append(buf[:0], slog.String("request_id", rid), slog.String("method", r.Method),
		slog.String("path", r.URL.Path), slog.Int("status", status),
		slog.Int64("latency_ms", s.opts.Now().Sub(start).Milliseconds()))
	if res != nil {
		attrs = append(attrs, slog.String("router", res.Router), slog.String("target", res.Target),
			slog.Int("attempts", len(res.Attempts)), slog.Bool("fallback", res.Fallback),
			slog.Float64("cost_usd", roundUSD(res.CostUSD)), slog.String("trace_id", res.TraceID))
		if res.Arm != "" {
			attrs = append(attrs, slog.String("arm", res.Arm))
		}
		if res.Reroute != "" {
			attrs = append(attrs, slog.String("reroute", res.Reroute))
		}
		if len(res.Attempts) > 1 || err != nil {
			var tried []string
			for _, a := range res.Attempts {
				tried = append(tried, fmt.Sprintf("%s:%d:%s:%dms", a.Target, a.Status, a.Class, a.Ms))
			}
			attrs = append(attrs, slog.String("tried", strings.Join(tried, ",")))
		}
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	s.opts.Logger.LogAttrs(ctx, level, "request", attrs...)
}

// formatUSD prints a cost without float noise: rounded to 1e-12 USD (far
// below any token price) and with no trailing zeros, so 5.3e-6 is
// "0.0000053", not "0.000005300000000000001".
func formatUSD(v float64) string {
	return strconv.FormatFloat(roundUSD(v), 'f', -1, 64)
}

// roundUSD rounds a cost to 1e-12 USD, so the log line's cost_usd reads
// 0.0000053, not 5.300000000000001e-06: the nearest float64 to a decimal
// with 12 places prints as that decimal.
func roundUSD(v float64) float64 { return math.Round(v*1e12) / 1e12 }
