package engine

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/messages"
	"github.com/switchyard-llm/switchyard/internal/pricing"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/routing"
)

// Request is one call into the engine.
type Request struct {
	// Chat is the request in chat form: the caller's own for chat, and a
	// translation for the other operations, from which routing
	// conditions, token estimates and budgets' worst cases are read.
	Chat *chat.Request
	// Operation is the API the request came in by (Op*); empty is OpChat.
	Operation string
	// Embed is an embeddings request (Engine.Embed); nil for chat.
	Embed   *provider.EmbedRequest
	ID      string      // gateway request id
	Key     *config.Key // the caller's key; nil when auth is off
	Headers http.Header // the caller's headers (lowercase lookup via Get)
	Caller  routing.Location
	TraceID string

	// Messages is an Anthropic Messages request (Engine.Messages); Chat
	// is then its translation (messages.ToChat).
	Messages *messages.Request
	// counting: a count_tokens request, which generates nothing. Its
	// attempts (an estimate in microseconds, or a count call) say nothing
	// about how a target answers, so they stay out of the targets' stats
	// that latency, optimized and least-loaded routing learn from.
	counting bool
}

// The operations (APIs) a request can come in by: Request.Operation, the
// request.operation condition variable, and a label of metrics and traces.
const (
	OpChat       = "chat"       // POST /v1/chat/completions
	OpEmbeddings = "embeddings" // POST /v1/embeddings
	OpMessages   = "messages"   // POST /v1/messages (Anthropic)
	OpResponses  = "responses"  // POST /v1/responses (OpenAI Responses)
)

// Result describes how a request was served.
type Result struct {
	Router   string
	Target   string // provider/model that served
	Arm      string // percentage arm / conditional route, if any
	Attempts []Attempt
	// Fallback is true when a target other than the plan's first
	// candidate served: a later one, or another because the first was
	// cooling down (or half-open under another request's probe).
	Fallback bool
	// Reroute says why the request left its router: "budget" when a
	// budget's on_exceed rerouted it; empty otherwise.
	Reroute  string
	CostUSD  float64
	Response *chat.Response // non-streamed only
	// Embedding is an embeddings request's answer (Engine.Embed).
	Embedding *provider.EmbedResponse
	// UpstreamRequestID is the serving provider's request id.
	UpstreamRequestID string
	TraceID           string
	Decisions         []routing.Decision
	// RateLimit is the caller's key's standing (x-ratelimit-* headers);
	// nil when its key has no limits.
	RateLimit *RateLimit
}

// run is the state of one request through the loop.
type run struct {
	req   *Request
	route *Route
	// plan is the candidates in the routers' order, before cooldowns
	// dropped or deferred any (a budget reroute replaces its tail). Its
	// first is the request's own target: serving from any other is a
	// fallback, and its arm is the request's arm.
	plan []routing.Candidate
	// reach is the furthest plan position the loop got to: a target
	// before it that was not attempted was skipped for cooldown.
	reach int
	// candidates are the targets in try order: plan without those
	// cooling down, half-open ones deferred (admitProbe).
	candidates []routing.Candidate
	decisions  []routing.Decision
	scope      scope
	rerouted   bool
	trackLoad  bool
	res        *Result // the result so far
	// cooling are the plan's targets left out because they cool down.
	cooling []string
	// deferred holds half-open targets this request may not probe,
	// moved to the back of candidates (admitProbe).
	deferred map[string]bool
	// quota are the targets skipped because their provider's quota was
	// used up (quotas.go).
	quota []quotaSkip
	// dryRun plans without side effects (explain): routers peek rather
	// than admit, and the budget step asks whether the worst case would
	// fit instead of reserving it (budgetStep).
	dryRun bool
}

// prepare plans r for serving (planRun, not a dry run).
func (e *Engine) prepare(ctx context.Context, r *Request, record bool) (*run, *Error) {
	return e.planRun(ctx, r, record, false)
}

// planRun is the planner: it resolves the route and expands it into the
// candidates in try order (plan, then candidates without those cooling
// down). A dry run (explain) plans the same way without side effects,
// and an empty plan is then no error: explain reports it.
func (e *Engine) planRun(ctx context.Context, r *Request, record, dryRun bool) (*run, *Error) {
	route, err := e.Resolve(r.Chat, r.Key)
	if err != nil {
		return nil, err
	}
	sc := scope{router: route.Name, user: r.Chat.User}
	if r.Key != nil {
		sc.key = r.Key.Name
	}
	ru := &run{req: r, route: route, scope: sc, dryRun: dryRun}
	if err := e.expand(ctx, ru, route.Router, record); err != nil {
		return nil, err
	}
	return ru, nil
}

func (e *Engine) input(ctx context.Context, ru *run) *routing.Input {
	now := e.deps.Now()
	vars := &requestVars{ctx: ctx, req: ru.req.Chat, headers: ru.req.Headers, caller: ru.req.Caller,
		now: now, budgets: e.budgets, scope: ru.scope, op: ru.req.Op(), inputTokens: -1}
	return &routing.Input{
		Request: ru.req.Chat, Vars: vars, Rand: e.rng(), Now: now,
		Stats: e.local.stats, Load: e.state, Costs: &costs{e: e, req: ru.req.Chat}, Caller: ru.req.Caller,
		Peek: ru.dryRun,
	}
}

func (e *Engine) expand(ctx context.Context, ru *run, r *routing.Router, record bool) *Error {
	ex := routing.Expand(r, e.input(ctx, ru), record)
	ru.decisions = append(ru.decisions, ex.Decisions...)
	if len(ex.Candidates) == 0 && !ru.dryRun {
		why := "the router produced no candidates"
		if len(ex.Decisions) > 0 && ex.Decisions[0].Why != "" {
			why = ex.Decisions[0].Why
		} else if r.Kind == "conditional" {
			why = "no route matched and the router has no default (routes: " + routeNames(r) + ")"
		}
		return &Error{Status: statusBadRequest, Type: TypeInvalidRequest, Code: "no_route", Message: why}
	}
	cands, kerr := keyModels(ru.req.Key, ex.Candidates)
	if kerr != nil {
		return kerr
	}
	ex.Candidates = cands
	ru.plan = ex.Candidates
	ru.candidates = e.orderByHealth(ex.Candidates)
	if len(ru.candidates) < len(ex.Candidates) {
		ru.cooling = leftOut(ex.Candidates, ru.candidates)
	}
	ru.trackLoad = e.usesLoad(r)
	return nil
}

func routeNames(r *routing.Router) string {
	names := make([]string, len(r.Targets))
	for i, t := range r.Targets {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}

// first is the plan's first candidate: the request's own target.
func (ru *run) first() routing.Candidate { return ru.plan[0] }

// planIndex is c's position in the plan (its first, as Expand tries a
// target once), -1 if it is not there.
func (ru *run) planIndex(key string) int {
	for i, p := range ru.plan {
		if p.Key == key {
			return i
		}
	}
	return -1
}

// usesLoad reports whether a least_loaded router is in r's tree, in which
// case in-flight counts are kept for its requests (and only then: they
// cost store writes). The answer is cached per engine, for its named
// routers.
func (e *Engine) usesLoad(r *routing.Router) bool {
	if v, ok := e.loadUsers.Load(r); ok {
		return v.(bool)
	}
	uses := r.Kind == "least_loaded"
	for _, ch := range r.Children {
		if ch.Router != nil && e.usesLoad(ch.Router) {
			uses = true
		}
	}
	if named, ok := e.routers[r.Name]; ok && named == r {
		// Only configured routers are cached: inline ones (and their
		// nested routers) come from callers, without bound.
		e.loadUsers.Store(r, uses)
	}
	return uses
}

// price looks up a candidate's price.
func (e *Engine) price(c routing.Leaf) (pricing.Price, bool) {
	pc := e.cfg.Providers[c.Provider]
	return e.catalog.Lookup(pc.Type, c.Provider, c.Model)
}

// costs serves per-request cost estimates to the cost strategy.
type costs struct {
	e   *Engine
	req *chat.Request
}

func (c *costs) EstimateCost(key string) (float64, bool) {
	prov, model, ok := strings.Cut(key, "/")
	if !ok {
		return 0, false
	}
	p, ok := c.e.price(routing.Leaf{Provider: prov, Model: model, Key: key})
	if !ok {
		return 0, false
	}
	return p.Expected(c.req), true
}

// timeout is how long the request may take: the router's timeout, or
// less if the caller's context ends sooner.
func timeout(ctx context.Context, p Policy) time.Duration {
	t := p.Timeout
	if cd, ok := ctx.Deadline(); ok {
		if left := time.Until(cd); left < t {
			t = left
		}
	}
	return t
}

// leftOut lists the keys of all that kept does not hold (kept is a
// subsequence of all): the targets a cooldown set aside.
func leftOut(all, kept []routing.Candidate) []string {
	out := make([]string, 0, len(all)-len(kept))
	j := 0
	for _, c := range all {
		if j < len(kept) && kept[j].Key == c.Key {
			j++
			continue
		}
		out = append(out, c.Key)
	}
	return out
}
