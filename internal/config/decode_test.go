package config

import (
	"testing"
	"time"
)

// provs are two providers most error cases route to.
const provs = "providers: {p: {type: mock}, o: {type: openai, api_key: env:K_API_KEY}}\n"

// router is provs plus one router r whose body is the argument.
func router(body string) string { return provs + "routers:\n  r: " + body + "\n" }

func TestDecodeUnknownFields(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []wantErr
	}{
		{"top level", provs + "bogus: 1\n",
			[]wantErr{{"bogus", "unknown field (known: admin_keys, budgets, keys, models, providers, routers, server)"}}},
		{"server", "server: {max_body: 1}\n",
			[]wantErr{{"server.max_body", "unknown field (known: allow_inline_routers, config_refresh, cooldown, inline, max_body_bytes, max_body_memory, max_in_flight, region, timeouts, trust_geo_headers)"}}},
		{"cooldown", "server: {cooldown: {failure: 3}}\n",
			[]wantErr{{"server.cooldown.failure", "unknown field (known: duration, failures)"}}},
		{"provider", "providers: {p: {type: mock, apikey: env:K_API_KEY}}\n",
			[]wantErr{{"providers.p.apikey", "unknown field (known: api_key, api_version, auth_header, base_url"}}},
		{"model override", provs + "models: {p/x: {input: 1}}\n",
			[]wantErr{{"models.p/x.input", "unknown field (known: cached_input_per_mtok, context_window, dimensions, input_per_mtok, max_output_tokens, output_per_mtok)"}}},
		{"router", router("{strategy: fallback, targets: [p/x], retries: 2}"),
			[]wantErr{{"routers.r.retries", "unknown field (known: attempt_timeout, default, explore,"}}},
		{"target", router("{strategy: fallback, targets: [{model: p/x, temperature: 0.2}]}"),
			[]wantErr{{"routers.r.targets[0].temperature", "unknown field (known: model, name, params, region, router, weight; request params go under params)"}}},
		{"default target", router("{strategy: conditional, default: {model: p/x, top_p: 1}}"),
			[]wantErr{{"routers.r.default[0].top_p", "request params go under params"}}},
		{"inline router target", router("{strategy: fallback, targets: [{strategy: fallback, targets: [p/x], params: {a: 1}}]}"),
			[]wantErr{{"routers.r.targets[0].params", "unknown field (known: attempt_timeout,"}}},
		{"route", router("{strategy: conditional, routes: [{name: a, when: {}, targets: [p/x], if: 1}]}"),
			[]wantErr{{"routers.r.routes[0].if", "unknown field (known: name, targets, when)"}}},
		{"retry", router("{strategy: fallback, targets: [p/x], retry: {max_retry: 2}}"),
			[]wantErr{{"routers.r.retry.max_retry", "unknown field (known: initial_backoff, max_backoff, max_retries, max_retry_after)"}}},
		{"budget", "budgets: [{name: b, scope: global, limit_usd: 1, period: day, limit: 5}]\n",
			[]wantErr{{"budgets[0].limit", "unknown field (known: home_region, lease_usd, limit_usd, name, on_exceed, on_store_error, period, scope)"}}},
		{"key", "keys: [{name: k, sha256: " + hexKey + ", router: [r]}]\n",
			[]wantErr{{"keys[0].router", "unknown field (known: allow_inline, disabled, expires_at, limits, models, name, routers, sha256)"}}},
		{"admin key", "admin_keys: [{name: a, sha256: " + hexKey + ", role: x}]\n",
			[]wantErr{{"admin_keys[0].role", "unknown field (known: allow_inline, disabled, expires_at, limits, models, name, routers, sha256)"}}},
		{"vLLora router name outside a request body", router("{name: dyn, type: fallback, targets: [p/x]}"),
			[]wantErr{{"routers.r.name", "unknown field"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { parseErrors(t, tt.doc, tt.want) })
	}
}

func TestDecodeWrongTypes(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []wantErr
	}{
		{"list for map", "providers: [a, b]\n", []wantErr{{"providers", "must be a map, not a list"}}},
		{"string for struct", "server: fast\n", []wantErr{{"server", `must be a map, not the string "fast"`}}},
		{"map for list", "budgets: {a: 1}\n", []wantErr{{"budgets", "must be a list, not a map"}}},
		{"string for string list", "providers: {p: {type: mock, models: gpt}}\n",
			[]wantErr{{"providers.p.models", `must be a list, not the string "gpt"`}}},
		{"list for string", "providers: {p: {type: [mock]}}\n", []wantErr{{"providers.p.type", "must be a string, not a list"}}},
		{"bool for string", "providers: {p: {type: true}}\n", []wantErr{{"providers.p.type", "must be a string, not true"}}},
		{"list for string map value", "providers: {p: {type: mock, headers: {x-a: [1]}}}\n",
			[]wantErr{{"providers.p.headers.x-a", "must be a string, not a list"}}},
		{"string for bool", "server: {trust_geo_headers: \"yes\"}\n",
			[]wantErr{{"server.trust_geo_headers", `must be true or false, not the string "yes"`}}},
		{"number for pointer bool", "server: {allow_inline_routers: 1}\n",
			[]wantErr{{"server.allow_inline_routers", "must be true or false, not the number 1"}}},
		{"fraction for int", router("{strategy: fallback, targets: [p/x], max_attempts: 2.5}"),
			[]wantErr{{"routers.r.max_attempts", "must be a whole number, not the number 2.5"}}},
		{"string for int", router("{strategy: fallback, targets: [p/x], max_attempts: \"3\"}"),
			[]wantErr{{"routers.r.max_attempts", `must be a whole number, not the string "3"`}}},
		{"string for pointer int", router("{strategy: fallback, targets: [p/x], retry: {max_retries: two}}"),
			[]wantErr{{"routers.r.retry.max_retries", `must be a whole number, not the string "two"`}}},
		{"int64 out of range", "server: {max_body_bytes: 1e30}\n",
			[]wantErr{{"server.max_body_bytes", "the number 1e+30 is out of range"}}},
		{"int out of range", router("{strategy: fallback, targets: [p/x], max_attempts: -1e19}"),
			[]wantErr{{"routers.r.max_attempts", "is out of range"}}},
		{"string for float", "providers: {p: {type: mock, fail_rate: high}}\n",
			[]wantErr{{"providers.p.fail_rate", `must be a number, not the string "high"`}}},
		{"string for pointer float", provs + "models: {p/x: {input_per_mtok: cheap}}\n",
			[]wantErr{{"models.p/x.input_per_mtok", `must be a number, not the string "cheap"`}}},
		{"number for struct pointer", router("{strategy: fallback, targets: [p/x], retry: 3}"),
			[]wantErr{{"routers.r.retry", "must be a map, not the number 3"}}},
		{"string for router", provs + "routers: {r: fallback}\n", []wantErr{{"routers.r", `must be a map, not the string "fallback"`}}},
		{"list for router map", provs + "routers: [r]\n", []wantErr{{"routers", "must be a map, not a list"}}},
		{"number for target", router("{strategy: fallback, targets: [5]}"),
			[]wantErr{{"routers.r.targets[0]", "must be a model name or a map, not the number 5"}}},
		{"list for target", router("{strategy: fallback, targets: [[p/x]]}"),
			[]wantErr{{"routers.r.targets[0]", "must be a model name or a map, not a list"}}},
		{"list for on_status", router("{strategy: fallback, targets: [p/x], on_status: [next]}"),
			[]wantErr{{"routers.r.on_status", "must be a map, not a list"}}},
		{"string for key routers", "keys: [{name: k, sha256: " + hexKey + ", routers: r}]\n",
			[]wantErr{{"keys[0].routers", `must be a list, not the string "r"`}}},
		{"map for routes", router("{strategy: conditional, routes: {a: 1}}"),
			[]wantErr{{"routers.r.routes", "must be a list, not a map"}}},
		{"string for route", router("{strategy: conditional, routes: [premium]}"),
			[]wantErr{{"routers.r.routes[0]", `must be a map, not the string "premium"`}}},
		{"string for budget", "budgets: [monthly]\n", []wantErr{{"budgets[0]", `must be a map, not the string "monthly"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { parseErrors(t, tt.doc, tt.want) })
	}
}

func TestDecodeDurations(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []wantErr
	}{
		{"words", router("{strategy: fallback, targets: [p/x], timeout: 2 seconds}"),
			[]wantErr{{"routers.r.timeout", `invalid duration "2 seconds" (use e.g. 250ms, 2s, 1m)`}}},
		{"missing unit", "providers: {p: {type: mock, latency: \"10\"}}\n",
			[]wantErr{{"providers.p.latency", `invalid duration "10"`}}},
		{"negative", router("{strategy: fallback, targets: [p/x], timeout: -1s}"),
			[]wantErr{{"routers.r.timeout", "must not be negative"}}},
		{"negative backoff", router("{strategy: fallback, targets: [p/x], retry: {initial_backoff: -5ms}}"),
			[]wantErr{{"routers.r.retry.initial_backoff", "must not be negative"}}},
		{"number", router("{strategy: fallback, targets: [p/x], attempt_timeout: 5}"),
			[]wantErr{{"routers.r.attempt_timeout", `must be a duration string such as "2s", not the number 5`}}},
		{"list", router("{strategy: optimized, targets: [p/x], window: [1m]}"),
			[]wantErr{{"routers.r.window", `must be a duration string such as "2s", not a list`}}},
		{"cooldown", "server: {cooldown: {duration: fast}}\n",
			[]wantErr{{"server.cooldown.duration", `invalid duration "fast"`}}},
		{"config refresh", "server: {config_refresh: true}\n",
			[]wantErr{{"server.config_refresh", "must be a duration string such as \"2s\", not true"}}},
		{"provider timeout", "providers: {p: {type: mock, timeout: -2m}}\n",
			[]wantErr{{"providers.p.timeout", "must not be negative"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { parseErrors(t, tt.doc, tt.want) })
	}
}

func TestDecodeDurationValues(t *testing.T) {
	cfg, err := Parse([]byte(router("{strategy: fallback, targets: [p/x], timeout: 1m30s, attempt_timeout: 250ms, retry: {max_backoff: 1h}}")))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	r := cfg.Routers["r"]
	for _, c := range []struct {
		name      string
		got, want time.Duration
	}{
		{"timeout", r.Timeout.D(), 90 * time.Second},
		{"attempt_timeout", r.AttemptTimeout.D(), 250 * time.Millisecond},
		{"retry.max_backoff", r.Retry.MaxBackoff.D(), time.Hour},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestDecodeRouterSpelling covers the router shapes the decoder accepts in
// a config file: vLLora's type and targets_percentages, a string target as
// model shorthand, a single default target, and unquoted on_status keys.
func TestDecodeRouterSpelling(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []wantErr
		// check inspects the decoded router when want is empty.
		check func(t *testing.T, r *Router)
	}{
		{name: "type for strategy", body: "{type: round_robin, targets: [p/x, o/y]}",
			check: func(t *testing.T, r *Router) {
				if r.Strategy != "round_robin" {
					t.Errorf("strategy = %q, want round_robin", r.Strategy)
				}
			}},
		{name: "type and strategy", body: "{type: fallback, strategy: fallback, targets: [p/x]}",
			want: []wantErr{{"routers.r.type", "give strategy or type, not both"}}},
		{name: "targets_percentages sets weights and strategy", body: "{targets_percentages: [70, 30], targets: [p/x, o/y]}",
			check: func(t *testing.T, r *Router) {
				if r.Strategy != "percentage" || r.Targets[0].Weight != 70 || r.Targets[1].Weight != 30 {
					t.Errorf("router = %+v, want percentage with weights 70/30", r)
				}
			}},
		{name: "targets_percentages keeps a_b_testing", body: "{type: a_b_testing, targets_percentages: [0.5, 0.5], targets: [p/x, o/y]}",
			check: func(t *testing.T, r *Router) {
				if r.Strategy != "a_b_testing" || r.Targets[0].Weight != 0.5 {
					t.Errorf("router = %+v, want a_b_testing with weights 0.5/0.5", r)
				}
			}},
		{name: "targets_percentages not a list", body: "{type: percentage, targets_percentages: 50, targets: [p/x]}",
			want: []wantErr{{"routers.r.targets_percentages", "must be a list of numbers"}}},
		{name: "targets_percentages length", body: "{type: percentage, targets_percentages: [100], targets: [p/x, o/y]}",
			want: []wantErr{{"routers.r.targets_percentages", "has 1 entries for 2 targets"}}},
		{name: "targets_percentages entry", body: "{type: percentage, targets_percentages: [50, half], targets: [p/x, o/y]}",
			want: []wantErr{{"routers.r.targets_percentages[1]", "must be a number"}}},
		{name: "negative percentage reaches validation", body: "{type: percentage, targets_percentages: [-1, 1], targets: [p/x, o/y]}",
			want: []wantErr{{"routers.r.targets[0].weight", "must be > 0"}}},
		{name: "string target is a model", body: "{strategy: fallback, targets: p/x}",
			check: func(t *testing.T, r *Router) {
				if len(r.Targets) != 1 || r.Targets[0].Model != "p/x" {
					t.Errorf("targets = %+v, want one target p/x", r.Targets)
				}
			}},
		{name: "single default target", body: "{strategy: conditional, default: {model: p/x, params: {temperature: 0}}}",
			check: func(t *testing.T, r *Router) {
				if len(r.Default) != 1 || r.Default[0].Model != "p/x" || r.Default[0].Params["temperature"] != 0.0 {
					t.Errorf("default = %+v, want one target p/x with temperature 0", r.Default)
				}
			}},
		{name: "unquoted on_status keys", body: "{strategy: fallback, targets: [p/x], on_status: {408: next, 503: fail}}",
			check: func(t *testing.T, r *Router) {
				if r.OnStatus["408"] != "next" || r.OnStatus["503"] != "fail" {
					t.Errorf("on_status = %v, want 408: next, 503: fail", r.OnStatus)
				}
			}},
		{name: "inline router keeps target fields", body: "{strategy: percentage, targets: [{type: fallback, weight: 3, name: n, region: eu, targets: [p/x]}]}",
			check: func(t *testing.T, r *Router) {
				tg := r.Targets[0]
				if tg.Inline == nil || tg.Inline.Strategy != "fallback" || tg.Weight != 3 || tg.Name != "n" || tg.Region != "eu" {
					t.Errorf("target = %+v, want an inline fallback router with weight 3, name n, region eu", tg)
				}
			}},
		{name: "inline router target field of the wrong type", body: "{strategy: percentage, targets: [{strategy: fallback, weight: heavy, targets: [p/x]}]}",
			want: []wantErr{{"routers.r.targets[0].weight", `must be a number, not the string "heavy"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := router(tt.body)
			parseErrors(t, doc, tt.want)
			if tt.check != nil {
				cfg, err := Parse([]byte(doc))
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				tt.check(t, cfg.Routers["r"])
			}
		})
	}
}

// TestDecodeErrorsTogether checks that decoding reports every problem, not
// the first, sorted by path at each level.
func TestDecodeErrorsTogether(t *testing.T) {
	doc := `
server: {trust_geo_headers: maybe, cooldown: {duration: soon}}
routers:
  b: {strategy: fallback, targets: [p/x], timeout: -1s, colour: red}
  a: {strategy: fallback, targets: [{model: p/x, temp: 1}, 7]}
providers: {p: {type: mock, fail_rate: lots}}
budgets: [{name: b, limit_usd: lots}]
`
	parseErrors(t, doc, []wantErr{
		{"budgets[0].limit_usd", "must be a number"},
		{"providers.p.fail_rate", "must be a number"},
		{"routers.a.targets[0].temp", "unknown field"},
		{"routers.a.targets[1]", "must be a model name or a map"},
		{"routers.b.colour", "unknown field"},
		{"routers.b.timeout", "must not be negative"},
		{"server.cooldown.duration", "invalid duration"},
		{"server.trust_geo_headers", "must be true or false"},
		// Validation runs too, and reports what the decode errors did not
		// cause: this budget also lacks a scope and a period.
		{"budgets[0].scope", "must be global, user"},
		{"budgets[0].period", "must be one of hour"},
	})
}
