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
	memo := map[string][]dimLeaf{}
	for _, name := range sortedNames(c.Routers) {
		if c.Routers[name] == nil {
			continue
		}
		found := map[int][]string{} // dimensions -> "target (source)"
		for _, l := range c.namedLeaves(name, memo) {
			d, from := l.dims, "params.dimensions"
			if d == 0 {
				if m, ok := c.Models[l.model]; ok && m.Dimensions > 0 {
					d, from = m.Dimensions, "models."+l.model+".dimensions"
				}
			}
			if entry := l.model + " (" + from + ")"; d > 0 && !contains(found[d], entry) {
				found[d] = append(found[d], entry)
			}
		}
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

// dimLeaf is a model a router can reach, with the params.dimensions its
// path sets (0: none).
type dimLeaf struct {
	model string
	dims  int
}

// namedLeaves is leaves of a named router, memoised: a router referenced
// from many places (validateCycles' wide diamond) is walked once.
// validateCycles has already refused cycles; the memo entry is set before
// the walk so that one could not recurse forever anyway.
func (c *Config) namedLeaves(name string, memo map[string][]dimLeaf) []dimLeaf {
	if l, ok := memo[name]; ok {
		return l
	}
	memo[name] = nil
	l := c.leaves(c.Routers[name], memo)
	memo[name] = l
	return l
}

// leaves is r's reachable models, each once per params.dimensions; a
// target's own params.dimensions wins over an enclosing one's (as target
// params merge).
func (c *Config) leaves(r *Router, memo map[string][]dimLeaf) []dimLeaf {
	seen := map[dimLeaf]bool{}
	var out []dimLeaf
	add := func(l dimLeaf) {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	for _, t := range allTargets(r) {
		pd, _ := ParamDimensions(t.Params)
		var inner []dimLeaf
		switch {
		case t.Model != "":
			add(dimLeaf{model: t.Model, dims: pd})
			continue
		case t.Router != "":
			if c.Routers[t.Router] == nil {
				continue
			}
			inner = c.namedLeaves(t.Router, memo)
		case t.Inline != nil:
			inner = c.leaves(t.Inline, memo)
		}
		for _, l := range inner {
			if l.dims == 0 {
				l.dims = pd
			}
			add(l)
		}
	}
	return out
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

// EmbeddingTargets reports whether the models the named router can reach
// are embedding models (known dimensions: their path's params.dimensions,
// or models.<key>.dimensions; chat models have none): all of them, or
// some. GET /v1/models derives each router's operations from it.
func (c *Config) EmbeddingTargets(name string) (all, some bool) {
	if c.Routers[name] == nil {
		return false, false
	}
	leaves := c.namedLeaves(name, map[string][]dimLeaf{})
	n := 0
	for _, l := range leaves {
		if l.dims > 0 || c.EmbeddingModel(l.model) {
			n++
		}
	}
	return n > 0 && n == len(leaves), n > 0
}

// EmbeddingModel reports whether the config declares model
// ("provider/model") an embedding model: models.<key>.dimensions is set.
func (c *Config) EmbeddingModel(model string) bool {
	m, ok := c.Models[model]
	return ok && m.Dimensions > 0
}
