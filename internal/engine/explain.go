package engine

import (
	"context"
	"time"

	"github.com/switchyard-llm/switchyard/internal/budget"
	"github.com/switchyard-llm/switchyard/internal/routing"
	"github.com/switchyard-llm/switchyard/internal/trace"
)

// Plan is what POST /v1/routing/explain returns: the decision the gateway
// would make for a request, without calling any provider.
type Plan struct {
	// Operation is the API the request would come in by (chat,
	// embeddings, ...).
	Operation  string            `json:"operation"`
	Router     string            `json:"router"`
	Strategy   string            `json:"strategy"`
	Route      string            `json:"route,omitempty"`
	Candidates []PlanCandidate   `json:"candidates"`
	Decisions  []PlanDecision    `json:"decisions"`
	Budgets    []BudgetStatus    `json:"budgets,omitempty"`
	Cooldowns  map[string]string `json:"cooldowns,omitempty"`
	Policy     map[string]any    `json:"policy"`
	// Metrics is where the request's metrics would be counted: for an
	// inline router with a name, inline:<name> (or why not).
	Metrics *PlanMetrics `json:"metrics,omitempty"`
	// BudgetOutcome is set when a budget would stop the first attempt:
	// the request is rejected, or rerouted (Candidates are then the
	// reroute router's).
	BudgetOutcome *BudgetOutcome `json:"budget_outcome,omitempty"`
	// Embedding describes an embeddings request (ExplainEmbed).
	Embedding *PlanEmbedding `json:"embedding,omitempty"`
}

// PlanMetrics is the metrics router and arm of a request.
type PlanMetrics struct {
	Router string `json:"router"`
	Arm    string `json:"arm,omitempty"`
	Note   string `json:"note,omitempty"`
}

// BudgetOutcome is what an exhausted budget does to the request.
type BudgetOutcome struct {
	Budget string `json:"budget"`
	Action string `json:"action"` // "reject" or "reroute"
	// Router is the reroute target; Status and Code the rejection's.
	Router string `json:"router,omitempty"`
	Status int    `json:"status,omitempty"`
	Code   string `json:"code,omitempty"`
	Why    string `json:"why"`
}

// PlanCandidate is one target in try order.
type PlanCandidate struct {
	Target           string         `json:"target"`
	Provider         string         `json:"provider"`
	Model            string         `json:"model"`
	Via              string         `json:"via"`
	Arm              string         `json:"arm,omitempty"`
	Params           map[string]any `json:"params,omitempty"`
	EstimatedCostUSD *float64       `json:"estimated_cost_usd,omitempty"`
	CoolingDown      bool           `json:"cooling_down,omitempty"`
	// OverQuota says why the target's provider quota is used up, as this
	// instance knows it: the target would be skipped before any call.
	OverQuota string `json:"over_quota,omitempty"`
	// Dimensions is the vector length an embeddings request would get
	// from this target, when known (ExplainEmbed).
	Dimensions int `json:"dimensions,omitempty"`
	// Unsupported says why this target cannot serve the request's
	// operation (a provider that cannot embed): the loop passes it over.
	Unsupported string `json:"unsupported,omitempty"`
}

// PlanDecision is one router's choice.
type PlanDecision struct {
	Router   string         `json:"router"`
	Strategy string         `json:"strategy"`
	Route    string         `json:"route,omitempty"`
	Why      string         `json:"why,omitempty"`
	Order    []string       `json:"order"`
	Scores   []ScoredTarget `json:"scores,omitempty"`
	// Drained are targets with weight 0: they get no traffic.
	Drained []string `json:"drained,omitempty"`
}

// ScoredTarget is a target's score and the reason for it.
type ScoredTarget struct {
	Target string  `json:"target"`
	Score  float64 `json:"score"`
	Reason string  `json:"reason,omitempty"`
}

// Explain plans r as Complete/Stream would, without calling a provider:
// a dry run of the same planner (prepare) and of the loop's budget step
// and reroute for the first attempt. Targets in cooldown are listed
// (marked) rather than dropped, so the reader sees what was set aside.
func (e *Engine) Explain(ctx context.Context, r *Request) (*Plan, *Error) {
	ru, perr := e.planRun(ctx, r, true, true)
	if perr != nil {
		return nil, perr
	}
	route, sc := ru.route, ru.scope
	now := e.deps.Now()
	p := &Plan{Operation: r.Op(), Router: route.Name, Strategy: route.Router.Kind, Policy: policyView(route.Policy)}
	shown := e.explainBudgets(ctx, ru, p, now)
	allCooling := len(ru.candidates) == len(shown) && anyCooling(e, shown, now)
	for _, c := range shown {
		pc := PlanCandidate{Target: c.Key, Provider: c.Provider, Model: c.Model, Via: c.Path, Arm: c.Arm, Params: c.Params,
			CoolingDown: e.health.isCooling(c.Key, now), OverQuota: e.quotas.peek(c.Provider, now)}
		if price, ok := e.price(c.Leaf); ok {
			v := price.Expected(r.Chat)
			pc.EstimatedCostUSD = &v
		}
		p.Candidates = append(p.Candidates, pc)
	}
	if allCooling {
		p.Policy["note"] = "every candidate is cooling down, so all are tried anyway"
	}
	for _, d := range ru.decisions {
		pd := PlanDecision{Router: d.Router, Strategy: d.Strategy, Route: d.Route, Why: d.Why}
		for _, i := range d.Order {
			pd.Order = append(pd.Order, d.Targets[i].Name)
		}
		for _, t := range d.Targets {
			if t.Drained {
				pd.Drained = append(pd.Drained, t.Name)
			}
		}
		for i, s := range d.Scores {
			if i < len(d.Targets) && (s != 0 || (i < len(d.Reasons) && d.Reasons[i] != "")) {
				st := ScoredTarget{Target: d.Targets[i].Name, Score: s}
				if i < len(d.Reasons) {
					st.Reason = d.Reasons[i]
				}
				pd.Scores = append(pd.Scores, st)
			}
		}
		p.Decisions = append(p.Decisions, pd)
	}
	p.Route = assignedRoute(shown, ru.decisions)
	if len(shown) > 0 {
		sub := e.metricSubject(route, shown[0].Arm, true)
		p.Metrics = &PlanMetrics{Router: sub.router, Arm: sub.arm, Note: sub.note}
	}
	p.Budgets = e.budgets.Status(ctx, sc.budget(), now)
	for k, until := range e.state.coolingDown(now) {
		if !until.After(now) {
			continue // ended: half-open, awaiting its probe (halfopen.go)
		}
		if p.Cooldowns == nil {
			p.Cooldowns = map[string]string{}
		}
		p.Cooldowns[k] = until.UTC().Format(time.RFC3339)
	}
	if len(p.Candidates) == 0 {
		why := "the router produced no candidates"
		if len(ru.decisions) > 0 && ru.decisions[0].Why != "" {
			why = ru.decisions[0].Why
		}
		p.Policy["error"] = why
	}
	return p, nil
}

func anyCooling(e *Engine, cands []routing.Candidate, now time.Time) bool {
	for _, c := range cands {
		if e.health.isCooling(c.Key, now) {
			return true
		}
	}
	return false
}

func policyView(p Policy) map[string]any {
	return map[string]any{
		"max_retries": p.MaxRetries, "initial_backoff": p.InitialBackoff.String(), "max_backoff": p.MaxBackoff.String(),
		"max_retry_after": p.MaxRetryAfter.String(), "max_attempts": p.MaxAttempts, "timeout": p.Timeout.String(),
		"attempt_timeout": p.AttemptTimeout.String(), "stream_idle_timeout": p.StreamIdleTimeout.String(),
	}
}

// annotateDecision puts the routing decision on the request's span:
// indexed annotations for X-Ray filter expressions, scores as metadata.
func annotateDecision(span trace.Span, ru *run) {
	annotateOperation(span, ru)
	span.Annotate("router", ru.route.Name)
	span.Annotate("strategy", ru.route.Router.Kind)
	// What the caller asked for (a router's name or provider/model).
	span.Annotate("request_model", ru.req.Chat.Model)
	// The arm or route the request was assigned, at whatever depth it was
	// chosen (an A/B router nested under a fallback), as the header says.
	if route := assignedRoute(ru.plan, ru.decisions); route != "" {
		span.Annotate("route", route)
	}
	order := make([]string, len(ru.candidates))
	for i, c := range ru.candidates {
		order[i] = c.Key
	}
	span.Metadata("candidates", order)
	var scores []map[string]any
	for _, d := range ru.decisions {
		for i, s := range d.Scores {
			if i < len(d.Targets) {
				scores = append(scores, map[string]any{"router": d.Router, "target": d.Targets[i].Name, "score": s})
			}
		}
	}
	if len(scores) > 0 {
		span.Metadata("scores", scores)
	}
}

// explainBudgets runs the loop's budget step (budgetStep, dry: nothing
// reserved) for the first attempt, and the loop's reroute when it does
// not fit, and returns the candidates the request would follow: ru's
// plan, or the reroute router's (ru then holds the rerouted run, as the
// loop would). A refusal is noted in p, and ru left as planned.
func (e *Engine) explainBudgets(ctx context.Context, ru *run, p *Plan, now time.Time) []routing.Candidate {
	over := e.firstOverBudget(ctx, ru, now)
	if over == nil {
		return ru.plan
	}
	// The loop's own wording (budget.Exceeded.Why), so explain and the 429
	// agree on what did not fit.
	why := over.Why()
	if act, target, _ := cutReroute(budget.OnExceed(over.Budget)); act == "reroute" {
		if _, ok := e.routers[target]; ok {
			planned := *ru
			at := ru.planIndex(over.Target) + 1
			// The reroute happens once: if the reroute router's first
			// attempt does not fit either, the request is refused.
			if next, ok := e.reroute(ctx, ru, over); ok {
				ru.candidates = next
				if e.firstOverBudget(ctx, ru, now) == nil {
					p.BudgetOutcome = &BudgetOutcome{Budget: over.Budget.Name, Action: "reroute", Router: target,
						Why: why + "; the request goes to router " + target}
					return ru.plan[at:]
				}
			}
			*ru = planned
			why += "; router " + target + " cannot serve within it either"
		}
	}
	p.BudgetOutcome = &BudgetOutcome{Budget: over.Budget.Name, Action: "reject", Status: statusTooManyRequests,
		Code: "budget_exceeded", Why: why + "; the request is refused; " + maxTokensHint(ru.req.Chat)}
	return ru.plan
}

// firstOverBudget runs the budget step, dry, for ru's first attempt (its
// first healthy candidate, as the loop orders them).
func (e *Engine) firstOverBudget(ctx context.Context, ru *run, now time.Time) *exceeded {
	if len(ru.candidates) == 0 {
		return nil
	}
	c := ru.candidates[0]
	call, err := e.call(ru, c)
	if err != nil {
		return nil
	}
	return e.budgetStep(ctx, ru, &attempt{cand: c, call: call}, now)
}

// assignedRoute is the route or arm chosen on the way to the first
// candidate (routing.Candidate.Arm), else the first one any router chose.
func assignedRoute(cands []routing.Candidate, ds []routing.Decision) string {
	if len(cands) > 0 && cands[0].Arm != "" {
		return cands[0].Arm
	}
	for _, d := range ds {
		if d.Route != "" {
			return d.Route
		}
	}
	return ""
}
