package engine

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/routing"
)

// maxModelName bounds the model a caller may name (provider model ids are
// well under 200 characters; Bedrock ARNs included).
const maxModelName = 256

// Route is the router chosen for a request.
type Route struct {
	// Name is what x-switchyard-router reports: the router's name, "direct"
	// or "inline".
	Name   string
	Router *routing.Router
	Policy Policy
	// InlineName is the name an inline router carries (empty when none):
	// its metrics count under inline:<name> (see InlineNames).
	InlineName string
}

// Resolve picks the router for req: an inline router in the body, a
// router named by model ("router/<name>" or "<name>"), a direct
// "provider/model", or a bare model a provider lists. key is the caller's
// key (nil when auth is off).
func (e *Engine) Resolve(req *chat.Request, key *config.Key) (*Route, *Error) {
	if raw, ok := inlineRouter(req); ok {
		return e.resolveInline(raw, key)
	}
	model := req.Model
	if model == "" {
		return nil, &Error{Status: statusBadRequest, Type: TypeInvalidRequest, Code: "missing_model", Param: "model",
			Message: "model is required: a router (router/<name>), provider/model, or a model a provider lists"}
	}
	if len(model) > maxModelName {
		return nil, &Error{Status: statusBadRequest, Type: TypeInvalidRequest, Code: "invalid_model", Param: "model",
			Message: fmt.Sprintf("model is %d characters long; at most %d are accepted", len(model), maxModelName)}
	}
	name := strings.TrimPrefix(model, "router/")
	if r, ok := e.routers[name]; ok {
		if err := allowed(key, name); err != nil {
			return nil, err
		}
		return &Route{Name: name, Router: r, Policy: PolicyFor(e.cfg.Routers[name])}, nil
	}
	if strings.HasPrefix(model, "router/") {
		return nil, notFound(fmt.Sprintf("unknown router %q", name))
	}
	if prov, m, ok := strings.Cut(model, "/"); ok {
		if _, ok := e.cfg.Providers[prov]; ok && m != "" {
			if err := allowed(key, "direct"); err != nil {
				return nil, err
			}
			return e.direct([]string{prov}, m), nil
		}
	}
	if provs := e.bareModel[model]; len(provs) > 0 {
		if err := allowed(key, "direct"); err != nil {
			return nil, err
		}
		return e.direct(provs, model), nil
	}
	return nil, notFound(fmt.Sprintf("unknown model %q: not a router, a provider/model of a configured provider, or a model a provider lists", model))
}

func notFound(msg string) *Error {
	return &Error{Status: statusNotFound, Type: TypeInvalidRequest, Code: "model_not_found", Param: "model", Message: msg}
}

// direct is a fallback over the providers serving model, with default policy.
func (e *Engine) direct(providers []string, model string) *Route {
	r := &routing.Router{Name: "direct", Kind: "fallback", Strategy: routing.Fallback{}}
	for _, p := range providers {
		key := p + "/" + model
		r.Children = append(r.Children, routing.Child{Leaf: &routing.Leaf{Provider: p, Model: model, Key: key}})
		r.Targets = append(r.Targets, routing.TargetInfo{Key: key, Name: key, Leaf: true, Region: e.cfg.Providers[p].Region})
	}
	return &Route{Name: "direct", Router: r, Policy: PolicyFor(nil)}
}

// inlineRouter finds a router object in the body: "router" or "extra.router".
func inlineRouter(req *chat.Request) (json.RawMessage, bool) {
	if raw, ok := req.Extra["router"]; ok && len(raw) > 0 && raw[0] == '{' {
		return raw, true
	}
	if raw, ok := req.Extra["extra"]; ok {
		var extra map[string]json.RawMessage
		if json.Unmarshal(raw, &extra) == nil {
			if r, ok := extra["router"]; ok && len(r) > 0 && r[0] == '{' {
				return r, true
			}
		}
	}
	return nil, false
}

func (e *Engine) resolveInline(raw json.RawMessage, key *config.Key) (*Route, *Error) {
	if s := e.cfg.Server.AllowInlineRouters; s != nil && !*s {
		return nil, &Error{Status: statusForbidden, Type: TypePermission, Code: "inline_router_denied",
			Param: "router", Message: "inline routers are disabled on this gateway"}
	}
	if key != nil && key.AllowInline != nil && !*key.AllowInline {
		return nil, &Error{Status: statusForbidden, Type: TypePermission, Code: "inline_router_denied",
			Param: "router", Message: fmt.Sprintf("key %q may not use inline routers", key.Name)}
	}
	if err := allowed(key, "inline"); err != nil {
		return nil, err
	}
	// The same inline router sent again is the same router: compiled once,
	// so round_robin and weighted keep rotating across requests (and the
	// decode and compile are not paid again). The allow-list is the
	// caller's, so it is checked every time. A body over the size limit is
	// never in the cache, so it is not even hashed.
	lim := e.cfg.Server.Inline.Effective()
	var cacheKey [sha256.Size]byte
	if len(raw) <= lim.MaxBytes {
		cacheKey = sha256.Sum256(raw)
		if route, ok := e.inline.get(cacheKey); ok {
			if err := e.allowedInside(key, route.Router); err != nil {
				return nil, err
			}
			return route, nil
		}
	}
	// Size, target count and nesting are checked on the raw JSON before
	// anything is compiled: a router of a million targets once kept
	// ~570 MB.
	rc, size, err := config.DecodeInlineRouter(raw, "router", lim)
	if err != nil {
		return nil, invalidRouter(err)
	}
	// Inline targets may only name configured providers and routers: a
	// caller can never supply a base URL or key (SSRF and key theft).
	var errs config.Errors
	e.cfg.ValidateRouter(&errs, "router", rc)
	if len(errs) > 0 {
		return nil, invalidRouter(errs)
	}
	// Named routers are shared, compiled ones; their heights bound the
	// nesting check without walking them again.
	r, cerr := routing.NewCompiler(e.cfg).Reuse(e.routers).Inline(rc, "router")
	if cerr != nil {
		return nil, invalidRouter(cerr)
	}
	// A key's router allow-list holds inside an inline router too: naming
	// a router as a target is using it.
	if err := e.allowedInside(key, r); err != nil {
		return nil, err
	}
	route := &Route{Name: InlineRouter, Router: r, Policy: inlinePolicy(PolicyFor(rc), lim), InlineName: rc.Name}
	e.inline.put(cacheKey, route, e.inlineCost(size, r))
	return route, nil
}

// invalidRouter is the 400 for an inline router that cannot be served;
// param names the first field at fault ("router.max_attempts").
func invalidRouter(err error) *Error {
	e := BadRequest("invalid_router", "invalid inline router: "+strings.ReplaceAll(err.Error(), "\n", "; "))
	e.Param = "router"
	var fes config.Errors
	if errors.As(err, &fes) && len(fes) > 0 && fes[0].Path != "" {
		e.Param = fes[0].Path
	}
	return e
}

// inlinePolicy caps the defaults an inline router did not override by the
// server maxima (fields it set above them were refused when decoded).
func inlinePolicy(p Policy, lim config.InlineLimits) Policy {
	p.MaxAttempts = min(p.MaxAttempts, lim.MaxAttempts)
	p.MaxRetries = min(p.MaxRetries, *lim.MaxRetries)
	p.Timeout = min(p.Timeout, lim.MaxTimeout.D())
	return p
}

// allowedInside checks key against every configured router r reaches
// through inline routers. A configured router's own targets are the
// config's business, not the caller's, so the walk stops there.
func (e *Engine) allowedInside(key *config.Key, r *routing.Router) *Error {
	if key == nil || len(key.Routers) == 0 {
		return nil
	}
	for _, ch := range r.Children {
		if ch.Router == nil {
			continue
		}
		if named, ok := e.routers[ch.Router.Name]; ok && named == ch.Router {
			if err := allowed(key, ch.Router.Name); err != nil {
				return err
			}
			continue
		}
		if err := e.allowedInside(key, ch.Router); err != nil {
			return err
		}
	}
	return nil
}

// allowed checks a key's router allow-list.
func allowed(key *config.Key, router string) *Error {
	if key == nil || len(key.Routers) == 0 || slices.Contains(key.Routers, router) {
		return nil
	}
	return &Error{Status: statusForbidden, Type: TypePermission, Code: "router_not_allowed",
		Message: fmt.Sprintf("key %q may not use router %q", key.Name, router)}
}
