package routing

import (
	"fmt"
	"sort"

	"github.com/switchyard-llm/switchyard/internal/config"
)

// builder constructs a strategy from its router config, validating the
// strategy-specific fields. targets has one entry per child (for
// conditional: one per route, then the default).
type builder func(r *config.Router, targets []TargetInfo) (Strategy, error)

// builders maps each strategy name (and vLLora's aliases) to its constructor.
// vLLora names its A/B strategy "percentage" (alias "a_b_testing") and has a
// "random" strategy: both are accepted. Its optimized metrics (requests,
// latency, ttft, tps, error_rate) are accepted by optimized.
var builders = map[string]builder{
	"fallback": only("fallback", func(*config.Router, []TargetInfo) (Strategy, error) { return Fallback{}, nil }),

	"percentage":  only("percentage", build(NewPercentage), "sticky"),
	"a_b_testing": only("a_b_testing", build(NewPercentage), "sticky"),
	"random":      only("random", build(NewRandom), "sticky"),

	"conditional": build(NewConditional), // checks its own fields: it takes routes, not targets

	"optimized": only("optimized", vlloraMetric(build(NewOptimized)), "metric", "window", "min_samples", "explore"),
	"latency":   only("latency", build(NewLatency), "metric", "window", "min_samples", "explore"),

	"round_robin":  only("round_robin", build(NewRoundRobin)),
	"weighted":     only("weighted", build(NewWeighted)),
	"least_loaded": only("least_loaded", build(NewLeastLoaded)),
	"cost":         only("cost", build(NewCost), "max_cost_usd"),
	"geo":          only("geo", build(NewGeo)),
}

// metricAliases are metric names of vLLora's earlier MetricSelector
// (requests_duration, llm_usage) that name one of optimized's figures;
// refusedMetrics are the ones with no per-target figure to rank by.
var (
	metricAliases  = map[string]string{"requests_duration": "latency", "llm_usage": "cost"}
	refusedMetrics = map[string]string{
		"input_tokens":  "token counts per target are not kept as a rolling figure",
		"output_tokens": "token counts per target are not kept as a rolling figure",
		"total_tokens":  "token counts per target are not kept as a rolling figure",
	}
)

// vlloraMetric maps vLLora's metric spellings onto optimized's before b
// builds the router (on a copy: the config is shared).
func vlloraMetric(b builder) builder {
	return func(r *config.Router, targets []TargetInfo) (Strategy, error) {
		if why, ok := refusedMetrics[r.Metric]; ok {
			return nil, fmt.Errorf("metric: %q is not supported: %s", r.Metric, why)
		}
		if m, ok := metricAliases[r.Metric]; ok {
			c := *r
			c.Metric = m
			r = &c
		}
		return b(r, targets)
	}
}

// build adapts a typed constructor to a builder, so that a failed
// constructor yields a nil Strategy rather than a typed nil inside one.
func build[S Strategy](f func(*config.Router, []TargetInfo) (S, error)) builder {
	return func(r *config.Router, targets []TargetInfo) (Strategy, error) {
		s, err := f(r, targets)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
}

// only rejects router fields that strategy name does not read, so that a
// misplaced field (sticky on a round_robin router, routes on a percentage
// router) is reported instead of silently ignored. uses lists the
// strategy-specific fields it does read.
func only(name string, b builder, uses ...string) builder {
	return func(r *config.Router, targets []TargetInfo) (Strategy, error) {
		if err := unusedFields(r, name, uses); err != nil {
			return nil, err
		}
		return b(r, targets)
	}
}

func unusedFields(r *config.Router, name string, uses []string) error {
	set := []struct {
		field string
		isSet bool
	}{
		{"routes", len(r.Routes) > 0},
		{"default", len(r.Default) > 0},
		{"sticky", r.Sticky != ""},
		{"metric", r.Metric != ""},
		{"window", r.Window != 0},
		{"min_samples", r.MinSamples != 0},
		{"explore", r.Explore != nil},
		{"max_cost_usd", r.MaxCostUSD != 0},
	}
next:
	for _, f := range set {
		if !f.isSet {
			continue
		}
		for _, u := range uses {
			if u == f.field {
				continue next
			}
		}
		return fmt.Errorf("%s: does not apply to strategy %q", f.field, name)
	}
	return nil
}

// Strategies lists the supported strategy names.
func Strategies() []string {
	names := make([]string, 0, len(builders))
	for k := range builders {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func buildStrategy(r *config.Router, targets []TargetInfo) (Strategy, error) {
	if why, ok := config.RefusedStrategies[r.Strategy]; ok {
		return nil, fmt.Errorf("strategy: %q is not supported: %s", r.Strategy, why)
	}
	b, ok := builders[r.Strategy]
	if !ok {
		return nil, fmt.Errorf("unknown strategy %q (supported: %v)", r.Strategy, Strategies())
	}
	return b(r, targets)
}
