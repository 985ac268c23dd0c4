package config

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// Config is the whole document.
type Config struct {
	Server    Server              `yaml:"server,omitempty"`
	Providers map[string]Provider `yaml:"providers,omitempty"`
	Models    map[string]Model    `yaml:"models,omitempty"`
	Routers   map[string]*Router  `yaml:"routers,omitempty"`
	Budgets   []Budget            `yaml:"budgets,omitempty"`
	Keys      []Key               `yaml:"keys,omitempty"`
	AdminKeys []Key               `yaml:"admin_keys,omitempty"`
}

// Server holds gateway-wide settings. Every field has a default (see Defaults).
type Server struct {
	// MaxBodyBytes caps a request body; larger bodies get 413. Default 10 MiB.
	MaxBodyBytes int64 `yaml:"max_body_bytes,omitempty"`
	// TrustGeoHeaders lets CloudFront-Viewer-* headers set the caller's
	// location for geo routing. Off by default: a caller could forge them.
	TrustGeoHeaders bool `yaml:"trust_geo_headers,omitempty"`
	// Region is where this gateway runs; default AWS_REGION.
	Region string `yaml:"region,omitempty"`
	// Cooldown puts a target aside after consecutive failures.
	Cooldown Cooldown `yaml:"cooldown,omitempty"`
	// ConfigRefresh is how long config read from the store is cached.
	ConfigRefresh Duration `yaml:"config_refresh,omitempty"`
	// AllowInlineRouters permits routers in request bodies (default true);
	// a key's allow_inline can still deny it.
	AllowInlineRouters *bool `yaml:"allow_inline_routers,omitempty"`
	// Inline bounds routers in request bodies (limits.go).
	Inline InlineLimits `yaml:"inline,omitempty"`

	// MaxInFlight bounds the requests served at once (/healthz aside);
	// over it a request gets 503 overloaded. Default 256.
	MaxInFlight int `yaml:"max_in_flight,omitempty"`
	// MaxBodyMemory bounds the bytes of request bodies held in memory at
	// once; a body that does not fit gets 503 overloaded. Default the
	// larger of 128 MiB and max_body_bytes.
	MaxBodyMemory int64 `yaml:"max_body_memory,omitempty"`
	// Timeouts bound slow and idle connections of the local server.
	Timeouts Timeouts `yaml:"timeouts,omitempty"`
}

// DefaultMaxBodyBytes is the request body cap when max_body_bytes is unset.
const DefaultMaxBodyBytes = 10 << 20

// BodyLimit is the request body cap in force: max_body_bytes or its default.
func (s Server) BodyLimit() int64 {
	if s.MaxBodyBytes > 0 {
		return s.MaxBodyBytes
	}
	return DefaultMaxBodyBytes
}

// Timeouts bound how long a connection may stall (docs/security.md). Zero
// takes the default. ReadHeader and Idle are read when the server starts;
// ReadBody and Write per request.
type Timeouts struct {
	// ReadHeader bounds reading a request's headers; default 10s.
	ReadHeader Duration `yaml:"read_header,omitempty"`
	// ReadBody bounds reading a request's body, from the end of its
	// headers; default 60s.
	ReadBody Duration `yaml:"read_body,omitempty"`
	// Write bounds each write of a response (each streamed chunk), not the
	// whole response; default 60s.
	Write Duration `yaml:"write,omitempty"`
	// Idle bounds how long a keep-alive connection waits for its next
	// request; default 60s.
	Idle Duration `yaml:"idle,omitempty"`
}

// Cooldown configures when a failing target is set aside.
type Cooldown struct {
	// Failures in a row before cooldown; default 3. 0 takes the default;
	// negative turns cooldown off.
	Failures int `yaml:"failures,omitempty"`
	// Duration of the cooldown; default 30s.
	Duration Duration `yaml:"duration,omitempty"`
}

// Provider is one upstream account. Fields apply per type as documented in
// docs/config.md; a field that does not apply to the type is an error.
type Provider struct {
	Type    string `yaml:"type,omitempty"`
	APIKey  string `yaml:"api_key,omitempty"`
	BaseURL string `yaml:"base_url,omitempty"`
	Region  string `yaml:"region,omitempty"`
	// Headers are extra headers sent upstream by the HTTP provider types
	// (openai, openai-compatible, anthropic, gemini). Headers that carry
	// credentials are refused: they would be stored and shown in clear.
	Headers map[string]string `yaml:"headers,omitempty"`
	// AuthHeader names the header that carries api_key for openai and
	// openai-compatible providers: empty or "Authorization" sends
	// "Authorization: Bearer <key>", any other name (Azure OpenAI's
	// "api-key") the bare key in that header.
	AuthHeader string `yaml:"auth_header,omitempty"`
	// Models lists model ids this provider serves, so a bare model name
	// can be routed to it and /v1/models can list it.
	Models []string `yaml:"models,omitempty"`
	// Timeout caps each attempt against this provider (default: the router's).
	Timeout Duration `yaml:"timeout,omitempty"`
	// Limits is the provider account's quota (keylimits.go): a target
	// whose quota is used up is skipped before any upstream call.
	Limits *ProviderLimits `yaml:"limits,omitempty"`

	// APIVersion is Anthropic's anthropic-version header.
	APIVersion string `yaml:"api_version,omitempty"`
	// EndpointURL overrides the Bedrock runtime endpoint (tests, VPC endpoints).
	EndpointURL string `yaml:"endpoint_url,omitempty"`

	// Mock-only: simulated latency, share of failures, the failing status,
	// the reply text and the random seed.
	Latency    Duration `yaml:"latency,omitempty"`
	FailRate   float64  `yaml:"fail_rate,omitempty"`
	FailStatus int      `yaml:"fail_status,omitempty"`
	Reply      string   `yaml:"reply,omitempty"`
	Seed       int64    `yaml:"seed,omitempty"`
}

// Model overrides price and facts for "provider/model".
type Model struct {
	InputPerMTok       *float64 `yaml:"input_per_mtok,omitempty"`
	OutputPerMTok      *float64 `yaml:"output_per_mtok,omitempty"`
	CachedInputPerMTok *float64 `yaml:"cached_input_per_mtok,omitempty"`
	ContextWindow      int      `yaml:"context_window,omitempty"`
	MaxOutputTokens    int      `yaml:"max_output_tokens,omitempty"`
	// Dimensions is an embedding model's vector length. A router's
	// embedding targets must agree on it (validateDimensions), so that a
	// fallback never answers in another vector space.
	Dimensions int `yaml:"dimensions,omitempty"`
}

// Router is a named (or inline) routing policy.
type Router struct {
	// Name is the name an inline router carries (vLLora's "name"), which
	// gives it metrics of its own (subject "inline:<name>"). Configured
	// routers are named by their key in routers, so it is not read there.
	Name     string   `yaml:"-"`
	Strategy string   `yaml:"strategy,omitempty"`
	Targets  []Target `yaml:"targets,omitempty"`

	Retry          *Retry   `yaml:"retry,omitempty"`
	MaxAttempts    int      `yaml:"max_attempts,omitempty"`
	Timeout        Duration `yaml:"timeout,omitempty"`
	AttemptTimeout Duration `yaml:"attempt_timeout,omitempty"`
	// StreamIdleTimeout ends a stream whose upstream sends no event for
	// this long (default 60s), so a hung upstream cannot hold a caller
	// (and a Lambda) until the request's timeout.
	StreamIdleTimeout Duration          `yaml:"stream_idle_timeout,omitempty"`
	OnStatus          map[string]string `yaml:"on_status,omitempty"`

	// percentage
	Sticky string `yaml:"sticky,omitempty"`
	// conditional
	Routes  []Route  `yaml:"routes,omitempty"`
	Default []Target `yaml:"default,omitempty"`
	// optimized / latency
	Metric     string   `yaml:"metric,omitempty"`
	Window     Duration `yaml:"window,omitempty"`
	MinSamples int      `yaml:"min_samples,omitempty"`
	// Explore is the share of requests that try first the least-sampled
	// target not ranked first (see routing.Optimized); nil
	// takes the default, 0 turns exploring off.
	Explore *float64 `yaml:"explore,omitempty"`
	// cost
	MaxCostUSD float64 `yaml:"max_cost_usd,omitempty"`
}

// Target is one entry of a router's targets: a model, a named router, or an
// inline router.
type Target struct {
	Model  string         `yaml:"model,omitempty"`
	Router string         `yaml:"router,omitempty"`
	Inline *Router        `yaml:"-"`
	Params map[string]any `yaml:"params,omitempty"`
	Weight float64        `yaml:"weight,omitempty"`
	// Drained is set for a target of a weighted or percentage router whose
	// weight is written as 0: it gets no traffic, neither first nor as a
	// fallback, and explain lists it as drained. Weight alone cannot say
	// so: 0 is also "unset", which weighted takes as 1.
	Drained bool   `yaml:"-"`
	Region  string `yaml:"region,omitempty"`
	Name    string `yaml:"name,omitempty"`
}

// Route is one branch of a conditional router.
type Route struct {
	Name    string   `yaml:"name,omitempty"`
	When    any      `yaml:"when,omitempty"`
	Targets []Target `yaml:"targets,omitempty"`
}

// Retry is the 429 backoff policy.
type Retry struct {
	MaxRetries     *int     `yaml:"max_retries,omitempty"`
	InitialBackoff Duration `yaml:"initial_backoff,omitempty"`
	MaxBackoff     Duration `yaml:"max_backoff,omitempty"`
	MaxRetryAfter  Duration `yaml:"max_retry_after,omitempty"`
}

// Budget caps spend for a scope and period.
type Budget struct {
	Name     string  `yaml:"name,omitempty"`
	Scope    string  `yaml:"scope,omitempty"`
	LimitUSD float64 `yaml:"limit_usd,omitempty"`
	Period   string  `yaml:"period,omitempty"`
	OnExceed string  `yaml:"on_exceed,omitempty"`
	// OnStoreError: what to do when the budget store cannot be reached:
	// "reject" (503 budget_unavailable) or "allow" (serve uncounted, log
	// the spend). Empty means reject for a hard budget (on_exceed reject:
	// a request served uncounted is spend the cap never sees) and allow
	// for a reroute budget (a soft one). See StoreErrorAction.
	OnStoreError string `yaml:"on_store_error,omitempty"`
	// LeaseUSD, when > 0, lets each instance lease headroom from the
	// counter in chunks of this size and reserve against its chunk in
	// memory, so a busy budget costs one counter write per chunk instead
	// of one per request (docs/scale-budgets.md). 0 (default): every
	// reservation is a counter write.
	LeaseUSD float64 `yaml:"lease_usd,omitempty"`
	// HomeRegion, when set, is the one region whose state table holds
	// this budget's counter and leases, so that a deployment in several
	// regions spends one limit, not one per region. Gateways in other
	// regions take leases from it across regions (one call per lease,
	// never per request), so it requires lease_usd. Empty: every region
	// keeps a counter of its own (docs/deploy.md, multi-region).
	HomeRegion string `yaml:"home_region,omitempty"`
}

// StoreErrorAction is the effective on_store_error: "allow" or "reject".
func (b Budget) StoreErrorAction() string {
	if b.OnStoreError != "" {
		return b.OnStoreError
	}
	if act, _, _ := strings.Cut(b.OnExceed, ":"); act == "reroute" {
		return "allow"
	}
	return "reject"
}

// Key is a caller's API key, stored as the sha256 of the bearer token.
type Key struct {
	Name   string `yaml:"name,omitempty"`
	SHA256 string `yaml:"sha256,omitempty"`
	// Routers this key may use; empty means all. Direct provider/model
	// calls count as the router "direct".
	Routers []string `yaml:"routers,omitempty"`
	// AllowInline permits inline routers in the body; default true.
	AllowInline *bool `yaml:"allow_inline,omitempty"`
	// Limits bound the key's requests, tokens and concurrent requests
	// (keylimits.go); nil means unlimited.
	Limits *KeyLimits `yaml:"limits,omitempty"`
	// ExpiresAt (RFC 3339) is when the key stops working; empty: never.
	ExpiresAt string `yaml:"expires_at,omitempty"`
	// Models are globs over provider/model ('*' any run of characters)
	// the key may be served by; empty means any.
	Models []string `yaml:"models,omitempty"`
	// Disabled refuses the key (401 key_disabled) without deleting it.
	Disabled bool `yaml:"disabled,omitempty"`
}

// MarshalYAML writes an inline router target as the router map itself.
func (t Target) MarshalYAML() (any, error) {
	if t.Inline == nil {
		if t.Drained {
			// omitempty would drop weight 0, undraining the target.
			return encodeTarget(&t), nil
		}
		type plain Target
		return plain(t), nil
	}
	b, err := yaml.Marshal(t.Inline)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if t.Weight != 0 || t.Drained {
		m["weight"] = t.Weight
	}
	if t.Name != "" {
		m["name"] = t.Name
	}
	if t.Region != "" {
		m["region"] = t.Region
	}
	return m, nil
}
