package httpapi

import (
	"strings"

	"github.com/switchyard-llm/switchyard/internal/config"
)

// scope is what a caller may see in /v1/models and /v1/metrics: the
// routers its key may use and the targets those reach. A key limited to
// some routers must not learn the others' names, targets or traffic.
type scope struct {
	all     bool // no key (keyless loopback, admin) or a key with no router list
	direct  bool // the key may call any provider/model: every model is its business
	inline  bool // the key may send inline routers
	routers map[string]bool
	targets map[string]bool
}

func scopeOf(cfg *config.Config, key *config.Key) *scope {
	if key == nil || len(key.Routers) == 0 {
		return &scope{all: true}
	}
	sc := &scope{routers: map[string]bool{}, targets: map[string]bool{}}
	seen := map[*config.Router]bool{}
	for _, name := range key.Routers {
		switch name {
		case "direct":
			sc.direct = true
		case "inline":
			sc.inline = true
		}
		if r, ok := cfg.Routers[name]; ok {
			sc.routers[name] = true
			sc.collect(cfg, r, seen)
		}
	}
	return sc
}

// collect adds the targets r reaches, through nested routers too: the
// key's traffic lands on them.
func (sc *scope) collect(cfg *config.Config, r *config.Router, seen map[*config.Router]bool) {
	if r == nil || seen[r] {
		return
	}
	seen[r] = true
	walk := func(ts []config.Target) {
		for _, t := range ts {
			switch {
			case t.Model != "":
				sc.targets[t.Model] = true
			case t.Router != "":
				sc.collect(cfg, cfg.Routers[t.Router], seen)
			case t.Inline != nil:
				sc.collect(cfg, t.Inline, seen)
			}
		}
	}
	walk(r.Targets)
	for _, rt := range r.Routes {
		walk(rt.Targets)
	}
	walk(r.Default)
}

// router reports whether the caller may see router name (its stats, its
// arms, its entry in /v1/models).
func (sc *scope) router(name string) bool {
	switch {
	case sc.all || sc.routers[name]:
		return true
	case name == "direct":
		return sc.direct
	case name == "inline" || strings.HasPrefix(name, "inline:"):
		return sc.inline
	}
	return false
}

// target reports whether the caller may see a provider/model's stats.
func (sc *scope) target(key string) bool { return sc.all || sc.direct || sc.targets[key] }

// models reports whether /v1/models lists bare provider/model ids.
func (sc *scope) models() bool { return sc.all || sc.direct }
