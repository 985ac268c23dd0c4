package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// bodyRouter reads a request body fixture and returns its inline router, as
// the engine finds it: "router", or "extra.router".
func bodyRouter(t *testing.T, file string) json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "vllora", file))
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Router json.RawMessage `json:"router"`
		Extra  struct {
			Router json.RawMessage `json:"router"`
		} `json:"extra"`
	}
	if err := json.Unmarshal(data, &body); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if body.Router != nil {
		return body.Router
	}
	if body.Extra.Router == nil {
		t.Fatalf("%s has no router", file)
	}
	return body.Extra.Router
}

// vlloraConfig has the providers vLLora's examples name.
const vlloraConfig = `
providers:
  openai: {type: openai, api_key: env:OPENAI_API_KEY}
  deepseek: {type: openai-compatible, base_url: "https://api.deepseek.com/v1", api_key: env:DEEPSEEK_API_KEY}
  gemini: {type: gemini, api_key: env:GEMINI_API_KEY}
  anthropic: {type: anthropic, api_key: env:ANTHROPIC_API_KEY}
  meta: {type: mock}
`

func TestDecodeRouterVLLoraFixtures(t *testing.T) {
	cfg, err := Parse([]byte(vlloraConfig))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	tests := []struct {
		file string
		want *Router
		// validate is what ValidateRouter reports against vlloraConfig.
		validate []wantErr
	}{
		{"fallback.json", &Router{Strategy: "fallback", Targets: []Target{
			{Model: "openai/gpt-4o-mini"}, {Model: "deepseek/deepseek-chat"},
		}}, nil},
		{"optimized.json", &Router{Name: "fastest", Strategy: "optimized", Metric: "ttft", Targets: []Target{
			{Model: "gpt-3.5-turbo"}, {Model: "gpt-4o-mini"},
		}}, []wantErr{
			// Targets name provider/model; a bare model is only routed as
			// the request's own model.
			{"router.targets[0].model", `"gpt-3.5-turbo" must be provider/model`},
			{"router.targets[1].model", `"gpt-4o-mini" must be provider/model`},
		}},
		{"latency.json", &Router{Name: "fastest_latency", Strategy: "latency", Targets: []Target{
			{Model: "openai/gpt-4o-mini"}, {Model: "deepseek/deepseek-chat"}, {Model: "gemini/gemini-2.0-flash-exp"},
		}}, nil},
		{"params.json", &Router{Strategy: "fallback", Targets: []Target{
			{Model: "openai/gpt-4o-mini", Params: map[string]any{"temperature": 0.9, "max_tokens": 500.0}},
			{Model: "deepseek/deepseek-chat", Params: map[string]any{"frequency_penalty": 1.0}},
		}}, nil},
		{"percentage.json", &Router{Name: "dynamic", Strategy: "percentage", Targets: []Target{
			{Model: "openai/gpt-4o-mini", Weight: 0.5, Params: map[string]any{"frequency_penalty": 1.0}},
			{Model: "openai/gpt-4o-mini", Weight: 0.5, Params: map[string]any{"frequency_penalty": 2.0}},
		}}, nil},
		// A percentage of 0 drains its arm (a_b_testing is vLLora's alias).
		{"percentage_drained.json", &Router{Name: "dynamic", Strategy: "a_b_testing", Targets: []Target{
			{Model: "openai/gpt-4.1-nano", Weight: 1, Params: map[string]any{"frequence_penality": 1.0}},
			{Model: "openai/gpt-4.1-nano", Weight: 0, Drained: true, Params: map[string]any{"frequence_penality": 2.0}},
		}}, nil},
		{"random.json", &Router{Name: "dynamic", Strategy: "random", Targets: []Target{
			{Model: "openai/gpt-4o-mini"}, {Model: "deepseek/deepseek-chat"},
		}}, nil},
		// metrics_duration Total is the longest window kept, 24h.
		{"metrics_duration.json", &Router{Name: "test_router", Strategy: "optimized", Metric: "latency",
			Window: Duration(24 * time.Hour), Targets: []Target{{Model: "openai/gpt-4"}}}, nil},
		// Conditions: a map of variable to {op: value} (ops without '$'),
		// all: [] (always); a single model as a route's targets.
		{"conditional_metadata.json", &Router{Name: "conditional_test", Strategy: "conditional", Routes: []Route{
			{Name: "meta_route", When: map[string]any{"metadata.region": map[string]any{"$eq": "EU"}},
				Targets: []Target{{Model: "meta/model"}}},
			{Name: "basic_user", When: map[string]any{}, Targets: []Target{{Model: "anthropic/claude-4-opus"}}},
		}}, nil},
		// The routing envelope, any: [...], $any pools sorted by a metric
		// (an optimized router) and by price (a cost router).
		{"conditional_routing_key.json", &Router{Name: "conditional_test", Strategy: "conditional", Routes: []Route{
			{Name: "free_or_eu", When: map[string]any{"$or": []any{
				map[string]any{"metadata.user.tier": map[string]any{"$eq": "free"}},
				map[string]any{"metadata.region": map[string]any{"$in": []any{"EU", "UK"}}},
			}}, Targets: []Target{{Inline: &Router{Strategy: "optimized", Metric: "ttft", Targets: []Target{
				{Model: "anthropic/claude-4-opus"}, {Model: "openai/gpt-4o"}}}}}},
			{Name: "cheap", When: map[string]any{"metadata.user.tier": map[string]any{"$ne": "premium"}},
				Targets: []Target{{Inline: &Router{Strategy: "cost", Targets: []Target{
					{Model: "openai/gpt-4o-mini"}, {Model: "anthropic/claude-3-haiku"}}}}}},
		}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := DecodeRouterJSON(bodyRouter(t, tt.file), "router")
			if err != nil {
				t.Fatalf("DecodeRouterJSON: %v", err)
			}
			if !reflect.DeepEqual(r, tt.want) {
				t.Errorf("router = %+v\nwant     %+v", r, tt.want)
			}
			var errs Errors
			cfg.ValidateRouter(&errs, "router", r)
			if len(tt.validate) == 0 {
				if len(errs) > 0 {
					t.Errorf("ValidateRouter: unexpected errors:\n%v", errs)
				}
				return
			}
			checkErrors(t, errs, tt.validate)
		})
	}
}

func TestDecodeRouterErrors(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want []wantErr
	}{
		{"older model_a/model_b form", string(bodyRouter(t, "percentage_model_ab.json")), []wantErr{
			{"router.model_a", "unknown field"},
			{"router.model_b", "unknown field"},
		}},
		// vLLora's documented routers that Switchyard refuses, each with
		// its reason (docs/strategies.md).
		{"script.json", string(bodyRouter(t, "script.json")), []wantErr{
			{"router.type", `"script" is not supported: vLLora's script strategy runs JavaScript`},
		}},
		{"nested.json", string(bodyRouter(t, "nested.json")), []wantErr{
			{"router.targets[0].router.type", `"script" is not supported`},
		}},
		{"conditional_example.json", string(bodyRouter(t, "conditional_example.json")), []wantErr{
			{"router.routing.pre_request", "vLLora interceptors (guardrails, rate limiters) are not supported"},
			{"router.routing.post_request", "vLLora interceptors (guardrails, rate limiters) are not supported"},
			{"router.routing.routes[0].conditions.all[2].pre_request.daily_user_request_limit.result", "vLLora interceptor results (pre_request.*) are not supported"},
			{"router.routing.routes[0].conditions.all[3].metrics.provider.error_rate", "vLLora's metrics.* conditions are not supported"},
			{"router.routing.routes[2].conditions.pre_request.daily_user_request_limit.result", "vLLora interceptor results (pre_request.*) are not supported"},
			{"router.routing.routes[2].message_mapper", "vLLora's message_mapper (answer or rewrite in place of a model) is not supported"},
		}},
		{"conditional_tiers.json", string(bodyRouter(t, "conditional_tiers.json")), []wantErr{
			{"router.routes[0].conditions.all[0].extra.user.tiers", "vLLora's extra.* variables are not supported"},
			{"router.routes[0].conditions.all[1].extra.variables.request_priority", "vLLora's extra.* variables are not supported"},
			{"router.routes[1].conditions.extra.user.tiers", "vLLora's extra.* variables are not supported"},
		}},
		{"route_toxic.json", string(bodyRouter(t, "route_toxic.json")), []wantErr{
			{"router.routes[0].conditions.all[0].pre_request.toxic.passed", "vLLora interceptor results (pre_request.*) are not supported"},
		}},
		{"metrics_duration spelt otherwise", `{"type": "optimized", "metric": "ttft", "metrics_duration": "last_hour", "targets": ["openai/gpt-4o"]}`,
			[]wantErr{{"router.metrics_duration", `must be Total, LastHour or Last15Minutes, not the string "last_hour"`}}},
		{"metrics_duration and window", `{"type": "optimized", "window": "1h", "metrics_duration": "LastHour", "targets": ["openai/gpt-4o"]}`,
			[]wantErr{{"router.metrics_duration", "give window or metrics_duration, not both"}}},
		{"$any sorted by requests, vLLora's way (fewest first)", `{"type": "conditional", "routes": [{"name": "r", "conditions": {}, "targets": {"$any": ["openai/gpt-4o"], "sort_by": "requests"}}]}`,
			[]wantErr{{"router.routes[0].targets.sort_order", "sorting by requests min first is not supported: Switchyard's optimized strategy ranks it max first"}}},
		{"$any filter", `{"type": "conditional", "routes": [{"name": "r", "conditions": {}, "targets": {"$any": ["openai/gpt-4o"], "filter": {"error_rate": {"lt": 0.1}}}}]}`,
			[]wantErr{{"router.routes[0].targets.filter", "filtering a pool by metric thresholds is not supported"}}},
		{"not JSON", `{"type": "fallback",`, []wantErr{{"router", "must be a JSON object"}}},
		{"a list", `[{"model": "openai/gpt-4o"}]`, []wantErr{{"router", "must be a map, not a list"}}},
		{"a string", `"router/fast"`, []wantErr{{"router", `must be a map, not the string "router/fast"`}}},
		{"name not a string", `{"name": 5, "type": "fallback", "targets": ["openai/gpt-4o"]}`,
			[]wantErr{{"router.name", "must be a string, not the number 5"}}},
		{"unknown router field", `{"type": "fallback", "targets": ["openai/gpt-4o"], "metrics_window": "1h"}`,
			[]wantErr{{"router.metrics_window", "unknown field (known: attempt_timeout,"}}},
		{"provider settings in a flat target", `{"type": "fallback", "targets": [{"model": "openai/gpt-4o", "base_url": "http://169.254.169.254", "api_key": "sk-x"}]}`,
			[]wantErr{
				{"router.targets[0].api_key", "inline targets cannot set provider settings"},
				{"router.targets[0].base_url", "inline targets cannot set provider settings"},
			}},
		{"type and strategy", `{"type": "fallback", "strategy": "percentage", "targets": ["openai/gpt-4o"]}`,
			[]wantErr{{"router.type", "give strategy or type, not both"}}},
		{"percentages for fewer targets", `{"type": "percentage", "targets_percentages": [50, 50], "targets": ["openai/gpt-4o"]}`,
			[]wantErr{{"router.targets_percentages", "has 2 entries for 1 targets"}}},
		{"flat target known field of the wrong type", `{"type": "fallback", "targets": [{"model": "openai/gpt-4o", "weight": "high", "temperature": 1}]}`,
			[]wantErr{{"router.targets[0].weight", `must be a number, not the string "high"`}}},
		{"nested errors", `{"type": "fallback", "targets": [{"type": "percentage", "targets_percentages": [1, 2], "targets": [true]}]}`,
			[]wantErr{
				{"router.targets[0].targets[0]", "must be a model name or a map, not true"},
				{"router.targets[0].targets_percentages", "has 2 entries for 1 targets"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := DecodeRouterJSON(json.RawMessage(tt.raw), "router")
			if r != nil {
				t.Errorf("DecodeRouterJSON returned a router along with errors: %+v", r)
			}
			checkErrors(t, err, tt.want)
		})
	}
}

// TestDecodeRouterFlatTargets covers the flat target maps of request-body
// routers: extra keys become params, and nested inline routers are flat too.
func TestDecodeRouterFlatTargets(t *testing.T) {
	raw := `{
		"strategy": "fallback",
		"targets": [
			"openai/gpt-4o",
			{"model": "openai/gpt-4o-mini", "params": {"top_p": 0.5}, "temperature": 0.2, "stop": ["\n"], "name": "mini", "weight": 2},
			{"type": "round_robin", "name": "pool", "targets": [{"model": "gemini/gemini-2.5-flash", "max_tokens": 64}]},
			{"router": "named"}
		]
	}`
	r, err := DecodeRouterJSON(json.RawMessage(raw), "router")
	if err != nil {
		t.Fatalf("DecodeRouterJSON: %v", err)
	}
	want := &Router{Strategy: "fallback", Targets: []Target{
		{Model: "openai/gpt-4o"},
		{Model: "openai/gpt-4o-mini", Name: "mini", Weight: 2,
			Params: map[string]any{"top_p": 0.5, "temperature": 0.2, "stop": []any{"\n"}}},
		{Name: "pool", Inline: &Router{Strategy: "round_robin", Targets: []Target{
			{Model: "gemini/gemini-2.5-flash", Params: map[string]any{"max_tokens": 64.0}},
		}}},
		{Router: "named"},
	}}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("router = %+v\nwant     %+v", r, want)
	}
}

// TestDecodeRouterGeneric covers DecodeRouter on a YAML-shaped document
// (integers and map[any]any), as an admin API or test would pass it.
func TestDecodeRouterGeneric(t *testing.T) {
	doc := map[string]any{
		"strategy": "percentage",
		"sticky":   "user",
		"targets": []any{
			map[any]any{"model": "openai/gpt-4o", "weight": 3, "seed": 7},
			map[string]any{"model": "openai/gpt-4o-mini", "weight": int64(1)},
		},
	}
	r, err := DecodeRouter(doc, "routers.ab")
	if err != nil {
		t.Fatalf("DecodeRouter: %v", err)
	}
	want := &Router{Strategy: "percentage", Sticky: "user", Targets: []Target{
		{Model: "openai/gpt-4o", Weight: 3, Params: map[string]any{"seed": 7.0}},
		{Model: "openai/gpt-4o-mini", Weight: 1},
	}}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("router = %+v\nwant     %+v", r, want)
	}
}
