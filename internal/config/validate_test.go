package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

type validateCase struct {
	name string
	doc  string
	want []wantErr // empty: the document is valid
}

func runValidate(t *testing.T, tests []validateCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { parseErrors(t, tt.doc, tt.want) })
	}
}

// provider is a document with one provider p.
func provider(body string) string { return "providers:\n  p: " + body + "\n" }

func TestValidateServer(t *testing.T) {
	runValidate(t, []validateCase{
		{"negative max_body_bytes", "server: {max_body_bytes: -1}\n", []wantErr{{"server.max_body_bytes", "must be >= 0"}}},
		{"zero max_body_bytes takes the default", "server: {max_body_bytes: 0, cooldown: {failures: -1}}\n", nil},
		{"negative max_in_flight", "server: {max_in_flight: -1}\n", []wantErr{{"server.max_in_flight", "must be >= 0"}}},
		{"body memory below the default body cap", "server: {max_body_memory: 1000}\n",
			[]wantErr{{"server.max_body_memory", "must be >= max_body_bytes (10485760)"}}},
		{"body memory below max_body_bytes", "server: {max_body_bytes: 5000, max_body_memory: 4999}\n",
			[]wantErr{{"server.max_body_memory", "must be >= max_body_bytes (5000)"}}},
		{"negative timeout", "server: {timeouts: {read_body: -1s}}\n", []wantErr{{"server.timeouts.read_body", "must not be negative"}}},
		{"server limits", "server: {max_in_flight: 8, max_body_bytes: 5000, max_body_memory: 5000, timeouts: {read_header: 1s, read_body: 2s, write: 3s, idle: 4s}}\n", nil},
	})
}

func TestValidateProviders(t *testing.T) {
	const types = "one of anthropic, bedrock, gemini, mock, openai, openai-compatible"
	runValidate(t, []validateCase{
		{"name with slash", "providers: {\"a/b\": {type: mock}}\n",
			[]wantErr{{"providers.a/b", `name "a/b" does not match ` + NamePattern}}},
		{"name with bar", "providers: {\"a|b\": {type: mock}}\n",
			[]wantErr{{"providers.a|b", `name "a|b" does not match`}}},
		{"name with space", "providers: {\"a b\": {type: mock}}\n",
			[]wantErr{{"providers.a b", `name "a b" does not match`}}},
		{"empty name", "providers: {\"\": {type: mock}}\n",
			[]wantErr{{"providers.", `name "" does not match ` + NamePattern + " (1-64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit): it is empty"}}},
		{"missing type", provider("{region: us-east-1}"), []wantErr{{"providers.p.type", "is required (" + types + ")"}}},
		{"unknown type stops the provider's checks", provider("{type: azure, base_url: nope, latency: 1s}"),
			[]wantErr{{"providers.p.type", `unknown provider type "azure" (` + types + ")"}}},
		{"openai without api_key", provider("{type: openai}"),
			[]wantErr{{"providers.p.api_key", "is required for type openai (env:VAR, secret:<id>[#field] or ssm:<name>)"}}},
		{"anthropic without api_key", provider("{type: anthropic}"), []wantErr{{"providers.p.api_key", "is required for type anthropic"}}},
		{"gemini without api_key", provider("{type: gemini}"), []wantErr{{"providers.p.api_key", "is required for type gemini"}}},
		{"literal api_key", provider("{type: openai, api_key: sk-proj-abc123}"),
			[]wantErr{{"providers.p.api_key", "literal keys are not accepted"}}},
		{"literal api_key with a colon", provider("{type: openai, api_key: \"vault:openai\"}"),
			[]wantErr{{"providers.p.api_key", "must be env:VAR, secret:<id>[#field] or ssm:<name>"}}},
		{"env without a name", provider("{type: openai, api_key: \"env:\"}"),
			[]wantErr{{"providers.p.api_key", "must be env:VAR"}}},
		{"secret without an id or a field", provider("{type: openai, api_key: \"secret:\"}"),
			[]wantErr{{"providers.p.api_key", "must be env:VAR"}}},
		{"secret with an empty field", provider("{type: openai, api_key: \"secret:prod#\"}"),
			[]wantErr{{"providers.p.api_key", "a field name after '#'"}}},
		{"api_key forms", "providers: {a: {type: openai, api_key: env:A_API_KEY}, b: {type: anthropic, api_key: \"secret:#anthropic\"}, c: {type: gemini, api_key: \"secret:#gemini\"}, d: {type: openai-compatible, base_url: \"http://localhost:8000/v1\"}}\n", nil},
		{"openai-compatible without base_url", provider("{type: openai-compatible, api_key: env:K_API_KEY}"),
			[]wantErr{{"providers.p.base_url", "is required for type openai-compatible"}}},
		{"bedrock with api_key", provider("{type: bedrock, api_key: env:K_API_KEY}"),
			[]wantErr{{"providers.p.api_key", "bedrock uses AWS credentials (the Lambda role), not an api_key"}}},
		{"bedrock with a literal api_key", provider("{type: bedrock, api_key: AKIA123}"),
			[]wantErr{{"providers.p.api_key", "literal keys"}, {"providers.p.api_key", "bedrock uses AWS credentials"}}},
		{"base_url scheme", provider("{type: openai-compatible, base_url: \"ftp://example.com\"}"),
			[]wantErr{{"providers.p.base_url", `must be an http(s) URL, got "ftp://example.com"`}}},
		{"base_url without scheme", provider("{type: openai, api_key: env:K_API_KEY, base_url: api.openai.com/v1}"),
			[]wantErr{{"providers.p.base_url", "must be an http(s) URL"}}},
		{"base_url without host", provider("{type: openai-compatible, base_url: \"https://\"}"),
			[]wantErr{{"providers.p.base_url", "must be an http(s) URL"}}},
		{"base_url unparsable", provider("{type: openai-compatible, base_url: \"http://[::1\"}"),
			[]wantErr{{"providers.p.base_url", "must be an http(s) URL"}}},
		{"base_url on bedrock", provider("{type: bedrock, base_url: \"https://example.com\"}"),
			[]wantErr{{"providers.p.base_url", "does not apply to type bedrock"}}},
		{"base_url on mock", provider("{type: mock, base_url: \"https://example.com\"}"),
			[]wantErr{{"providers.p.base_url", "does not apply to type mock"}}},
		{"base_url on openai (a proxy)", provider("{type: openai, api_key: env:K_API_KEY, base_url: \"https://proxy.internal/v1\"}"), nil},
		{"endpoint_url on openai", provider("{type: openai, api_key: env:K_API_KEY, endpoint_url: \"https://x\"}"),
			[]wantErr{{"providers.p.endpoint_url", "applies to type bedrock only (use base_url)"}}},
		{"api_version on gemini", provider("{type: gemini, api_key: env:K_API_KEY, api_version: v1beta}"),
			[]wantErr{{"providers.p.api_version", "applies to type anthropic only"}}},
		{"latency on openai", provider("{type: openai, api_key: env:K_API_KEY, latency: 10ms}"),
			[]wantErr{{"providers.p", "latency, fail_rate, fail_status, reply and seed apply to type mock only"}}},
		{"fail_rate on bedrock", provider("{type: bedrock, fail_rate: 0.5}"), []wantErr{{"providers.p", "apply to type mock only"}}},
		{"fail_status on gemini", provider("{type: gemini, api_key: env:K_API_KEY, fail_status: 503}"), []wantErr{{"providers.p", "apply to type mock only"}}},
		{"reply on anthropic", provider("{type: anthropic, api_key: env:K_API_KEY, reply: hi}"), []wantErr{{"providers.p", "apply to type mock only"}}},
		{"seed on openai-compatible", provider("{type: openai-compatible, base_url: \"https://x\", seed: 3}"), []wantErr{{"providers.p", "apply to type mock only"}}},
		{"fail_rate below 0", provider("{type: mock, fail_rate: -0.1}"), []wantErr{{"providers.p.fail_rate", "must be between 0 and 1"}}},
		{"fail_rate above 1", provider("{type: mock, fail_rate: 1.5}"), []wantErr{{"providers.p.fail_rate", "must be between 0 and 1"}}},
		{"fail_rate bounds", "providers: {a: {type: mock, fail_rate: 0}, b: {type: mock, fail_rate: 1, fail_status: 599}, c: {type: mock, fail_status: 400}}\n", nil},
		{"fail_status not an error", provider("{type: mock, fail_status: 200}"),
			[]wantErr{{"providers.p.fail_status", "must be an HTTP error status (400-599)"}}},
		{"fail_status too high", provider("{type: mock, fail_status: 600}"), []wantErr{{"providers.p.fail_status", "400-599"}}},
		{"several problems in one provider", provider("{type: openai, api_key: sk-x, endpoint_url: \"https://x\", api_version: v, seed: 1}"),
			[]wantErr{
				{"providers.p.api_key", "literal keys"},
				{"providers.p.endpoint_url", "bedrock only"},
				{"providers.p.api_version", "anthropic only"},
				{"providers.p", "mock only"},
			}},
	})
}

func TestValidateModels(t *testing.T) {
	runValidate(t, []validateCase{
		{"key without slash", provs + "models: {gpt-4o: {input_per_mtok: 1}}\n",
			[]wantErr{{"models.gpt-4o", "model overrides are keyed provider/model"}}},
		{"key without model", provs + "models: {\"p/\": {input_per_mtok: 1}}\n",
			[]wantErr{{"models.p/", "keyed provider/model"}}},
		{"unknown provider", provs + "models: {zz/x: {input_per_mtok: 1}}\n", []wantErr{{"models.zz/x", `unknown provider "zz"`}}},
		{"negative prices", provs + "models: {p/x: {input_per_mtok: -1, output_per_mtok: -2, cached_input_per_mtok: -0.5}}\n",
			[]wantErr{
				{"models.p/x.input_per_mtok", "must be >= 0"},
				{"models.p/x.output_per_mtok", "must be >= 0"},
				{"models.p/x.cached_input_per_mtok", "must be >= 0"},
			}},
		{"negative context window", provs + "models: {p/x: {context_window: -1}}\n",
			[]wantErr{{"models.p/x", "context_window and max_output_tokens must be >= 0"}}},
		{"negative max output", provs + "models: {p/x: {max_output_tokens: -1}}\n",
			[]wantErr{{"models.p/x", "context_window and max_output_tokens must be >= 0"}}},
		{"free model", provs + "models: {p/x: {input_per_mtok: 0, output_per_mtok: 0}, o/gpt-4o: {}}\n", nil},
	})
}

func TestValidateRouters(t *testing.T) {
	runValidate(t, []validateCase{
		{"name with slash", provs + "routers: {\"a/b\": {strategy: fallback, targets: [p/x]}}\n",
			[]wantErr{{"routers.a/b", `name "a/b" does not match ` + NamePattern}}},
		{"name with bar", provs + "routers: {\"a|b\": {strategy: fallback, targets: [p/x]}}\n",
			[]wantErr{{"routers.a|b", `name "a|b" does not match`}}},
		{"name with space", provs + "routers: {\"a b\": {strategy: fallback, targets: [p/x]}}\n",
			[]wantErr{{"routers.a b", `name "a b" does not match`}}},
		{"null router", provs + "routers: {r: null}\n", []wantErr{{"routers.r", "must be a router map"}}},
		{"missing strategy", router("{targets: [p/x]}"), []wantErr{{"routers.r.strategy", "is required"}}},
		{"no targets", router("{strategy: fallback}"), []wantErr{{"routers.r.targets", "at least one target is required"}}},
		{"empty targets", router("{strategy: round_robin, targets: []}"), []wantErr{{"routers.r.targets", "at least one target is required"}}},
		{"routes on fallback", router("{strategy: fallback, targets: [p/x], routes: [{name: a, when: {}, targets: [p/x]}]}"),
			[]wantErr{{"routers.r", "routes and default apply to strategy conditional only"}}},
		{"default on percentage", router("{strategy: percentage, targets: [p/x], default: p/x}"),
			[]wantErr{{"routers.r", "routes and default apply to strategy conditional only"}}},
		{"conditional without routes or default", router("{strategy: conditional}"),
			[]wantErr{{"routers.r.routes", "a conditional router needs routes or a default"}}},
		{"conditional with targets", router("{strategy: conditional, default: p/x, targets: [o/y]}"),
			[]wantErr{{"routers.r.targets", "a conditional router takes routes and default, not targets"}}},
		{"conditional with default only", router("{strategy: conditional, default: [p/x, o/y]}"), nil},
		{"route without when", router("{strategy: conditional, routes: [{name: a, targets: [p/x]}]}"),
			[]wantErr{{"routers.r.routes[0].when", "is required"}}},
		{"route with null when", router("{strategy: conditional, routes: [{name: a, when: null, targets: [p/x]}]}"),
			[]wantErr{{"routers.r.routes[0].when", "is required"}}},
		{"route without targets", router("{strategy: conditional, routes: [{name: a, when: {}}]}"),
			[]wantErr{{"routers.r.routes[0].targets", "at least one target is required"}}},
		{"when not a map", router("{strategy: conditional, routes: [{name: a, when: premium, targets: [p/x]}]}"),
			[]wantErr{{"routers.r.routes[0].when", `a condition must be a map, got the string "premium"`}}},
		{"bad operator", router(`{strategy: conditional, routes: [{name: a, when: {"metadata.tier": {"$equals": premium}}, targets: [p/x]}]}`),
			[]wantErr{{"routers.r.routes[0].when.metadata.tier.$equals", "unknown operator (known: $eq, $ne, $in"}}},
		{"bad logical operator", router(`{strategy: conditional, routes: [{name: a, when: {"$xor": []}, targets: [p/x]}]}`),
			[]wantErr{{"routers.r.routes[0].when.$xor", "unknown logical operator (known: $and, $or, $not)"}}},
		{"bad regex in the second route", router(`{strategy: conditional, routes: [{name: a, when: {}, targets: [p/x]}, {name: b, when: {user: {"$regex": "("}}, targets: [p/x]}]}`),
			[]wantErr{{"routers.r.routes[1].when.user.$regex", `invalid regular expression "("`}}},
		{"every condition error on its own line", router(`{strategy: conditional, routes: [{name: a, when: {"$and": [{user: {"$regex": "["}}, {"params.max_tokens": {"$gt": [1]}}]}, targets: [p/x]}]}`),
			[]wantErr{
				{"routers.r.routes[0].when.$and[0].user.$regex", "invalid regular expression"},
				{"routers.r.routes[0].when.$and[1].params.max_tokens.$gt", "operand must be a number or a string"},
			}},
		{"route target errors", router("{strategy: conditional, routes: [{name: a, when: {}, targets: [zz/x, {router: nope}]}]}"),
			[]wantErr{
				{"routers.r.routes[0].targets[0].model", `unknown provider "zz" (configured: o, p)`},
				{"routers.r.routes[0].targets[1].router", `unknown router "nope"`},
			}},
		{"default target errors", router("{strategy: conditional, default: {router: nope}}"),
			[]wantErr{{"routers.r.default[0].router", `unknown router "nope"`}}},
	})
}

func TestValidateTargets(t *testing.T) {
	const exactlyOne = "a target needs exactly one of model, router, or an inline router (strategy + targets)"
	runValidate(t, []validateCase{
		{"none of model, router, inline", router("{strategy: fallback, targets: [{weight: 1, params: {a: 1}}]}"),
			[]wantErr{{"routers.r.targets[0]", exactlyOne}}},
		{"model and router", provs + "routers:\n  r: {strategy: fallback, targets: [p/x, {model: p/x, router: s}]}\n  s: {strategy: fallback, targets: [p/x]}\n",
			[]wantErr{{"routers.r.targets[1]", exactlyOne}}},
		{"model and inline router", router("{strategy: fallback, targets: [{model: p/x, strategy: fallback, targets: [o/y]}]}"),
			[]wantErr{{"routers.r.targets[0].model", "unknown field"}}},
		{"model without provider", router("{strategy: fallback, targets: [gpt-4o]}"),
			[]wantErr{{"routers.r.targets[0].model", `"gpt-4o" must be provider/model`}}},
		{"model with empty name", router("{strategy: fallback, targets: [\"p/\"]}"),
			[]wantErr{{"routers.r.targets[0].model", `"p/" must be provider/model`}}},
		{"model with nested slash", router("{strategy: fallback, targets: [\"p/meta/llama-3\"]}"), nil},
		{"unknown provider", router("{strategy: fallback, targets: [{model: zz/x}]}"),
			[]wantErr{{"routers.r.targets[0].model", `unknown provider "zz" (configured: o, p)`}}},
		{"unknown router", router("{strategy: fallback, targets: [{router: nope}]}"),
			[]wantErr{{"routers.r.targets[0].router", `unknown router "nope"`}}},
		{"negative weight", router("{strategy: weighted, targets: [{model: p/x, weight: -1}]}"),
			[]wantErr{{"routers.r.targets[0].weight", "must be > 0"}}},
		{"negative weight on an inline router", router("{strategy: percentage, targets: [{strategy: fallback, weight: -2, targets: [p/x]}]}"),
			[]wantErr{{"routers.r.targets[0].weight", "must be > 0"}}},
		{"errors inside an inline router", router("{strategy: fallback, targets: [p/x, {strategy: round_robin, targets: [zz/y, {router: nope}], explore: 2}]}"),
			[]wantErr{
				{"routers.r.targets[1].targets[0].model", `unknown provider "zz"`},
				{"routers.r.targets[1].targets[1].router", `unknown router "nope"`},
				{"routers.r.targets[1].explore", "must be between 0 and 1"},
			}},
		{"inline router without targets", router("{strategy: fallback, targets: [{type: round_robin}]}"),
			[]wantErr{{"routers.r.targets[0].targets", "at least one target is required"}}},
		{"inline conditional", router(`{strategy: fallback, targets: [{strategy: conditional, routes: [{name: a, when: {"user": {"$in": 5}}, targets: [p/x]}]}]}`),
			[]wantErr{{"routers.r.targets[0].routes[0].when.user.$in", "must be a list"}}},
	})
}

// chain is routers r1 -> r2 -> ... -> rn, rn serving p/x.
func chain(n int, last string) string {
	var b strings.Builder
	b.WriteString(provs + "routers:\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "  r%d: {strategy: fallback, targets: [{router: r%d}]}\n", i, i+1)
	}
	fmt.Fprintf(&b, "  r%d: {strategy: fallback, targets: [%s]}\n", n, last)
	return b.String()
}

func TestValidateCyclesAndDepth(t *testing.T) {
	runValidate(t, []validateCase{
		{"self", router("{strategy: fallback, targets: [p/x, {router: r}]}"),
			[]wantErr{{"routers.r", "router cycle: r -> r"}}},
		{"a to b to a", provs + "routers:\n  a: {strategy: fallback, targets: [{router: b}]}\n  b: {strategy: fallback, targets: [p/x, {router: a}]}\n",
			[]wantErr{{"routers.a", "router cycle: a -> b -> a"}}},
		{"cycle below the first router", provs + "routers:\n  x: {strategy: fallback, targets: [{router: y}]}\n  y: {strategy: fallback, targets: [{router: z}]}\n  z: {strategy: fallback, targets: [{router: y}]}\n",
			[]wantErr{{"routers.x", "router cycle: x -> y -> z -> y"}}},
		{"cycle through an inline router", provs + "routers:\n  a: {strategy: fallback, targets: [{strategy: round_robin, targets: [p/x, {router: a}]}]}\n",
			[]wantErr{{"routers.a", "router cycle: a -> a"}}},
		{"cycle through a conditional route", provs + "routers:\n  a: {strategy: conditional, routes: [{name: n, when: {}, targets: [{router: b}]}]}\n  b: {strategy: fallback, targets: [{router: a}]}\n",
			[]wantErr{{"routers.a", "router cycle: a -> b -> a"}}},
		{"cycle through a default", provs + "routers:\n  a: {strategy: conditional, default: {router: b}}\n  b: {strategy: fallback, targets: [{router: a}]}\n",
			[]wantErr{{"routers.a", "router cycle: a -> b -> a"}}},
		{"two cycles, a report each", provs + "routers:\n  a: {strategy: fallback, targets: [{router: a}]}\n  b: {strategy: fallback, targets: [{router: b}]}\n",
			[]wantErr{{"routers.a", "router cycle: a -> a"}, {"routers.b", "router cycle: b -> b"}}},
		{"one cycle reached from two routers, one report", provs + "routers:\n  x: {strategy: fallback, targets: [{router: c1}]}\n  y: {strategy: fallback, targets: [{router: c2}]}\n  c1: {strategy: fallback, targets: [{router: c2}]}\n  c2: {strategy: fallback, targets: [{router: c1}]}\n",
			[]wantErr{{"routers.c1", "router cycle: c1 -> c2 -> c1"}}},
		{"shared router is not a cycle", provs + "routers:\n  a: {strategy: fallback, targets: [{router: c}, {router: b}]}\n  b: {strategy: fallback, targets: [{router: c}]}\n  c: {strategy: fallback, targets: [p/x]}\n", nil},
		{"8 levels", chain(8, "p/x"), nil},
		{"9 levels", chain(9, "p/x"),
			[]wantErr{{"routers.r1", "routers nest deeper than 8: r1 -> r2 -> r3 -> r4 -> r5 -> r6 -> r7 -> r8 -> r9"}}},
		{"9 levels with an inline router last", chain(8, "{strategy: fallback, targets: [p/x]}"),
			[]wantErr{{"routers.r1", "routers nest deeper than 8: r1 -> r2 -> r3 -> r4 -> r5 -> r6 -> r7 -> r8 -> inline"}}},
		{"deep chain reported once, at its top", chain(12, "p/x"),
			[]wantErr{{"routers.r1", "routers nest deeper than 8: r1 -> r2 -> r3 -> r4 -> r5 -> r6 -> r7 -> r8 -> r9"}}},
	})
}

// TestValidateWideDiamond is a small document whose routers reference the
// next level many times: validation must visit each router once, not once
// per path (30^8 paths here).
func TestValidateWideDiamond(t *testing.T) {
	var b strings.Builder
	b.WriteString(provs + "routers:\n")
	for level := 1; level < 8; level++ {
		fmt.Fprintf(&b, "  l%d: {strategy: round_robin, targets: [", level)
		for i := 0; i < 30; i++ {
			fmt.Fprintf(&b, "{router: l%d, name: t%d},", level+1, i)
		}
		b.WriteString("]}\n")
	}
	b.WriteString("  l8: {strategy: fallback, targets: [p/x]}\n")
	if _, err := Parse([]byte(b.String())); err != nil {
		t.Fatalf("Parse: %v", err)
	}
}

func TestValidateRouterLimits(t *testing.T) {
	const base = "{strategy: fallback, targets: [p/x], "
	runValidate(t, []validateCase{
		{"max_retries below 0", router(base + "retry: {max_retries: -1}}"),
			[]wantErr{{"routers.r.retry.max_retries", "must be between 0 and 10"}}},
		{"max_retries above 10", router(base + "retry: {max_retries: 11}}"),
			[]wantErr{{"routers.r.retry.max_retries", "must be between 0 and 10"}}},
		{"max_retries bounds", provs + "routers:\n  a: " + base + "retry: {max_retries: 0}}\n  b: " + base + "retry: {max_retries: 10}}\n", nil},
		{"initial_backoff above max_backoff", router(base + "retry: {initial_backoff: 10s, max_backoff: 1s}}"),
			[]wantErr{{"routers.r.retry.initial_backoff", "must not exceed max_backoff"}}},
		{"initial_backoff without max_backoff", router(base + "retry: {initial_backoff: 10s}}"), nil},
		{"max_attempts below 0", router(base + "max_attempts: -1}"),
			[]wantErr{{"routers.r.max_attempts", "must be between 1 and 50 (0 takes the default)"}}},
		{"max_attempts above 50", router(base + "max_attempts: 51}"),
			[]wantErr{{"routers.r.max_attempts", "must be between 1 and 50"}}},
		{"max_attempts bounds", provs + "routers:\n  a: " + base + "max_attempts: 1}\n  b: " + base + "max_attempts: 50}\n", nil},
		{"attempt_timeout above timeout", router(base + "timeout: 1m, attempt_timeout: 2m}"),
			[]wantErr{{"routers.r.attempt_timeout", "must not exceed timeout"}}},
		{"attempt_timeout equal to timeout", router(base + "timeout: 1m, attempt_timeout: 60s}"), nil},
		{"attempt_timeout without timeout", router(base + "attempt_timeout: 10m}"), nil},
		{"on_status key not a number", router(base + "on_status: {abc: next}}"),
			[]wantErr{{"routers.r.on_status.abc", "keys must be HTTP error statuses (400-599)"}}},
		{"on_status key not an error", router(base + "on_status: {200: next}}"),
			[]wantErr{{"routers.r.on_status.200", "keys must be HTTP error statuses"}}},
		{"on_status key above 599", router(base + "on_status: {\"600\": fail}}"),
			[]wantErr{{"routers.r.on_status.600", "keys must be HTTP error statuses"}}},
		{"on_status action", router(base + "on_status: {\"503\": skip}}"),
			[]wantErr{{"routers.r.on_status.503", `must be next, fail or retry, not "skip"`}}},
		{"on_status key and action", router(base + "on_status: {\"5xx\": later, \"400\": fail}}"),
			[]wantErr{
				{"routers.r.on_status.5xx", "keys must be HTTP error statuses"},
				{"routers.r.on_status.5xx", `not "later"`},
			}},
		{"explore below 0", router("{strategy: optimized, targets: [p/x], explore: -0.1}"),
			[]wantErr{{"routers.r.explore", "must be between 0 and 1"}}},
		{"explore above 1", router("{strategy: optimized, targets: [p/x], explore: 1.01}"),
			[]wantErr{{"routers.r.explore", "must be between 0 and 1"}}},
		{"min_samples below 0", router("{strategy: optimized, targets: [p/x], min_samples: -1}"),
			[]wantErr{{"routers.r.min_samples", "must be >= 0"}}},
		{"max_cost_usd below 0", router("{strategy: cost, targets: [p/x], max_cost_usd: -0.5}"),
			[]wantErr{{"routers.r.max_cost_usd", "must be >= 0"}}},
	})
}

func TestValidateBudgets(t *testing.T) {
	budget := func(fields string) string {
		return router("{strategy: fallback, targets: [p/x]}") + "keys: [{name: k, sha256: " + hexKey + "}]\nbudgets:\n  - " + fields + "\n"
	}
	const ok = "limit_usd: 1, period: day"
	runValidate(t, []validateCase{
		{"scopes and actions", budget("{name: a, scope: global, "+ok+", on_exceed: reject, on_store_error: allow}") +
			"  - {name: b, scope: user, limit_usd: 0.5, period: hour, on_exceed: \"reroute:r\", on_store_error: reject}\n" +
			"  - {name: c, scope: \"router:r\", limit_usd: 1, period: week}\n" +
			"  - {name: d, scope: \"router:direct\", limit_usd: 1, period: month}\n" +
			"  - {name: e, scope: \"router:inline\", limit_usd: 1, period: total}\n" +
			"  - {name: f, scope: \"key:k\", limit_usd: 1, period: day}\n", nil},
		{"missing name", budget("{scope: global, " + ok + "}"), []wantErr{{"budgets[0].name", "is required"}}},
		{"duplicate name", budget("{name: b, scope: global, "+ok+"}") + "  - {name: b, scope: user, " + ok + "}\n",
			[]wantErr{{"budgets[1].name", `duplicate budget name "b"`}}},
		{"unknown scope", budget("{name: b, scope: team, " + ok + "}"),
			[]wantErr{{"budgets[0].scope", `must be global, user, router:<name> or key:<name>, not "team"`}}},
		{"missing scope", budget("{name: b, " + ok + "}"), []wantErr{{"budgets[0].scope", `not ""`}}},
		{"router scope without a name", budget("{name: b, scope: \"router:\", " + ok + "}"),
			[]wantErr{{"budgets[0].scope", `not "router:"`}}},
		{"unknown router scope", budget("{name: b, scope: \"router:nope\", " + ok + "}"),
			[]wantErr{{"budgets[0].scope", `unknown router "nope"`}}},
		{"unknown key scope", budget("{name: b, scope: \"key:nope\", " + ok + "}"),
			[]wantErr{{"budgets[0].scope", `unknown key "nope"`}}},
		{"zero limit", budget("{name: b, scope: global, limit_usd: 0, period: day}"), []wantErr{{"budgets[0].limit_usd", "must be > 0"}}},
		{"negative limit", budget("{name: b, scope: global, limit_usd: -5, period: day}"), []wantErr{{"budgets[0].limit_usd", "must be > 0"}}},
		{"unknown period", budget("{name: b, scope: global, limit_usd: 1, period: year}"),
			[]wantErr{{"budgets[0].period", `must be one of hour, day, week, month, total, not "year"`}}},
		{"missing period", budget("{name: b, scope: global, limit_usd: 1}"), []wantErr{{"budgets[0].period", `not ""`}}},
		{"unknown on_exceed", budget("{name: b, scope: global, " + ok + ", on_exceed: block}"),
			[]wantErr{{"budgets[0].on_exceed", `must be reject or reroute:<router>, not "block"`}}},
		{"reroute without a router", budget("{name: b, scope: global, " + ok + ", on_exceed: \"reroute:\"}"),
			[]wantErr{{"budgets[0].on_exceed", `not "reroute:"`}}},
		{"reroute to an unknown router", budget("{name: b, scope: global, " + ok + ", on_exceed: \"reroute:cheap\"}"),
			[]wantErr{{"budgets[0].on_exceed", `unknown router "cheap"`}}},
		{"unknown on_store_error", budget("{name: b, scope: global, " + ok + ", on_store_error: ignore}"),
			[]wantErr{{"budgets[0].on_store_error", "must be allow or reject"}}},
		{"negative lease", budget("{name: b, scope: global, " + ok + ", lease_usd: -1}"),
			[]wantErr{{"budgets[0].lease_usd", "must be between 0 (no leases) and limit_usd"}}},
		{"lease above the limit", budget("{name: b, scope: global, limit_usd: 5, period: day, lease_usd: 6}"),
			[]wantErr{{"budgets[0].lease_usd", "must be between 0 (no leases) and limit_usd"}}},
		{"home region with leases", budget("{name: b, scope: global, " + ok + ", lease_usd: 0.1, home_region: eu-west-1}"), nil},
		{"home region without leases", budget("{name: b, scope: global, " + ok + ", home_region: us-east-1}"),
			[]wantErr{{"budgets[0].lease_usd", "must be > 0 when home_region is set"}}},
		{"home region not a region", budget("{name: b, scope: global, " + ok + ", lease_usd: 0.1, home_region: \"US East\"}"),
			[]wantErr{{"budgets[0].home_region", `must be an AWS region such as us-east-1, got "US East"`}}},
		{"everything wrong", budget("{on_exceed: later, on_store_error: x}"),
			[]wantErr{
				{"budgets[0].name", "is required"},
				{"budgets[0].scope", "must be global"},
				{"budgets[0].limit_usd", "must be > 0"},
				{"budgets[0].period", "must be one of"},
				{"budgets[0].on_exceed", "must be reject or reroute:<router>"},
				{"budgets[0].on_store_error", "must be allow or reject"},
			}},
	})
}

func TestValidateKeys(t *testing.T) {
	base := router("{strategy: fallback, targets: [p/x]}")
	const sha = ", sha256: " + hexKey
	runValidate(t, []validateCase{
		{"routers, direct and inline", base + "keys: [{name: k" + sha + ", routers: [r, direct, inline], allow_inline: true}]\n", nil},
		{"upper-case hex", base + "keys: [{name: k, sha256: " + strings.ToUpper(hexKey) + "}]\n", nil},
		{"missing name", base + "keys: [{sha256: " + hexKey + "}]\n", []wantErr{{"keys[0].name", "is required"}}},
		{"duplicate name", base + "keys: [{name: k" + sha + "}, {name: k" + sha + "}]\n",
			[]wantErr{{"keys[1].name", `duplicate key name "k"`}}},
		{"missing sha256", base + "keys: [{name: k}]\n",
			[]wantErr{{"keys[0].sha256", "must be the 64-character hex sha256 of the bearer token"}}},
		{"short sha256", base + "keys: [{name: k, sha256: abcd}]\n", []wantErr{{"keys[0].sha256", "64-character hex"}}},
		{"not hex", base + "keys: [{name: k, sha256: " + strings.Repeat("z", 64) + "}]\n", []wantErr{{"keys[0].sha256", "64-character hex"}}},
		{"the token itself", base + "keys: [{name: k, sha256: sk-live-1234}]\n", []wantErr{{"keys[0].sha256", "64-character hex"}}},
		{"unknown router", base + "keys: [{name: k" + sha + ", routers: [r, nope]}]\n",
			[]wantErr{{"keys[0].routers[1]", `unknown router "nope"`}}},
		{"admin key", base + "admin_keys: [{name: ops" + sha + "}]\n", nil},
		{"admin key with routers", base + "admin_keys: [{name: ops" + sha + ", routers: [r]}]\n",
			[]wantErr{{"admin_keys[0]", "routers and allow_inline apply to keys, not admin_keys"}}},
		{"admin key with allow_inline", base + "admin_keys: [{name: ops" + sha + ", allow_inline: false}]\n",
			[]wantErr{{"admin_keys[0]", "routers and allow_inline apply to keys, not admin_keys"}}},
		{"admin key problems", base + "admin_keys: [{name: ops, sha256: x, routers: [nope]}, {name: ops" + sha + "}]\n",
			[]wantErr{
				{"admin_keys[0].sha256", "64-character hex"},
				{"admin_keys[0]", "apply to keys, not admin_keys"},
				{"admin_keys[0].routers[0]", `unknown router "nope"`},
				{"admin_keys[1].name", `duplicate key name "ops"`},
			}},
		{"same name as key and admin key", base + "keys: [{name: k" + sha + "}]\nadmin_keys: [{name: k" + sha + "}]\n", nil},
	})
}

// everyError is a document with problems in every section; its errors come
// out in a fixed order: server, providers, models and routers by name,
// cycles, budgets, keys, admin_keys.
const everyError = `
admin_keys: [{name: ops, sha256: nope}]
keys: [{name: k, sha256: "` + hexKey + `", routers: [ghost]}]
budgets: [{name: b, scope: team, limit_usd: 0, period: day}]
routers:
  zeta: {strategy: fallback, targets: [{router: zeta}]}
  alpha:
    strategy: conditional
    targets: [p/x]
    routes: [{name: a, when: {"user": {"$regex": "("}}, targets: [q/y]}]
    max_attempts: 99
models:
  q/y: {input_per_mtok: -1}
providers:
  p: {type: mock, fail_rate: 2}
  b: {type: openai}
server: {max_body_bytes: -5}
`

var everyErrorWant = []wantErr{
	{"server.max_body_bytes", "must be >= 0"},
	{"providers.b.api_key", "is required for type openai"},
	{"providers.p.fail_rate", "must be between 0 and 1"},
	{"models.q/y", `unknown provider "q"`},
	{"models.q/y.input_per_mtok", "must be >= 0"},
	{"routers.alpha.targets", "a conditional router takes routes and default, not targets"},
	{"routers.alpha.routes[0].when.user.$regex", "invalid regular expression"},
	{"routers.alpha.routes[0].targets[0].model", `unknown provider "q"`},
	{"routers.alpha.max_attempts", "must be between 1 and 50"},
	{"routers.zeta", "router cycle: zeta -> zeta"},
	{"budgets[0].scope", `not "team"`},
	{"budgets[0].limit_usd", "must be > 0"},
	{"keys[0].routers[0]", `unknown router "ghost"`},
	{"admin_keys[0].sha256", "64-character hex"},
}

func TestValidateReportsEveryError(t *testing.T) {
	parseErrors(t, everyError, everyErrorWant)
	// Maps are walked in sorted order: the same document gives the same
	// report every time.
	_, first := Parse([]byte(everyError))
	for i := 0; i < 20; i++ {
		if _, err := Parse([]byte(everyError)); !reflect.DeepEqual(err, first) {
			t.Fatalf("run %d reported\n%v\nbut the first run reported\n%v", i, err, first)
		}
	}
}

// TestValidateRouterInline covers the exported entry point the engine uses
// for routers sent in a request body: references resolve against the
// config, and paths start at the given prefix.
func TestValidateRouterInline(t *testing.T) {
	cfg, err := Parse([]byte(router("{strategy: fallback, targets: [p/x]}")))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	tests := []struct {
		name string
		r    *Router
		want []wantErr
	}{
		{"valid", &Router{Strategy: "fallback", Targets: []Target{{Model: "o/gpt-4o"}, {Router: "r"}}}, nil},
		{"unknown references", &Router{Strategy: "fallback", Targets: []Target{{Model: "evil/x"}, {Router: "nope"}}},
			[]wantErr{{"router.targets[0].model", `unknown provider "evil"`}, {"router.targets[1].router", `unknown router "nope"`}}},
		{"no strategy", &Router{Targets: []Target{{Model: "p/x"}}}, []wantErr{{"router.strategy", "is required"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errs Errors
			cfg.ValidateRouter(&errs, "router", tt.r)
			if len(tt.want) == 0 {
				if len(errs) > 0 {
					t.Fatalf("unexpected errors:\n%v", errs)
				}
				return
			}
			checkErrors(t, errs, tt.want)
		})
	}
}
