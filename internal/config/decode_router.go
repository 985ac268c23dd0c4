package config

// Decoding of routers and targets: the shorthands and vLLora's spellings
// they accept, and the explicit-zero weight check only the document can
// make. The generic walk they plug into is in decode.go.

import (
	"reflect"
	"strings"
)

// weightStrategies are the strategies that read target weights: the one
// list of them. internal/routing, which maps these names to its weighted
// and percentage constructors, asks ReadsWeights instead of keeping a
// copy, so that a strategy or alias added there without being added here
// is caught rather than silently skipping checkWeight.
var weightStrategies = map[string]bool{"weighted": true, "percentage": true, "a_b_testing": true}

// ReadsWeights reports whether the strategy named (as in Router.Strategy,
// aliases included) reads its targets' weights. Config cannot import
// internal/routing (routing imports config), so the list lives here.
func ReadsWeights(strategy string) bool { return weightStrategies[strategy] }

// checkWeight refuses an explicit weight of 0 on a target of a weighted
// or percentage router. Target.Weight cannot tell 0 from unset, and
// weighted takes unset as 1, so an operator draining a target with
// weight: 0 would still send it traffic. Only the document shows the
// difference, so the check is made here. Negative weights are left to
// validation, which refuses them everywhere.
func (d *decoder) checkWeight(path string, raw any) {
	if f, ok := number(raw); ok && f == 0 && d.weighted {
		d.errs.add(path, "must be > 0; remove the target to drain it")
	}
}

// router decodes a router map, accepting vLLora's "type" for "strategy" and
// "targets_percentages" for per-target weights.
func (d *decoder) router(path string, in any, out reflect.Value) {
	m, ok := in.(map[string]any)
	if !ok {
		d.errs.add(path, "must be a map, not %s", kindOf(in))
		return
	}
	m = copyMap(m)
	if n, ok := m["name"]; ok && d.flatTargets {
		// vLLora names its request-body routers ("name": "dynamic"); an
		// inline router is always called "inline" here, so the name is
		// checked for type and dropped.
		if _, isString := n.(string); !isString {
			d.errs.add(join(path, "name"), "must be a string, not %s", kindOf(n))
		}
		delete(m, "name")
	}
	if t, ok := m["type"]; ok {
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
	parentWeighted := d.weighted
	d.weighted = ReadsWeights(strategy)
	defer func() { d.weighted = parentWeighted }()
	d.structure(path, m, out)
	if !hasPcts {
		return
	}
	r := out.Addr().Interface().(*Router)
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
		d.checkWeight(index(join(path, "targets_percentages"), i), v)
		r.Targets[i].Weight = f
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
	_, hasStrategy := m["strategy"]
	_, hasType := m["type"]
	if hasStrategy || hasType {
		// An inline router may carry target-level fields (weight, name, region).
		rm := copyMap(m)
		for _, k := range []string{"weight", "name", "region"} {
			if v, ok := rm[k]; ok {
				d.value(join(path, k), v, out.FieldByName(fieldByTag(targetType, k)))
				if k == "weight" {
					d.checkWeight(join(path, k), v)
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
				d.checkWeight(join(path, k), m[k])
			}
			continue
		}
		if !d.flatTargets {
			d.errs.add(join(path, k), "unknown field (known: %s; request params go under params)", strings.Join(knownNames(known), ", "))
			continue
		}
		if providerSettings[k] {
			// A caller must never point the gateway at its own upstream or
			// credentials (SSRF, key theft): targets name configured providers.
			d.errs.add(join(path, k), "inline targets cannot set provider settings; name a configured provider in model")
			continue
		}
		rest[k] = normalize(m[k])
	}
	if len(rest) > 0 {
		if t.Params == nil {
			t.Params = map[string]any{}
		}
		for k, v := range rest {
			t.Params[k] = v
		}
	}
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
