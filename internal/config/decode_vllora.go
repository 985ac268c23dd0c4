package config

// vLLora's router shapes that are more than a renamed key: its
// conditional router (routing.routes[] with conditions all/any and target
// pools), metrics_duration, and a flat target carrying a router object.
// Each is rewritten, in the generic document, into Switchyard's own shape
// before the router is decoded; what has no Switchyard equivalent is
// refused with the reason. The wire format is vLLora's
// core/src/routing/mod.rs (LlmRouter, RoutingStrategy, ConditionalRouting,
// Route, RouteCondition, ConditionOpType, TargetSpec, TargetSortSpec,
// MetricsDuration) and core/src/routing/strategy/metric.rs
// (MetricSelector); docs/strategies.md lists what is accepted.

import (
	"sort"
	"strings"
	"time"
)

// metricsDurations are vLLora's MetricsDuration values (serde's default
// spelling of the Rust enum's variants) as stats windows. vLLora's Total
// is every request ever; the longest window Switchyard keeps is 24h.
var metricsDurations = map[string]time.Duration{
	"Total":         24 * time.Hour,
	"LastHour":      time.Hour,
	"Last15Minutes": 15 * time.Minute,
}

// vlloraOps are vLLora's ConditionOpType names without the '$' (it
// accepts both); Switchyard's condition operators are these with it.
var vlloraOps = map[string]bool{"eq": true, "ne": true, "in": true, "gt": true, "lt": true, "gte": true, "lte": true, "contains": true}

// vlloraSortMetrics are vLLora's MetricSelector values a $any pool may be
// sorted by, each with the order vLLora sorts it in when sort_order is
// not given (tps highest first, every other lowest first) and the order
// Switchyard's optimized strategy ranks it in. They differ for requests:
// vLLora puts the least used first, optimized the most used.
var vlloraSortMetrics = map[string]struct{ vllora, switchyard string }{
	"latency":    {"min", "min"},
	"ttft":       {"min", "min"},
	"error_rate": {"min", "min"},
	"tps":        {"max", "max"},
	"requests":   {"min", "max"},
}

// RefusedStrategies are strategies vLLora documents that Switchyard does
// not run, with the reason: a plain "unknown strategy" would read as a
// typo.
var RefusedStrategies = map[string]string{
	"script": "vLLora's script strategy runs JavaScript sent by the caller; Switchyard runs no caller code (use conditional, cost or optimized)",
}

// vllora rewrites the vLLora-only fields of router map m (a copy the
// caller owns) into Switchyard's, for a router of the given strategy
// (spelled under key, "strategy" or "type").
func (d *decoder) vllora(path string, m map[string]any, strategy, key string) {
	if why, ok := RefusedStrategies[strategy]; ok {
		d.errs.add(join(path, key), "%q is not supported: %s", strategy, why)
		delete(m, "script") // reported once, not also as an unknown field
		return
	}
	window := d.metricsDuration(path, m, strategy)
	if strategy != "conditional" {
		return
	}
	from := "" // where routes and interceptors were written
	if rt, ok := m["routing"]; ok {
		from = "routing."
		delete(m, "routing")
		if rm, ok := rt.(map[string]any); ok {
			for _, k := range sortedKeys(rm) {
				if _, both := m[k]; both {
					d.errs.add(join(path, "routing."+k), "give routing.%s or %s, not both", k, k)
					continue
				}
				m[k] = rm[k]
			}
		} else {
			d.errs.add(join(path, "routing"), "must be a map (pre_request, routes, post_request), not %s", kindOf(rt))
		}
	}
	for _, k := range []string{"pre_request", "post_request"} {
		if v, ok := m[k]; ok {
			delete(m, k)
			if list, isList := v.([]any); !isList || len(list) > 0 {
				d.errs.add(join(path, from+k), "vLLora interceptors (guardrails, rate limiters) are not supported: Switchyard runs none")
			}
		}
	}
	routes, ok := m["routes"].([]any)
	if !ok {
		return
	}
	out := make([]any, len(routes))
	for i, r := range routes {
		out[i] = r
		if rm, ok := r.(map[string]any); ok {
			out[i] = d.vlloraRoute(index(join(path, from+"routes"), i), copyMap(rm), window)
		}
	}
	m["routes"] = out
}

// metricsDuration turns vLLora's metrics_duration into window for the
// strategies that read one, and returns it ("" when unset) for the
// metric-sorted pools of a conditional router. vLLora reads it nowhere
// else, so elsewhere it is accepted and has no effect.
func (d *decoder) metricsDuration(path string, m map[string]any, strategy string) string {
	v, ok := m["metrics_duration"]
	if !ok {
		return ""
	}
	delete(m, "metrics_duration")
	s, _ := v.(string)
	dur, known := metricsDurations[s]
	if !known {
		d.errs.add(join(path, "metrics_duration"), "must be Total, LastHour or Last15Minutes, not %s", kindOf(v))
		return ""
	}
	window := dur.String()
	if strategy == "optimized" || strategy == "latency" {
		if _, both := m["window"]; both {
			d.errs.add(join(path, "metrics_duration"), "give window or metrics_duration, not both")
			return ""
		}
		m["window"] = window
	}
	return window
}

// vlloraRoute rewrites one route: conditions to when, a single model or a
// $any pool to targets.
func (d *decoder) vlloraRoute(path string, rm map[string]any, window string) map[string]any {
	if c, ok := rm["conditions"]; ok {
		delete(rm, "conditions")
		if _, both := rm["when"]; both {
			d.errs.add(join(path, "conditions"), "give when or conditions, not both")
		} else {
			rm["when"] = d.vlloraCondition(join(path, "conditions"), c)
		}
	}
	if mm, ok := rm["message_mapper"]; ok {
		delete(rm, "message_mapper")
		if mm != nil {
			d.errs.add(join(path, "message_mapper"), "vLLora's message_mapper (answer or rewrite in place of a model) is not supported: a Switchyard route only chooses targets")
		}
	}
	switch t := rm["targets"].(type) {
	case string:
		rm["targets"] = []any{t}
	case map[string]any:
		if _, ok := t["$any"]; ok {
			rm["targets"] = d.vlloraPool(join(path, "targets"), t, window)
		}
	}
	return rm
}

// vlloraCondition rewrites vLLora's RouteCondition: {all: [...]} is $and,
// {any: [...]} is $or, and a map of variable to {op: value} is itself,
// with operators given their '$'.
func (d *decoder) vlloraCondition(path string, c any) any {
	m, ok := c.(map[string]any)
	if !ok {
		return c // condition compilation says what is wrong
	}
	if len(m) == 1 {
		for k, op := range map[string]string{"all": "$and", "any": "$or"} {
			list, ok := m[k].([]any)
			switch {
			case !ok:
				continue
			case len(list) == 0 && k == "all":
				return map[string]any{} // vLLora: true; {} matches every request
			case len(list) == 0:
				return map[string]any{"$not": map[string]any{}} // vLLora: false
			}
			out := make([]any, len(list))
			for i, e := range list {
				out[i] = e
				if em, ok := e.(map[string]any); ok {
					out[i] = d.vlloraExpr(index(join(path, k), i), em)
				}
			}
			return map[string]any{op: out}
		}
	}
	return d.vlloraExpr(path, m)
}

func (d *decoder) vlloraExpr(path string, m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for _, k := range sortedKeys(m) {
		d.vlloraVariable(join(path, k), k)
		ops, ok := m[k].(map[string]any)
		if !ok {
			out[k] = m[k]
			continue
		}
		conv := make(map[string]any, len(ops))
		for op, v := range ops {
			if vlloraOps[op] {
				op = "$" + op
			}
			conv[op] = v
		}
		out[k] = conv
	}
	return out
}

// vlloraVariable refuses, with the reason, vLLora's condition variables
// that have no Switchyard equivalent (condition compilation would only
// call them unknown).
func (d *decoder) vlloraVariable(path, name string) {
	switch {
	case strings.HasPrefix(name, "pre_request."):
		d.errs.add(path, "vLLora interceptor results (pre_request.*) are not supported: Switchyard runs no guardrail or rate-limiter interceptors")
	case strings.HasPrefix(name, "metrics."):
		d.errs.add(path, "vLLora's metrics.* conditions are not supported: rank targets by their metrics with an optimized router or a $any pool with sort_by")
	case strings.HasPrefix(name, "extra."):
		d.errs.add(path, "vLLora's extra.* variables are not supported: send the value in the body's metadata and test metadata.<key>")
	}
}

// vlloraPool rewrites a $any target pool (TargetSpec::Any): unsorted, its
// models in listed order (vLLora sends the first; the rest become
// fallbacks); sorted by price, a cost router over them; sorted by a
// metric, an optimized router over them.
func (d *decoder) vlloraPool(path string, m map[string]any, window string) []any {
	list, ok := m["$any"].([]any)
	if !ok || len(list) == 0 {
		d.errs.add(join(path, "$any"), "must be a non-empty list of provider/model names")
		return nil
	}
	for i, v := range list {
		if _, ok := v.(string); !ok {
			d.errs.add(index(join(path, "$any"), i), "must be a provider/model name, not %s", kindOf(v))
		}
	}
	sortBy, order := "", ""
	for _, k := range sortedKeys(m) {
		switch v := m[k]; k {
		case "$any":
		case "sort_by":
			sortBy, _ = v.(string)
		case "sort_order":
			order, _ = v.(string)
		case "sort": // the older form: {"ttft": "MIN"}
			sm, ok := v.(map[string]any)
			if !ok || len(sm) != 1 {
				d.errs.add(join(path, "sort"), "must be one {metric: MIN|MAX}; Switchyard sorts a pool by one figure")
				continue
			}
			for mk, mv := range sm {
				sortBy = mk
				order, _ = mv.(string)
			}
		case "filter":
			if fm, ok := v.(map[string]any); !ok || len(fm) > 0 {
				d.errs.add(join(path, "filter"), "filtering a pool by metric thresholds is not supported")
			}
		default:
			d.errs.add(join(path, k), "unknown field (known: $any, sort_by, sort_order, sort, filter)")
		}
	}
	order = strings.ToLower(order)
	if order != "" && order != "min" && order != "max" {
		d.errs.add(join(path, "sort_order"), "must be min or max, not %q", order)
		return nil
	}
	switch {
	case sortBy == "":
		return list
	case sortBy == "price" || sortBy == "cost":
		if order == "max" {
			d.errs.add(join(path, "sort_order"), "a pool by price is cheapest first; max is not supported")
			return nil
		}
		return []any{map[string]any{"strategy": "cost", "targets": list}}
	}
	dir, ok := vlloraSortMetrics[sortBy]
	if !ok {
		known := make([]string, 0, len(vlloraSortMetrics))
		for k := range vlloraSortMetrics {
			known = append(known, k)
		}
		sort.Strings(known)
		d.errs.add(join(path, "sort_by"), "must be price or one of %s, not %q", strings.Join(known, ", "), sortBy)
		return nil
	}
	want := order
	if want == "" {
		want = dir.vllora
	}
	if want != dir.switchyard {
		d.errs.add(join(path, "sort_order"), "sorting by %s %s first is not supported: Switchyard's optimized strategy ranks it %s first", sortBy, want, dir.switchyard)
		return nil
	}
	pool := map[string]any{"strategy": "optimized", "metric": sortBy, "targets": list}
	if window != "" {
		pool["window"] = window
	}
	return []any{pool}
}
