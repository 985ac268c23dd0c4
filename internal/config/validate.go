package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/condition"
)

// ProviderTypes are the provider types a config may use.
var ProviderTypes = []string{"anthropic", "bedrock", "gemini", "mock", "openai", "openai-compatible"}

// MaxRouterDepth is how deep routers may nest (matches routing.MaxDepth).
const MaxRouterDepth = 8

// Validate checks everything that can be checked without building
// strategies: references, cycles, value ranges, provider fields, budgets
// and keys. Strategy-specific fields are checked when routers are compiled.
func (c *Config) Validate() error {
	var errs Errors
	c.validateServer(&errs)
	// Read at each validation, so the process that stores or loads a
	// config (admin PUT, config push, a Lambda's reload) applies its own
	// operator settings.
	pol := UpstreamPolicyFromEnv(os.Getenv)
	for _, name := range sortedNames(c.Providers) {
		c.validateProvider(&errs, pol, namePath("providers", name), name, c.Providers[name])
	}
	for _, key := range sortedNames(c.Models) {
		c.validateModel(&errs, namePath("models", key), key, c.Models[key])
	}
	for _, name := range sortedNames(c.Routers) {
		path := namePath("routers", name)
		if err := CheckName(name); err != nil {
			errs.add(path, "%v", err)
		}
		if c.Routers[name] == nil {
			errs.add(path, "must be a router map")
			continue
		}
		c.ValidateRouter(&errs, path, c.Routers[name])
	}
	c.validateCycles(&errs)
	if len(errs) == 0 {
		// Only on an acyclic config with known references: the walk
		// follows nested routers.
		c.validateDimensions(&errs)
	}
	c.validateBudgets(&errs)
	c.validateKeys(&errs, "keys", c.Keys, true)
	c.validateKeys(&errs, "admin_keys", c.AdminKeys, false)
	return errs.orNil()
}

func (c *Config) validateServer(errs *Errors) {
	s := c.Server
	if s.MaxBodyBytes < 0 {
		errs.add("server.max_body_bytes", "must be >= 0")
	}
	s.Inline.validate(errs, "server.inline")
	if s.MaxInFlight < 0 {
		errs.add("server.max_in_flight", "must be >= 0")
	}
	switch {
	case s.MaxBodyMemory < 0:
		errs.add("server.max_body_memory", "must be >= 0")
	case s.MaxBodyMemory > 0 && s.MaxBodyMemory < s.BodyLimit():
		// A body of the largest allowed size could never be read.
		errs.add("server.max_body_memory", "must be >= max_body_bytes (%d)", s.BodyLimit())
	}
	for _, t := range []struct {
		name string
		d    Duration
	}{{"read_header", s.Timeouts.ReadHeader}, {"read_body", s.Timeouts.ReadBody}, {"write", s.Timeouts.Write}, {"idle", s.Timeouts.Idle}} {
		if t.d < 0 {
			errs.add("server.timeouts."+t.name, "must be >= 0")
		}
	}
}

func (c *Config) validateModel(errs *Errors, path, key string, m Model) {
	prov, _, _ := strings.Cut(key, "/")
	if err := CheckModelKey(key); err != nil {
		errs.add(path, "%v", err)
	} else if _, ok := c.Providers[prov]; !ok {
		errs.add(path, "unknown provider %q", prov)
	}
	for _, f := range []struct {
		name string
		v    *float64
	}{{"input_per_mtok", m.InputPerMTok}, {"output_per_mtok", m.OutputPerMTok}, {"cached_input_per_mtok", m.CachedInputPerMTok}} {
		if f.v != nil && *f.v < 0 {
			errs.add(path+"."+f.name, "must be >= 0")
		}
	}
	if m.ContextWindow < 0 || m.MaxOutputTokens < 0 {
		errs.add(path, "context_window and max_output_tokens must be >= 0")
	}
	if m.Dimensions < 0 {
		errs.add(path+".dimensions", "must be > 0")
	}
}

// ValidateRouter checks a router's shape and references. Inline routers
// from request bodies go through it too.
func (c *Config) ValidateRouter(errs *Errors, path string, r *Router) {
	if r.Strategy == "" {
		errs.add(path+".strategy", "is required")
	}
	if r.Strategy == "conditional" {
		if len(r.Routes) == 0 && len(r.Default) == 0 {
			errs.add(path+".routes", "a conditional router needs routes or a default")
		}
		if len(r.Targets) > 0 {
			errs.add(path+".targets", "a conditional router takes routes and default, not targets")
		}
		for i, route := range r.Routes {
			rp := fmt.Sprintf("%s.routes[%d]", path, i)
			if route.When == nil {
				errs.add(rp+".when", "is required")
			} else if _, err := condition.CompileWith(route.When, c.conditionOptions()); err != nil {
				addCondition(errs, rp+".when", err)
			}
			if len(route.Targets) == 0 {
				errs.add(rp+".targets", "at least one target is required")
			}
			c.validateTargets(errs, rp+".targets", route.Targets)
		}
		c.validateTargets(errs, path+".default", r.Default)
	} else {
		if len(r.Targets) == 0 {
			errs.add(path+".targets", "at least one target is required")
		}
		if len(r.Routes) > 0 || len(r.Default) > 0 {
			errs.add(path, "routes and default apply to strategy conditional only")
		}
		c.validateTargets(errs, path+".targets", r.Targets)
	}
	if r.Retry != nil {
		rt := r.Retry
		if rt.MaxRetries != nil && (*rt.MaxRetries < 0 || *rt.MaxRetries > 10) {
			errs.add(path+".retry.max_retries", "must be between 0 and 10")
		}
		if rt.MaxBackoff != 0 && rt.InitialBackoff > rt.MaxBackoff {
			errs.add(path+".retry.initial_backoff", "must not exceed max_backoff")
		}
	}
	if r.MaxAttempts < 0 || r.MaxAttempts > 50 {
		errs.add(path+".max_attempts", "must be between 1 and 50 (0 takes the default)")
	}
	if r.Timeout != 0 && r.Timeout.D() <= MinAttemptTime {
		errs.add(path+".timeout", "must be longer than %v: the gateway starts no attempt with under %v left before the deadline, so every request would end in 504", MinAttemptTime, MinAttemptTime)
	}
	if r.AttemptTimeout != 0 && r.AttemptTimeout.D() < MinAttemptTime {
		errs.add(path+".attempt_timeout", "must be at least %v: an attempt with less time cannot produce an answer (the gateway starts none with under %v left)", MinAttemptTime, MinAttemptTime)
	} else if r.AttemptTimeout != 0 && r.Timeout != 0 && r.AttemptTimeout > r.Timeout {
		errs.add(path+".attempt_timeout", "must not exceed timeout")
	}
	if r.StreamIdleTimeout != 0 && r.StreamIdleTimeout.D() < MinAttemptTime {
		errs.add(path+".stream_idle_timeout", "must be at least %v", MinAttemptTime)
	}
	for _, code := range sortedNames(r.OnStatus) {
		p := path + ".on_status." + code
		n, err := strconv.Atoi(code)
		if err != nil || n < 400 || n > 599 {
			errs.add(p, "keys must be HTTP error statuses (400-599)")
		}
		if a := r.OnStatus[code]; a != "next" && a != "fail" && a != "retry" {
			errs.add(p, "must be next, fail or retry, not %q", a)
		}
	}
	if r.Explore != nil && (*r.Explore < 0 || *r.Explore > 1) {
		errs.add(path+".explore", "must be between 0 and 1")
	}
	if r.MinSamples < 0 {
		errs.add(path+".min_samples", "must be >= 0")
	}
	if r.MaxCostUSD < 0 {
		errs.add(path+".max_cost_usd", "must be >= 0")
	}
}

// conditionOptions makes condition compilation check that every
// budget.<name>.remaining_pct names a configured budget.
func (c *Config) conditionOptions() condition.Options {
	names := make([]string, 0, len(c.Budgets))
	for _, b := range c.Budgets {
		names = append(names, b.Name)
	}
	return condition.Options{CheckBudgets: true, Budgets: names}
}

// addCondition reports each problem condition.Compile found as its own
// error with the full path, so a condition with two mistakes gives two
// "path: message" lines rather than one error spanning several lines.
func addCondition(errs *Errors, path string, err error) {
	var ces condition.Errors
	if !errors.As(err, &ces) {
		errs.add(path, "%v", err)
		return
	}
	for _, ce := range ces {
		p := path
		if ce.Path != "" {
			p = path + "." + ce.Path
		}
		errs.add(p, "%s", ce.Msg)
	}
}

func (c *Config) validateTargets(errs *Errors, path string, targets []Target) {
	for i, t := range targets {
		tp := fmt.Sprintf("%s[%d]", path, i)
		set := 0
		for _, on := range []bool{t.Model != "", t.Router != "", t.Inline != nil} {
			if on {
				set++
			}
		}
		if set != 1 {
			errs.add(tp, "a target needs exactly one of model, router, or an inline router (strategy + targets)")
			continue
		}
		if t.Weight < 0 {
			errs.add(tp+".weight", "must be > 0")
		}
		switch {
		case t.Model != "":
			prov, model, ok := strings.Cut(t.Model, "/")
			if !ok || model == "" {
				errs.add(tp+".model", "%q must be provider/model", t.Model)
			} else if _, ok := c.Providers[prov]; !ok {
				errs.add(tp+".model", "unknown provider %q (configured: %s)", prov, strings.Join(sortedNames(c.Providers), ", "))
			}
		case t.Router != "":
			if _, ok := c.Routers[t.Router]; !ok {
				errs.add(tp+".router", "unknown router %q", t.Router)
			}
		default:
			c.ValidateRouter(errs, tp, t.Inline)
		}
	}
}

// Budget periods.
var Periods = []string{"hour", "day", "week", "month", "total"}

func (c *Config) validateBudgets(errs *Errors) {
	seen := map[string]bool{}
	for i, b := range c.Budgets {
		p := fmt.Sprintf("budgets[%d]", i)
		if b.Name == "" {
			errs.add(p+".name", "is required")
		} else if err := CheckName(b.Name); err != nil {
			errs.add(p+".name", "%v", err)
		} else if seen[b.Name] {
			errs.add(p+".name", "duplicate budget name %q", b.Name)
		}
		seen[b.Name] = true
		kind, arg, _ := strings.Cut(b.Scope, ":")
		switch {
		case b.Scope == "global" || b.Scope == "user":
		case kind == "router" && arg != "":
			if _, ok := c.Routers[arg]; !ok && arg != "direct" && arg != "inline" {
				errs.add(p+".scope", "unknown router %q", arg)
			}
		case kind == "key" && arg != "":
			if !c.hasKey(arg) {
				errs.add(p+".scope", "unknown key %q", arg)
			}
		default:
			errs.add(p+".scope", "must be global, user, router:<name> or key:<name>, not %q", b.Scope)
		}
		if b.LimitUSD <= 0 {
			errs.add(p+".limit_usd", "must be > 0")
		}
		if !contains(Periods, b.Period) {
			errs.add(p+".period", "must be one of %s, not %q", strings.Join(Periods, ", "), b.Period)
		}
		act, target, _ := strings.Cut(b.OnExceed, ":")
		switch {
		case b.OnExceed == "" || b.OnExceed == "reject":
		case act == "reroute" && target != "":
			if _, ok := c.Routers[target]; !ok {
				errs.add(p+".on_exceed", "unknown router %q", target)
			}
		default:
			errs.add(p+".on_exceed", "must be reject or reroute:<router>, not %q", b.OnExceed)
		}
		if b.OnStoreError != "" && b.OnStoreError != "allow" && b.OnStoreError != "reject" {
			errs.add(p+".on_store_error", "must be allow or reject")
		}
		if b.LeaseUSD < 0 || (b.LimitUSD > 0 && b.LeaseUSD > b.LimitUSD) || math.IsNaN(b.LeaseUSD) {
			errs.add(p+".lease_usd", "must be between 0 (no leases) and limit_usd")
		}
		if b.HomeRegion != "" {
			if !bedrockRegion.MatchString(b.HomeRegion) {
				errs.add(p+".home_region", "must be an AWS region such as us-east-1, got %q", b.HomeRegion)
			}
			if !(b.LeaseUSD > 0) {
				// Without leases every request of another region would
				// reserve across regions: ~100 ms and a remote write each.
				errs.add(p+".lease_usd", "must be > 0 when home_region is set: other regions spend the budget through leases")
			}
		}
	}
}

func (c *Config) hasKey(name string) bool {
	for _, k := range c.Keys {
		if k.Name == name {
			return true
		}
	}
	return false
}

func (c *Config) validateKeys(errs *Errors, section string, keys []Key, withRouters bool) {
	seen := map[string]bool{}
	for i, k := range keys {
		p := fmt.Sprintf("%s[%d]", section, i)
		if k.Name == "" {
			errs.add(p+".name", "is required")
		} else if err := CheckName(k.Name); err != nil {
			errs.add(p+".name", "%v", err)
		} else if seen[k.Name] {
			errs.add(p+".name", "duplicate key name %q", k.Name)
		}
		seen[k.Name] = true
		if b, err := hex.DecodeString(k.SHA256); err != nil || len(b) != 32 {
			errs.add(p+".sha256", "must be the 64-character hex sha256 of the bearer token")
		}
		validateKeyExtras(errs, p, k, !withRouters)
		if !withRouters && (len(k.Routers) > 0 || k.AllowInline != nil) {
			errs.add(p, "routers and allow_inline apply to keys, not admin_keys")
		}
		for j, r := range k.Routers {
			if _, ok := c.Routers[r]; !ok && r != "direct" && r != "inline" {
				errs.add(fmt.Sprintf("%s.routers[%d]", p, j), "unknown router %q", r)
			}
		}
	}
}

// namePath is the error path of a named map entry: section.name, with
// the name quoted and shortened when it could garble the message (long,
// control characters, not ASCII).
func namePath(section, name string) string {
	return section + "." + PathName(name)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
