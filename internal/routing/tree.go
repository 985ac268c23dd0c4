package routing

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/config"
)

// MaxDepth is how deep routers may nest; deeper trees are rejected.
const MaxDepth = 8

// Router is a compiled router: its strategy and one child per target.
type Router struct {
	Name     string // "fb", "inline", or "fb.targets[2]" for an inline child
	Strategy Strategy
	Kind     string // the strategy name, for traces
	Targets  []TargetInfo
	Children []Child
	Config   *config.Router
	// Height is the number of router levels from this one down to its
	// deepest model (1 for a router of models only).
	Height int
}

// Child is a target: a leaf model or a router.
type Child struct {
	Leaf   *Leaf
	Router *Router
	// Params are the target's params; a nested router's params apply to
	// every model under it, and the innermost value wins.
	Params map[string]any
}

// Leaf is a concrete provider/model.
type Leaf struct {
	Provider string
	Model    string
	Key      string // "provider/model"
}

// Compiler builds routers from a config. Named routers are compiled once
// and shared by every reference.
type Compiler struct {
	cfg      *config.Config
	compiled map[string]*Router
	visiting map[string]bool
}

// NewCompiler prepares to compile cfg's routers.
func NewCompiler(cfg *config.Config) *Compiler {
	return &Compiler{cfg: cfg, compiled: map[string]*Router{}, visiting: map[string]bool{}}
}

// Reuse makes the compiler share already compiled named routers (and their
// strategy state: round robin counters, smooth weights) instead of
// building them again — inline routers of requests use it.
func (c *Compiler) Reuse(routers map[string]*Router) *Compiler {
	for k, v := range routers {
		c.compiled[k] = v
	}
	return c
}

// Named compiles (or returns the compiled) router called name.
func (c *Compiler) Named(name string) (*Router, error) {
	return c.named(name, 0, "routers."+name)
}

// Inline compiles a router that is not in the config (a request body's
// router). Its targets may reference configured providers and routers only.
func (c *Compiler) Inline(r *config.Router, path string) (*Router, error) {
	return c.router("inline", r, 0, path)
}

func (c *Compiler) named(name string, depth int, path string) (*Router, error) {
	if r, ok := c.compiled[name]; ok {
		if depth+r.Height > MaxDepth {
			return nil, fmt.Errorf("%s: routers nest deeper than %d", path, MaxDepth)
		}
		return r, nil
	}
	cfg, ok := c.cfg.Routers[name]
	if !ok {
		return nil, fmt.Errorf("%s: unknown router %q", path, name)
	}
	if c.visiting[name] {
		return nil, fmt.Errorf("%s: router cycle through %q", path, name)
	}
	c.visiting[name] = true
	defer delete(c.visiting, name)
	r, err := c.router(name, cfg, depth, "routers."+name)
	if err != nil {
		return nil, err
	}
	c.compiled[name] = r
	return r, nil
}

func (c *Compiler) router(name string, cfg *config.Router, depth int, path string) (*Router, error) {
	if depth >= MaxDepth {
		return nil, fmt.Errorf("%s: routers nest deeper than %d", path, MaxDepth)
	}
	r := &Router{Name: name, Kind: cfg.Strategy, Config: cfg}
	if cfg.Strategy == "conditional" {
		// Each route is a fallback over its targets; the default is last.
		for i, route := range cfg.Routes {
			sub := &config.Router{Strategy: "fallback", Targets: route.Targets}
			child, err := c.router(name+"/"+route.Name, sub, depth+1, fmt.Sprintf("%s.routes[%d]", path, i))
			if err != nil {
				return nil, err
			}
			r.Children = append(r.Children, Child{Router: child})
			r.Targets = append(r.Targets, TargetInfo{Key: "route/" + route.Name, Name: route.Name})
		}
		if len(cfg.Default) > 0 {
			sub := &config.Router{Strategy: "fallback", Targets: cfg.Default}
			child, err := c.router(name+"/default", sub, depth+1, path+".default")
			if err != nil {
				return nil, err
			}
			r.Children = append(r.Children, Child{Router: child})
			r.Targets = append(r.Targets, TargetInfo{Key: "route/default", Name: "default"})
		}
	} else {
		for i, t := range cfg.Targets {
			tpath := fmt.Sprintf("%s.targets[%d]", path, i)
			child, info, err := c.target(name, i, t, depth, tpath)
			if err != nil {
				return nil, err
			}
			r.Children = append(r.Children, child)
			r.Targets = append(r.Targets, info)
		}
		nameDuplicates(r.Targets, cfg.Targets)
	}
	s, err := buildStrategy(cfg, r.Targets)
	if err != nil {
		// A strategy may report several problems, one per line: each gets
		// the router's path.
		lines := strings.Split(err.Error(), "\n")
		for i, l := range lines {
			lines[i] = joinPath(path, l)
		}
		return nil, errors.New(strings.Join(lines, "\n"))
	}
	r.Strategy = s
	r.Height = 1
	for _, ch := range r.Children {
		if ch.Router != nil && ch.Router.Height+1 > r.Height {
			r.Height = ch.Router.Height + 1
		}
	}
	return r, nil
}

// fieldPath matches a message that starts with a relative field path
// ("targets[1].weight: ...").
var fieldPath = regexp.MustCompile(`^[a-z_]+(\[\d+\])?(\.[a-z_$.]+(\[\d+\])?)*: `)

// joinPath prefixes msg with path, joining with "." when msg starts with a
// field path, so errors read "routers.ab.targets[1].weight: must be > 0".
func joinPath(path, msg string) string {
	if fieldPath.MatchString(msg) {
		return path + "." + msg
	}
	return path + ": " + msg
}

func (c *Compiler) target(parent string, i int, t config.Target, depth int, path string) (Child, TargetInfo, error) {
	info := TargetInfo{Name: t.Name, Weight: t.Weight, Drained: t.Drained, Region: t.Region}
	child := Child{Params: t.Params}
	switch {
	case t.Inline != nil:
		sub, err := c.router(fmt.Sprintf("%s.targets[%d]", parent, i), t.Inline, depth+1, path)
		if err != nil {
			return child, info, err
		}
		child.Router = sub
		info.Key = fmt.Sprintf("inline#%d", i)
		info.Leaves = leafKeys(sub)
	case t.Router != "":
		sub, err := c.named(t.Router, depth+1, path+".router")
		if err != nil {
			return child, info, err
		}
		child.Router = sub
		info.Key = "router/" + t.Router
		info.Leaves = leafKeys(sub)
	default:
		prov, model, ok := strings.Cut(t.Model, "/")
		if !ok {
			return child, info, fmt.Errorf("%s.model: %q must be provider/model", path, t.Model)
		}
		p, ok := c.cfg.Providers[prov]
		if !ok {
			return child, info, fmt.Errorf("%s.model: unknown provider %q", path, prov)
		}
		child.Leaf = &Leaf{Provider: prov, Model: model, Key: t.Model}
		info.Key, info.Leaf = t.Model, true
		if info.Region == "" {
			info.Region = p.Region
		}
	}
	if info.Name == "" {
		info.Name = info.Key
	}
	return child, info, nil
}

// nameDuplicates tells apart targets whose default name (their model or
// router) is the same: vLLora's A/B example splits one model by params, and
// its arms must not both be reported as that model. Such a target is named
// "<model>#<index>"; targets named in the config keep their names.
func nameDuplicates(infos []TargetInfo, targets []config.Target) {
	seen := make(map[string]int, len(infos))
	for _, in := range infos {
		seen[in.Name]++
	}
	for i := range infos {
		if seen[infos[i].Name] > 1 && i < len(targets) && targets[i].Name == "" {
			infos[i].Name = fmt.Sprintf("%s#%d", infos[i].Key, i)
		}
	}
}

// leafKeys lists the provider/model keys under r, each once, in tree order.
func leafKeys(r *Router) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(*Router)
	walk = func(r *Router) {
		for _, ch := range r.Children {
			switch {
			case ch.Leaf != nil && !seen[ch.Leaf.Key]:
				seen[ch.Leaf.Key] = true
				out = append(out, ch.Leaf.Key)
			case ch.Router != nil:
				walk(ch.Router)
			}
		}
	}
	walk(r)
	return out
}
