package routing

import (
	"errors"
	"fmt"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/condition"
	"github.com/switchyard-llm/switchyard/internal/config"
)

// Conditional sends a request to the first route whose `when` holds, else
// to the default targets, else nowhere: an empty plan, which the engine
// answers with 400. Only one route is ever taken; the route's own targets
// (a fallback router compiled by tree.go) are its fallbacks.
//
// Targets, as compiled by tree.go, are one child per route in route order,
// then one for the default when there is one.
type Conditional struct {
	routes     []route
	defaultIdx int // index of the default child; -1 when none

	whyDefault, whyNone string
}

type route struct {
	name string
	when *condition.Expr
	// why is precomputed: "routes tried: a, b; matched b".
	why string
}

var _ Strategy = (*Conditional)(nil)

// NewConditional validates a conditional router: at least one route or a
// default, route names non-empty and unique, every route with targets and a
// `when` that compiles.
func NewConditional(r *config.Router, targets []TargetInfo) (*Conditional, error) {
	if len(r.Targets) > 0 {
		return nil, errors.New("targets: a conditional router takes routes and default, not targets")
	}
	if err := unusedFields(r, "conditional", []string{"routes", "default"}); err != nil {
		return nil, err
	}
	if len(r.Routes) == 0 && len(r.Default) == 0 {
		return nil, errors.New("routes: a conditional router needs at least one route or a default")
	}
	want := len(r.Routes)
	if len(r.Default) > 0 {
		want++
	}
	if len(targets) != want {
		// tree.go compiles one child per route plus the default.
		return nil, fmt.Errorf("routes: %d compiled targets for %d routes and default", len(targets), want)
	}
	c := &Conditional{defaultIdx: -1}
	names := map[string]int{}
	tried := make([]string, 0, len(r.Routes))
	// Every route's problems are reported, one per line, so a single run of
	// `validate` lists them all.
	var problems []error
	for i, rt := range r.Routes {
		path := fmt.Sprintf("routes[%d]", i)
		switch j, dup := names[rt.Name]; {
		case rt.Name == "":
			problems = append(problems, fmt.Errorf("%s.name: is required", path))
		case rt.Name == "default":
			problems = append(problems, fmt.Errorf("%s.name: %q is reserved for the default targets", path, rt.Name))
		case dup:
			problems = append(problems, fmt.Errorf("%s.name: %q is already the name of routes[%d]", path, rt.Name, j))
		default:
			names[rt.Name] = i
		}
		if len(rt.Targets) == 0 {
			problems = append(problems, fmt.Errorf("%s.targets: a route needs at least one target", path))
		}
		if rt.When == nil {
			problems = append(problems, fmt.Errorf("%s.when: is required (use {} to match every request)", path))
			continue
		}
		expr, err := condition.Compile(rt.When)
		if err != nil {
			problems = append(problems, prefixCondition(path+".when", err))
			continue
		}
		if len(problems) > 0 {
			continue // the router is refused; only its problems matter now
		}
		tried = append(tried, rt.Name)
		c.routes = append(c.routes, route{
			name: rt.Name,
			when: expr,
			why:  "routes tried: " + strings.Join(tried, ", ") + "; matched " + rt.Name,
		})
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	list := strings.Join(tried, ", ")
	if list == "" {
		list = "none"
	}
	c.whyNone = "routes tried: " + list + "; none matched and there is no default"
	if len(r.Default) > 0 {
		c.defaultIdx = len(r.Routes)
		c.whyDefault = "routes tried: " + list + "; none matched, using default"
	}
	return c, nil
}

// prefixCondition puts path in front of each condition error's own path,
// so every problem reads "routes[2].when.$and[0].metadata.tier: ...".
func prefixCondition(path string, err error) error {
	var es condition.Errors
	if !errors.As(err, &es) {
		return fmt.Errorf("%s: %w", path, err)
	}
	out := make(condition.Errors, len(es))
	for i, e := range es {
		p := path
		if e.Path != "" {
			p += "." + e.Path
		}
		out[i] = &condition.Error{Path: p, Msg: e.Msg, Err: e.Err}
	}
	return out
}

// Order lists the first matching route, else the default, else nothing.
// Routes after the match are not evaluated.
func (c *Conditional) Order(in *Input, targets []TargetInfo, p *Plan) {
	var vars condition.Vars // nil Vars: every variable is absent
	if in != nil {
		vars = in.Vars
	}
	n := len(targets)
	for i, rt := range c.routes {
		if i >= n {
			break
		}
		if rt.when.Eval(vars) {
			p.SetScore(n, i, 1, "matched")
			p.Order = append(p.Order, i)
			p.Route = rt.name
			p.Why = rt.why
			return
		}
		p.SetScore(n, i, 0, "no match")
	}
	if c.defaultIdx >= 0 && c.defaultIdx < n {
		p.SetScore(n, c.defaultIdx, 0, "default")
		p.Order = append(p.Order, c.defaultIdx)
		p.Route = "default"
		p.Why = c.whyDefault
		return
	}
	p.Why = c.whyNone
}
