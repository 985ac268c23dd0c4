package config

import "strings"

// validateCycles rejects router reference cycles and trees deeper than
// MaxRouterDepth. Named routers and inline routers each count as a level.
//
// Each named router is walked once and its height remembered: a router
// referenced from many places (a diamond: 8 levels of 20 targets that all
// name the next level) must not be re-walked per path, or validation of a
// small document would take 20^8 steps.
func (c *Config) validateCycles(errs *Errors) {
	const visiting, done = 1, 2
	state := map[string]int{}
	height := map[string]int{} // routers on the longest chain from a named router, itself included
	var stack, cycle []string
	var visit func(name string) int
	var heightOf func(r *Router) int
	visit = func(name string) int {
		r := c.Routers[name]
		if r == nil || cycle != nil {
			return 0 // unknown routers are reported by validateTargets
		}
		switch state[name] {
		case done:
			return height[name]
		case visiting:
			cycle = append(append([]string(nil), stack...), name)
			return 0
		}
		state[name] = visiting
		stack = append(stack, name)
		h := heightOf(r)
		stack = stack[:len(stack)-1]
		state[name], height[name] = done, h
		return h
	}
	heightOf = func(r *Router) int {
		h := 0
		for _, t := range allTargets(r) {
			switch {
			case t.Router != "":
				h = max(h, visit(t.Router))
			case t.Inline != nil:
				h = max(h, heightOf(t.Inline))
			}
			if cycle != nil {
				return 0
			}
		}
		return h + 1
	}
	names := sortedNames(c.Routers)
	cycles := 0
	for _, name := range names {
		if visit(name); cycle != nil {
			// One report per cycle (the other routers on it would repeat
			// it); the walk unwound with every router on it done, so the
			// next one found is another cycle.
			errs.add("routers."+cycle[0], "router cycle: %s", strings.Join(cycle, " -> "))
			cycles++
			cycle = nil
		}
	}
	if cycles > 0 {
		return // heights are meaningless with cycles
	}
	for _, name := range names {
		if height[name] > MaxRouterDepth {
			chain := []string{name}
			for r := c.Routers[name]; len(chain) <= MaxRouterDepth; {
				var label string
				if r, label = c.deepestChild(r, heightOf); r == nil {
					break
				}
				chain = append(chain, label)
			}
			errs.add("routers."+name, "routers nest deeper than %d: %s", MaxRouterDepth, strings.Join(chain, " -> "))
			return
		}
	}
}

// deepestChild is the child router of r on its longest chain, and its name
// ("inline" for an inline router); nil when r has no child router.
func (c *Config) deepestChild(r *Router, heightOf func(*Router) int) (*Router, string) {
	var best *Router
	label, bestH := "", 0
	for _, t := range allTargets(r) {
		child, name := t.Inline, "inline"
		if t.Router != "" {
			child, name = c.Routers[t.Router], t.Router
		}
		if child == nil {
			continue
		}
		if h := heightOf(child); h > bestH {
			best, label, bestH = child, name, h
		}
	}
	return best, label
}

// allTargets is every target of r: its targets, route targets and default.
func allTargets(r *Router) []Target {
	all := append(append([]Target(nil), r.Targets...), r.Default...)
	for _, route := range r.Routes {
		all = append(all, route.Targets...)
	}
	return all
}
