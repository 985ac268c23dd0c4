package configsource

import (
	"fmt"
	"sort"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/pricing"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// buildProviders builds every provider of cfg as engine.New would, so that
// what only a constructor rejects (a Bedrock provider with no region in
// the config or the environment, an unreadable AWS profile) fails
// validation instead of the next engine build. Constructors do no network
// I/O: keys and AWS credentials are resolved on first use.
//
// A type this binary does not link (a test that registers only mock) is
// not built; the gateway binary registers every type.
func buildProviders(cfg *config.Config) config.Errors {
	registered := map[string]bool{}
	for _, t := range provider.Types() {
		registered[t] = true
	}
	names := make([]string, 0, len(cfg.Providers))
	for name := range cfg.Providers {
		names = append(names, name)
	}
	sort.Strings(names)
	var errs config.Errors
	for _, name := range names {
		pc := cfg.Providers[name]
		if !registered[pc.Type] {
			continue
		}
		if _, err := provider.New(pc, provider.Env{Name: name}); err != nil {
			errs = append(errs, config.FieldError{Path: "providers." + name, Msg: err.Error()})
		}
	}
	return errs
}

// Warnings are things a valid config does that are probably not meant,
// one line each, for `gateway validate` to print. Today: router targets
// covered by a budget that have no known price. Their attempts reserve
// and cost $0, so spend on them never counts against the budget and a
// hard budget does not stop them.
func Warnings(cfg *config.Config) []string {
	if len(cfg.Budgets) == 0 {
		return nil
	}
	catalog := pricing.Default().WithOverrides(cfg.Models)
	byPath := map[string][]string{} // unpriced target path -> budgets covering it
	models := map[string]string{}   // path -> provider/model
	for _, b := range cfg.Budgets {
		for _, leaf := range coveredLeaves(cfg, b) {
			pc := cfg.Providers[leaf.provider]
			if _, ok := catalog.Lookup(pc.Type, leaf.provider, leaf.model); ok {
				continue
			}
			if !contains(byPath[leaf.path], b.Name) {
				byPath[leaf.path] = append(byPath[leaf.path], b.Name)
			}
			models[leaf.path] = leaf.provider + "/" + leaf.model
		}
	}
	paths := make([]string, 0, len(byPath))
	for p := range byPath {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		budgets := byPath[p]
		noun := "budget"
		if len(budgets) > 1 {
			noun = "budgets"
		}
		out = append(out, fmt.Sprintf("%s: %s has no known price, so its requests count as $0 against %s %s, which cannot stop them; "+
			"give it input_per_mtok and output_per_mtok under models: %q", p, models[p], noun, strings.Join(budgets, ", "), models[p]))
	}
	return out
}

// leaf is a model target of a named router, with its path in the config.
type leaf struct {
	path, provider, model string
}

// coveredLeaves is every model target in the routers whose requests are
// charged to budget b: all routers for global and user budgets, the key's
// routers for key budgets, the router for router budgets, and the budget's
// reroute router; each with the routers they nest. Direct provider/model
// calls and inline routers of request bodies are not in the config, so
// they cannot be listed.
func coveredLeaves(cfg *config.Config, b config.Budget) []leaf {
	var roots []string
	kind, arg, _ := strings.Cut(b.Scope, ":")
	switch {
	case b.Scope == "global" || b.Scope == "user":
		roots = routerNames(cfg)
	case kind == "router":
		roots = []string{arg}
	case kind == "key":
		for _, k := range cfg.Keys {
			if k.Name != arg {
				continue
			}
			if len(k.Routers) == 0 {
				roots = routerNames(cfg)
			} else {
				roots = append(roots, k.Routers...)
			}
		}
	}
	if act, target, _ := strings.Cut(b.OnExceed, ":"); act == "reroute" {
		roots = append(roots, target)
	}
	seen := map[string]bool{}
	var out []leaf
	var visit func(name string)
	var walk func(path string, r *config.Router)
	visit = func(name string) {
		r := cfg.Routers[name]
		if r == nil || seen[name] { // "direct", "inline", or done
			return
		}
		seen[name] = true
		walk("routers."+name, r)
	}
	walkTargets := func(path string, ts []config.Target) {
		for i, t := range ts {
			tp := fmt.Sprintf("%s[%d]", path, i)
			switch {
			case t.Model != "":
				prov, model, _ := strings.Cut(t.Model, "/")
				out = append(out, leaf{path: tp, provider: prov, model: model})
			case t.Router != "":
				visit(t.Router)
			case t.Inline != nil:
				walk(tp, t.Inline)
			}
		}
	}
	walk = func(path string, r *config.Router) {
		walkTargets(path+".targets", r.Targets)
		for i, route := range r.Routes {
			walkTargets(fmt.Sprintf("%s.routes[%d].targets", path, i), route.Targets)
		}
		walkTargets(path+".default", r.Default)
	}
	for _, name := range roots {
		visit(name)
	}
	return out
}

func routerNames(cfg *config.Config) []string {
	names := make([]string, 0, len(cfg.Routers))
	for name := range cfg.Routers {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
