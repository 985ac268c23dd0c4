package config

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// validateDimensions refuses a router whose embedding targets' known
// dimensions differ (DESIGN §9: a router may fall back only across equal
// dimensions): a fallback would answer in another vector space, and the
// caller's index would silently mix them. A target's dimensions are its
// params' dimensions (its own, else the nearest enclosing target's), else
// its model's models.<key>.dimensions; targets with neither are unknown
// and not compared (chat models have none).
func (c *Config) validateDimensions(errs *Errors) {
	for _, name := range sortedNames(c.Routers) {
		r := c.Routers[name]
		if r == nil {
			continue
		}
		found := map[int][]string{} // dimensions -> "target (source)"
		c.walkDimensions(r, 0, "", map[string]bool{name: true}, found)
		if len(found) < 2 {
			continue
		}
		dims := make([]int, 0, len(found))
		for d := range found {
			dims = append(dims, d)
		}
		sort.Ints(dims)
		parts := make([]string, len(dims))
		for i, d := range dims {
			parts[i] = fmt.Sprintf("%d: %s", d, strings.Join(found[d], ", "))
		}
		errs.add(namePath("routers", name), "embedding targets must agree on dimensions so that a fallback never mixes vector spaces; found %s", strings.Join(parts, "; "))
	}
}

// walkDimensions adds r's leaves' known dimensions to found. inherited is
// the nearest enclosing target's params.dimensions (0: none), seen the
// routers on the path (validateCycles has already refused cycles).
func (c *Config) walkDimensions(r *Router, inherited int, src string, seen map[string]bool, found map[int][]string) {
	for _, t := range allTargets(r) {
		d, from := inherited, src
		if v, ok := ParamDimensions(t.Params); ok {
			d, from = v, "params.dimensions"
		}
		switch {
		case t.Model != "":
			if d == 0 {
				if m, ok := c.Models[t.Model]; ok && m.Dimensions > 0 {
					d, from = m.Dimensions, "models."+t.Model+".dimensions"
				}
			}
			if d > 0 {
				entry := t.Model + " (" + from + ")"
				if !contains(found[d], entry) {
					found[d] = append(found[d], entry)
				}
			}
		case t.Router != "":
			if seen[t.Router] || c.Routers[t.Router] == nil {
				continue
			}
			seen[t.Router] = true
			c.walkDimensions(c.Routers[t.Router], d, from, seen, found)
			delete(seen, t.Router)
		case t.Inline != nil:
			c.walkDimensions(t.Inline, d, from, seen, found)
		}
	}
}

// ParamDimensions reads a target's params.dimensions: a positive whole
// number, as YAML or JSON decoded it.
func ParamDimensions(p map[string]any) (int, bool) {
	switch v := p["dimensions"].(type) {
	case int:
		return v, v > 0
	case int64:
		return int(v), v > 0 && v <= math.MaxInt32
	case uint64:
		return int(v), v > 0 && v <= math.MaxInt32
	case float64:
		return int(v), v > 0 && v == math.Trunc(v) && v <= math.MaxInt32
	}
	return 0, false
}
