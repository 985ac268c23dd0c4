package routing

import "maps"

// Candidate is one provider/model to try, in order.
type Candidate struct {
	Leaf
	// Params are the merged params of every target on the path to this
	// model (innermost wins). Nil when none.
	Params map[string]any
	// Path names the routers this candidate came through ("fb > cheap").
	Path string
	// Arm is the first route or arm chosen on the way (percentage arm,
	// conditional route), empty when none.
	Arm string
}

// Decision records one router's plan, for traces and explain.
type Decision struct {
	Router   string
	Strategy string
	Route    string
	Why      string
	Targets  []TargetInfo
	Order    []int
	Scores   []float64
	Reasons  []string
}

// Expansion is a request's full routing outcome.
type Expansion struct {
	Candidates []Candidate
	Decisions  []Decision
}

// Expand plans r and every router under it depth-first, appending the
// resulting candidates in order. A provider/model reached twice is tried
// once, at its first position. record=false skips copying decisions (the
// hot path); explain and traces ask for them.
func Expand(r *Router, in *Input, record bool) *Expansion {
	e := &Expansion{}
	seen := make(map[string]bool, 8)
	expand(r, in, nil, r.Name, "", record, e, seen)
	return e
}

func expand(r *Router, in *Input, params map[string]any, path, arm string, record bool, e *Expansion, seen map[string]bool) {
	var p Plan
	r.Strategy.Order(in, r.Targets, &p)
	if record {
		e.Decisions = append(e.Decisions, Decision{
			Router: r.Name, Strategy: r.Kind, Route: p.Route, Why: p.Why,
			Targets: r.Targets, Order: append([]int(nil), p.Order...),
			Scores: append([]float64(nil), p.Scores...), Reasons: append([]string(nil), p.Reasons...),
		})
	}
	if arm == "" && p.Route != "" {
		arm = p.Route
	}
	for _, i := range p.Order {
		if i < 0 || i >= len(r.Children) {
			continue
		}
		ch := r.Children[i]
		merged := mergeParams(params, ch.Params)
		if ch.Leaf != nil {
			if seen[ch.Leaf.Key] {
				continue
			}
			seen[ch.Leaf.Key] = true
			e.Candidates = append(e.Candidates, Candidate{Leaf: *ch.Leaf, Params: merged, Path: path, Arm: arm})
			continue
		}
		expand(ch.Router, in, merged, path+" > "+ch.Router.Name, arm, record, e, seen)
	}
}

func mergeParams(outer, inner map[string]any) map[string]any {
	if len(inner) == 0 {
		return outer
	}
	if len(outer) == 0 {
		return inner
	}
	m := maps.Clone(outer)
	maps.Copy(m, inner)
	return m
}
