package config

// Decoding of routers and targets: the shorthands and vLLora's spellings
// they accept, and the explicit zero weight (a drained target) only the
// document can tell from an unset one. The generic walk they plug into is
// in decode.go; vLLora's larger shapes are in decode_vllora.go.

import (
	"reflect"
	"strings"
)

// weightStrategies are the strategies that read target weights: the one
// list of them. internal/routing, which maps these names to its weighted
// and percentage constructors, asks ReadsWeights instead of keeping a
// copy, so that a strategy or alias added there without being added here
// is caught rather than silently never draining.
var weightStrategies = map[string]bool{"weighted": true, "percentage": true, "a_b_testing": true}

// ReadsWeights reports whether the strategy named (as in Router.Strategy,
// aliases included) reads its targets' weights. Config cannot import
// internal/routing (routing imports config), so the list lives here.
func ReadsWeights(strategy string) bool { return weightStrategies[strategy] }

// drains reports whether raw, a target's weight or percentage, is an
// explicit 0 on a router whose strategy reads weights: the target is
// drained (no traffic; explain lists it). Target.Weight cannot tell 0
// from unset, and weighted takes unset as 1, so only the document shows
// the difference. Negative weights are left to validation, which refuses
// them everywhere; "at least one > 0" is checked when the router is
// compiled.
func (d *decoder) drains(raw any) bool {
	f, ok := number(raw)
	return ok && f == 0 && d.weighted
}

// router decodes a router map, accepting vLLora's "type" for "strategy",
// "targets_percentages" for per-target weights, and the shapes
// decode_vllora.go rewrites.
func (d *decoder) router(path string, in any, out reflect.Value) {
	m, ok := in.(map[string]any)
	if !ok {
		d.errs.add(path, "must be a map, not %s", kindOf(in))
		return
	}
	m = copyMap(m)
	top := d.depth == 0
	d.depth++
	defer func() { d.depth-- }()
	var name string
	if n, ok := m["name"]; ok && d.flatTargets {
		// vLLora names its request-body routers ("name": "dynamic"). The
		// name of the body's router gives it metrics of its own
		// (inline:<name>); a nested router's name is its target's (see
		// target), so none reaches here.
		delete(m, "name")
		s, isString := n.(string)
		switch {
		case !isString:
			d.errs.add(join(path, "name"), "must be a string, not %s", kindOf(n))
		case top:
			if err := CheckInlineName(s); err != nil {
				d.errs.add(join(path, "name"), "%v", err)
			}
			name = s
		}
	}
	key := "strategy"
	if t, ok := m["type"]; ok {
		key = "type"
		if _, both := m["strategy"]; both {
			d.errs.add(join(path, "type"), "give strategy or type, not both")
		} else {
			m["strategy"] = t
		}
		delete(m, "type")
	}
	pcts, hasPcts := m["targets_percentages"]
	delete(m, "targets_percentages")
	strategy, _ := m["strategy"].(string)
	if hasPcts && strategy == "" {
		strategy = "percentage" // as set below
	}
	d.vllora(path, m, strategy, key)
	parentWeighted := d.weighted
	d.weighted = ReadsWeights(strategy)
	defer func() { d.weighted = parentWeighted }()
	d.structure(path, m, out)
	r := out.Addr().Interface().(*Router)
	r.Name = name
	if !hasPcts {
		return
	}
	list, ok := pcts.([]any)
	if !ok {
		d.errs.add(join(path, "targets_percentages"), "must be a list of numbers")
		return
	}
	if len(list) != len(r.Targets) {
		d.errs.add(join(path, "targets_percentages"), "has %d entries for %d targets", len(list), len(r.Targets))
		return
	}
	for i, v := range list {
		f, ok := number(v)
		if !ok {
			d.errs.add(index(join(path, "targets_percentages"), i), "must be a number")
			continue
		}
		r.Targets[i].Weight = f
		r.Targets[i].Drained = d.drains(v)
	}
	if r.Strategy == "" {
		r.Strategy = "percentage"
	}
}

// target decodes a target: "provider/model" (shorthand), {model: ...},
// {router: name}, or an inline router {strategy|type: ..., targets: ...}.
func (d *decoder) target(path string, in any, out reflect.Value) {
	t := out.Addr().Interface().(*Target)
	if s, ok := in.(string); ok {
		t.Model = s
		return
	}
	m, ok := in.(map[string]any)
	if !ok {
		d.errs.add(path, "must be a model name or a map, not %s", kindOf(in))
		return
	}
	if rm, ok := m["router"].(map[string]any); ok && d.flatTargets {
		d.routerTarget(path, m, rm, out)
		return
	}
	_, hasStrategy := m["strategy"]
	_, hasType := m["type"]
	if hasStrategy || hasType {
		// An inline router may carry target-level fields (weight, name, region).
		rm := copyMap(m)
		for _, k := range []string{"weight", "name", "region"} {
			if v, ok := rm[k]; ok {
				d.value(join(path, k), v, out.FieldByName(fieldByTag(targetType, k)))
				if k == "weight" {
					t.Drained = d.drains(v)
				}
				delete(rm, k)
			}
		}
		var r Router
		d.router(path, rm, reflect.ValueOf(&r).Elem())
		t.Inline = &r
		return
	}
	known := fieldsOf(targetType)
	rest := map[string]any{}
	for _, k := range sortedKeys(m) {
		if i, ok := known[k]; ok {
			d.value(join(path, k), m[k], out.Field(i))
			if k == "weight" {
				t.Drained = d.drains(m[k])
			}
			continue
		}
		if !d.flatTargets {
			d.errs.add(join(path, k), "unknown field (known: %s; request params go under params)", strings.Join(knownNames(known), ", "))
			continue
		}
		d.param(path, k, m[k], rest)
	}
	addParams(t, rest)
}

// param keeps a flat target's extra key as a request param.
func (d *decoder) param(path, k string, v any, rest map[string]any) {
	if providerSettings[k] {
		// A caller must never point the gateway at its own upstream or
		// credentials (SSRF, key theft): targets name configured providers.
		d.errs.add(join(path, k), "inline targets cannot set provider settings; name a configured provider in model")
		return
	}
	rest[k] = normalize(v)
}

func addParams(t *Target, rest map[string]any) {
	if len(rest) == 0 {
		return
	}
	if t.Params == nil {
		t.Params = map[string]any{}
	}
	for k, v := range rest {
		t.Params[k] = v
	}
}

// routerTarget decodes vLLora's nested router target, {"model":
// "router/<name>", "router": {...}, <params>}: the router object is an
// inline router, its name the target's (unless the target has one), and
// the target's other keys params for every model under it.
func (d *decoder) routerTarget(path string, m, rm map[string]any, out reflect.Value) {
	t := out.Addr().Interface().(*Target)
	rm = copyMap(rm)
	if n, ok := rm["name"]; ok {
		delete(rm, "name")
		if s, ok := n.(string); ok {
			t.Name = s
		} else {
			d.errs.add(join(path, "router.name"), "must be a string, not %s", kindOf(n))
		}
	}
	rest := map[string]any{}
	for _, k := range sortedKeys(m) {
		switch k {
		case "router":
		case "model":
			if s, ok := m[k].(string); !ok || !strings.HasPrefix(s, "router/") {
				d.errs.add(join(path, k), "a target with a router object takes no model but vLLora's placeholder router/<name>, not %s", kindOf(m[k]))
			}
		case "weight", "name", "region":
			d.value(join(path, k), m[k], out.FieldByName(fieldByTag(targetType, k)))
			if k == "weight" {
				t.Drained = d.drains(m[k])
			}
		default:
			d.param(path, k, m[k], rest)
		}
	}
	addParams(t, rest)
	var r Router
	d.router(join(path, "router"), rm, reflect.ValueOf(&r).Elem())
	t.Inline = &r
}

// providerSettings are provider config fields, refused in inline targets.
var providerSettings = map[string]bool{
	"base_url": true, "api_key": true, "headers": true, "endpoint_url": true, "type": true,
	"api_version": true, "region_endpoint": true,
}

// fieldByTag is the Go name of t's field whose yaml key is tag.
func fieldByTag(t reflect.Type, tag string) string {
	return t.Field(fieldsOf(t)[tag]).Name
}
