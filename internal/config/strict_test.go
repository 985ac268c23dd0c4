package config

import "testing"

// TestValidateProviderBuildable: provider fields the constructors would
// refuse (so that the engine could not be built) are refused by
// validation, at their path.
func TestValidateProviderBuildable(t *testing.T) {
	runValidate(t, []validateCase{
		{"bedrock endpoint_url not a url", provider("{type: bedrock, region: us-east-1, endpoint_url: \"not a url\"}"),
			[]wantErr{{"providers.p.endpoint_url", `must be an http(s) URL, got "not a url"`}}},
		{"bedrock endpoint_url without scheme", provider("{type: bedrock, region: us-east-1, endpoint_url: bedrock.internal:4566}"),
			[]wantErr{{"providers.p.endpoint_url", "must be an http(s) URL"}}},
		{"bedrock endpoint_url ok", provider("{type: bedrock, region: us-east-1, endpoint_url: \"http://127.0.0.1:4566\"}"), nil},
		{"endpoint_url elsewhere still names bedrock", provider("{type: mock, endpoint_url: \"not a url\"}"),
			[]wantErr{{"providers.p.endpoint_url", "applies to type bedrock only"}}},
		{"bedrock region not a region", provider("{type: bedrock, region: \"US East 1\"}"),
			[]wantErr{{"providers.p.region", `must be an AWS region such as us-east-1, got "US East 1"`}}},
		{"bedrock gov region", provider("{type: bedrock, region: us-gov-west-1}"), nil},
		{"bedrock without region (the environment may give one)", provider("{type: bedrock}"), nil},
		{"base_url with a query string", provider("{type: gemini, api_key: env:K_API_KEY, base_url: \"https://proxy.example/v1beta?key=abc\"}"),
			[]wantErr{{"providers.p.base_url", "must not carry a query string or fragment"}}},
		{"base_url with a fragment", provider("{type: openai-compatible, base_url: \"https://x.example/v1#a\"}"),
			[]wantErr{{"providers.p.base_url", "must not carry a query string or fragment"}}},
	})
}

// TestValidateTimeoutFloor: a timeout no attempt can run in (the engine
// starts none with under MinAttemptTime left) is refused, not served as
// a 504 for every request.
func TestValidateTimeoutFloor(t *testing.T) {
	runValidate(t, []validateCase{
		{"router timeout 10ms", router("{strategy: fallback, targets: [p/x], timeout: 10ms}"),
			[]wantErr{{"routers.r.timeout", "must be longer than 50ms: the gateway starts no attempt with under 50ms left before the deadline"}}},
		{"router timeout at the floor", router("{strategy: fallback, targets: [p/x], timeout: 50ms}"),
			[]wantErr{{"routers.r.timeout", "must be longer than 50ms"}}},
		{"router timeout above the floor", router("{strategy: fallback, targets: [p/x], timeout: 100ms}"), nil},
		{"attempt_timeout 10ms", router("{strategy: fallback, targets: [p/x], attempt_timeout: 10ms}"),
			[]wantErr{{"routers.r.attempt_timeout", "must be at least 50ms: an attempt with less time cannot produce an answer"}}},
		{"attempt_timeout at the floor", router("{strategy: fallback, targets: [p/x], attempt_timeout: 50ms}"), nil},
		{"attempt_timeout under the floor and over timeout: one error", router("{strategy: fallback, targets: [p/x], timeout: 10ms, attempt_timeout: 20ms}"),
			[]wantErr{{"routers.r.timeout", "longer than 50ms"}, {"routers.r.attempt_timeout", "at least 50ms"}}},
		{"inline router timeout", router("{strategy: fallback, targets: [{strategy: fallback, targets: [p/x], timeout: 1ms}]}"),
			[]wantErr{{"routers.r.targets[0].timeout", "must be longer than 50ms"}}},
		{"provider timeout 10ms", provider("{type: mock, timeout: 10ms}"),
			[]wantErr{{"providers.p.timeout", "must be at least 50ms"}}},
		{"provider timeout at the floor", provider("{type: mock, timeout: 50ms}"), nil},
	})
}

// TestValidateHeaders: headers apply to the HTTP provider types only, and
// never carry a credential (they are stored and shown in clear).
func TestValidateHeaders(t *testing.T) {
	const useAPIKey = "carries a credential, and headers are stored and shown (config pull, admin API) in clear: give the key as api_key"
	runValidate(t, []validateCase{
		{"headers on mock", provider("{type: mock, headers: {x-team: a}}"),
			[]wantErr{{"providers.p.headers", "does not apply to type mock (the mock provider sends no requests)"}}},
		{"headers on bedrock", provider("{type: bedrock, region: us-east-1, headers: {x-team: a}}"),
			[]wantErr{{"providers.p.headers", "does not apply to type bedrock (the AWS SDK builds and signs bedrock requests)"}}},
		{"plain headers on HTTP types", "providers: {a: {type: openai, api_key: env:K_API_KEY, headers: {OpenAI-Organization: org-1}}, " +
			"b: {type: anthropic, api_key: env:K_API_KEY, headers: {anthropic-beta: x, anthropic-version: \"2023-06-01\"}}, " +
			"c: {type: gemini, api_key: env:K_API_KEY, headers: {x-goog-user-project: p}}, " +
			"d: {type: openai-compatible, base_url: \"https://x\", headers: {X-Team: ml, x-max-tokens: \"5\"}}}\n", nil},
		{"Authorization", provider("{type: openai-compatible, base_url: \"https://x\", headers: {Authorization: \"Bearer sk-live\"}}"),
			[]wantErr{{"providers.p.headers.Authorization", useAPIKey + " (env:VAR, secret:<id>[#field] or ssm:<name>), with auth_header: <name>"}}},
		{"authorization in lower case", provider("{type: openai, api_key: env:K_API_KEY, headers: {authorization: \"Bearer x\"}}"),
			[]wantErr{{"providers.p.headers.authorization", useAPIKey}}},
		{"azure api-key", provider("{type: openai-compatible, base_url: \"https://r.openai.azure.com/openai/v1\", headers: {api-key: abc}}"),
			[]wantErr{{"providers.p.headers.api-key", useAPIKey}}},
		{"anthropic x-api-key", provider("{type: anthropic, api_key: env:K_API_KEY, headers: {x-api-key: sk-ant}}"),
			[]wantErr{{"providers.p.headers.x-api-key", useAPIKey}}},
		{"gemini x-goog-api-key", provider("{type: gemini, api_key: env:K_API_KEY, headers: {X-Goog-Api-Key: AIza}}"),
			[]wantErr{{"providers.p.headers.X-Goog-Api-Key", useAPIKey}}},
		{"proxy-authorization", provider("{type: openai, api_key: env:K_API_KEY, headers: {Proxy-Authorization: \"Basic x\"}}"),
			[]wantErr{{"providers.p.headers.Proxy-Authorization", useAPIKey}}},
		{"other credential names", provider("{type: openai-compatible, base_url: \"https://x\", headers: " +
			"{Cookie: s=1, Ocp-Apim-Subscription-Key: k, X-Auth-Token: t, cf-aig-authorization: t, x-client-secret: s, Helicone-Auth: \"Bearer h\"}}"),
			[]wantErr{
				{"providers.p.headers.Cookie", useAPIKey},
				{"providers.p.headers.Helicone-Auth", useAPIKey},
				{"providers.p.headers.Ocp-Apim-Subscription-Key", useAPIKey},
				{"providers.p.headers.X-Auth-Token", useAPIKey},
				{"providers.p.headers.cf-aig-authorization", useAPIKey},
				{"providers.p.headers.x-client-secret", useAPIKey},
			}},
		{"anthropic gets no auth_header hint", provider("{type: anthropic, api_key: env:K_API_KEY, headers: {x-api-key: k}}"),
			[]wantErr{{"providers.p.headers.x-api-key", "or ssm:<name>)"}}},
		{"invalid header name", provider("{type: openai, api_key: env:K_API_KEY, headers: {\"X Team\": a}}"),
			[]wantErr{{"providers.p.headers.X Team", "is not a valid HTTP header name"}}},
		{"header value with a line break", provider("{type: openai, api_key: env:K_API_KEY, headers: {X-Team: \"a\\r\\nX-Evil: 1\"}}"),
			[]wantErr{{"providers.p.headers.X-Team", "must not contain line breaks"}}},
	})
}

// TestValidateAuthHeader: auth_header lets an endpoint that reads its key
// from another header (Azure OpenAI's api-key) use api_key.
func TestValidateAuthHeader(t *testing.T) {
	runValidate(t, []validateCase{
		{"azure with api_key and auth_header", provider("{type: openai-compatible, base_url: \"https://r.openai.azure.com/openai/v1\", " +
			"api_key: \"secret:#azure\", auth_header: api-key}"), nil},
		{"on openai", provider("{type: openai, api_key: env:K_API_KEY, auth_header: Authorization}"), nil},
		{"on anthropic", provider("{type: anthropic, api_key: env:K_API_KEY, auth_header: x-api-key}"),
			[]wantErr{{"providers.p.auth_header", "applies to types openai and openai-compatible only"}}},
		{"on bedrock", provider("{type: bedrock, auth_header: api-key}"),
			[]wantErr{{"providers.p.auth_header", "applies to types openai and openai-compatible only"}}},
		{"without api_key", provider("{type: openai-compatible, base_url: \"https://x\", auth_header: api-key}"),
			[]wantErr{{"providers.p.auth_header", "names the header that carries api_key, which is not set"}}},
		{"invalid name", provider("{type: openai-compatible, base_url: \"https://x\", api_key: env:K_API_KEY, auth_header: \"api key\"}"),
			[]wantErr{{"providers.p.auth_header", `"api key" is not a valid HTTP header name`}}},
		{"the auth header again in headers", provider("{type: openai-compatible, base_url: \"https://x\", api_key: env:K_API_KEY, " +
			"auth_header: X-Gateway-Pass, headers: {x-gateway-pass: literal}}"),
			[]wantErr{{"providers.p.headers.x-gateway-pass", "carries a credential"}}},
	})
}
