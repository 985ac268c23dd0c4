package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// MinAttemptTime is the least time an attempt can use: the engine starts
// no attempt with less than this left before the request deadline
// (engine's minAttemptTime is the same number), so timeouts at or under it
// can only fail. Config validation rejects them.
const MinAttemptTime = 50 * time.Millisecond

// httpProviderTypes are the types that send HTTP requests of their own and
// so can send configured headers (bedrock's requests are built and signed
// by the AWS SDK; mock sends nothing).
var httpProviderTypes = []string{"anthropic", "gemini", "openai", "openai-compatible"}

// bedrockRegion is an AWS region as the SDK signs and resolves it: a
// lower-case host label (us-east-1, us-gov-west-1).
var bedrockRegion = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// validateProvider checks one provider; pol is the operator's bound on
// what its api_key and base_url may reach (DESIGN §9).
func (c *Config) validateProvider(errs *Errors, pol UpstreamPolicy, path, name string, p Provider) {
	if err := CheckName(name); err != nil {
		errs.add(path, "%v", err)
	}
	validateProviderLimits(errs, path, p.Limits)
	if !contains(ProviderTypes, p.Type) {
		if p.Type == "" {
			errs.add(path+".type", "is required (one of %s)", strings.Join(ProviderTypes, ", "))
		} else {
			errs.add(path+".type", "unknown provider type %q (one of %s)", p.Type, strings.Join(ProviderTypes, ", "))
		}
		return
	}
	if p.APIKey != "" {
		if err := checkSecretRef(p.APIKey); err != nil {
			errs.add(path+".api_key", "%v", err)
		} else if err := pol.CheckRef(p.APIKey); err != nil {
			errs.add(path+".api_key", "%v", err)
		}
	}
	switch p.Type {
	case "openai", "anthropic", "gemini":
		if p.APIKey == "" {
			errs.add(path+".api_key", "is required for type %s (env:VAR, secret:<id>[#field] or ssm:<name>)", p.Type)
		}
	case "openai-compatible":
		if p.BaseURL == "" {
			errs.add(path+".base_url", "is required for type openai-compatible")
		}
	case "bedrock":
		if p.APIKey != "" {
			errs.add(path+".api_key", "bedrock uses AWS credentials (the Lambda role), not an api_key")
		}
		if p.Region != "" && !bedrockRegion.MatchString(p.Region) {
			errs.add(path+".region", "must be an AWS region such as us-east-1, got %q", p.Region)
		}
	}
	if p.BaseURL != "" {
		if u, err := url.Parse(p.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs.add(path+".base_url", "must be an http(s) URL, got %q", p.BaseURL)
		} else if p.Type == "bedrock" || p.Type == "mock" {
			errs.add(path+".base_url", "does not apply to type %s", p.Type)
		} else if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(p.BaseURL, "#") {
			// The providers append the API path to base_url: a query
			// would end up in front of it.
			errs.add(path+".base_url", "must not carry a query string or fragment (the API path is appended to it)")
		} else if err := pol.CheckURL(u); err != nil {
			errs.add(path+".base_url", "%v", err)
		}
	}
	if p.EndpointURL != "" {
		if p.Type != "bedrock" {
			errs.add(path+".endpoint_url", "applies to type bedrock only (use base_url)")
		} else if u, err := url.Parse(p.EndpointURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs.add(path+".endpoint_url", "must be an http(s) URL, got %q", p.EndpointURL)
		} else if err := pol.CheckURL(u); err != nil {
			// Bedrock requests carry the role's SigV4 signature and session
			// token: the same bounds as base_url apply.
			errs.add(path+".endpoint_url", "%v", err)
		}
	}
	if p.APIVersion != "" && p.Type != "anthropic" {
		errs.add(path+".api_version", "applies to type anthropic only")
	}
	if p.Timeout != 0 && p.Timeout.D() < MinAttemptTime {
		errs.add(path+".timeout", "must be at least %v: an attempt with less time cannot produce an answer (the gateway starts none with under %v left)", MinAttemptTime, MinAttemptTime)
	}
	validateHeaders(errs, path, p)
	if p.Type != "mock" {
		if p.Latency != 0 || p.FailRate != 0 || p.FailStatus != 0 || p.Reply != "" || p.Seed != 0 {
			errs.add(path, "latency, fail_rate, fail_status, reply and seed apply to type mock only")
		}
		return
	}
	if p.FailRate < 0 || p.FailRate > 1 {
		errs.add(path+".fail_rate", "must be between 0 and 1")
	}
	if p.FailStatus != 0 && (p.FailStatus < 400 || p.FailStatus > 599) {
		errs.add(path+".fail_status", "must be an HTTP error status (400-599)")
	}
}

// validateHeaders checks headers and auth_header. Headers are stored in
// the config table and shown by `config pull` and the admin API in clear,
// so one that carries a credential is refused: the key belongs in api_key,
// which holds only a reference.
func validateHeaders(errs *Errors, path string, p Provider) {
	openaiLike := p.Type == "openai" || p.Type == "openai-compatible"
	if p.AuthHeader != "" {
		switch {
		case !openaiLike:
			errs.add(path+".auth_header", "applies to types openai and openai-compatible only")
		case !validHeaderName(p.AuthHeader):
			errs.add(path+".auth_header", "%q is not a valid HTTP header name", p.AuthHeader)
		case p.APIKey == "":
			errs.add(path+".auth_header", "names the header that carries api_key, which is not set")
		}
	}
	if len(p.Headers) == 0 {
		return
	}
	if !contains(httpProviderTypes, p.Type) {
		why := "the mock provider sends no requests"
		if p.Type == "bedrock" {
			why = "the AWS SDK builds and signs bedrock requests"
		}
		errs.add(path+".headers", "does not apply to type %s (%s); headers apply to types %s", p.Type, why, strings.Join(httpProviderTypes, ", "))
		return
	}
	hint := "give the key as api_key (env:VAR, secret:<id>[#field] or ssm:<name>)"
	if openaiLike {
		hint += ", with auth_header: <name> if the endpoint reads it from a header other than Authorization"
	}
	for _, k := range sortedNames(p.Headers) {
		hp := path + ".headers." + k
		switch {
		case !validHeaderName(k):
			errs.add(hp, "is not a valid HTTP header name")
		case credentialHeader(k) || (p.AuthHeader != "" && strings.EqualFold(k, p.AuthHeader)):
			errs.add(hp, "carries a credential, and headers are stored and shown (config pull, admin API) in clear: %s", hint)
		case strings.ContainsAny(p.Headers[k], "\r\n\x00"):
			errs.add(hp, "value must not contain line breaks or NUL")
		}
	}
}

// credentialHeader reports whether a header name is one that carries a
// credential: Authorization and Proxy-Authorization, Cookie, the API key
// headers of OpenAI-style gateways (api-key, x-api-key, x-goog-api-key,
// Ocp-Apim-Subscription-Key) and names that say so (…-token, …-auth,
// …secret…).
func credentialHeader(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "cookie", "ocp-apim-subscription-key":
		return true
	}
	for _, part := range []string{"authorization", "api-key", "apikey", "api_key", "secret", "password"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	for _, suffix := range []string{"-token", "_token", "-auth"} { // X-Auth-Token, Helicone-Auth
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	return false
}

// validHeaderName is RFC 9110's token: what net/http accepts as a field
// name (an invalid one would fail every request at the transport).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// checkSecretRef accepts env:VAR, secret:<id>[#field], secret:#<field>
// and ssm:<name>. Literal keys are refused so that a key never lands in a
// config table. secret:#<field> is a field of the deployment's own
// provider secret (SWITCHYARD_PROVIDER_SECRET: each region's stack has its
// own), so one config stored in DynamoDB serves every region; whether a
// deployment has that secret is known when the key is resolved, not here.
func checkSecretRef(ref string) error {
	kind, rest, ok := strings.Cut(ref, ":")
	if !ok || rest == "" || (kind != "env" && kind != "secret" && kind != "ssm") {
		return fmt.Errorf("must be env:VAR, secret:<id>[#field] or ssm:<name> (or secret:#<field> for the deployment's provider secret; literal keys are not accepted)")
	}
	if _, field, hasField := strings.Cut(rest, "#"); kind == "secret" && hasField && field == "" {
		return fmt.Errorf("secret:<id>#<field> and secret:#<field> need a field name after '#'")
	}
	return nil
}
