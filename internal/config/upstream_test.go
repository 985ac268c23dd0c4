package config

import (
	"net/netip"
	"testing"
)

const stackARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:switchyard/provider-keys-AbCdEf"

// TestUpstreamAPIKeyRefs: an api_key reference resolves only what the
// operator allows (DESIGN §9). Before, env:HOME and env:AWS_SESSION_TOKEN
// were stored and sent to whatever base_url said.
func TestUpstreamAPIKeyRefs(t *testing.T) {
	tests := []struct {
		name, ref string
		env       map[string]string
		wantErr   string // "" = accepted
	}{
		{name: "default allow-list", ref: "env:OPENAI_API_KEY"},
		{name: "HOME refused", ref: "env:HOME", wantErr: "env:HOME is not allowed: env: names must match SWITCHYARD_ENV_ALLOW (*_API_KEY"},
		{name: "PATH refused", ref: "env:PATH", wantErr: "is not allowed"},
		{name: "AWS session token refused", ref: "env:AWS_SESSION_TOKEN", wantErr: "AWS_* variables hold the function's own credentials"},
		{name: "AWS refused even when the operator allows every name", ref: "env:AWS_SESSION_TOKEN",
			env: map[string]string{EnvAllowVar: "*"}, wantErr: "AWS_* variables"},
		{name: "AWS secret key, any case", ref: "env:aws_secret_access_key", env: map[string]string{EnvAllowVar: "*"}, wantErr: "AWS_*"},
		{name: "operator widens env", ref: "env:HOME", env: map[string]string{EnvAllowVar: "*_API_KEY, HOME"}},
		{name: "operator glob", ref: "env:LLM_TOKEN_A", env: map[string]string{EnvAllowVar: "LLM_*"}},
		{name: "operator list replaces the default", ref: "env:OPENAI_API_KEY", env: map[string]string{EnvAllowVar: "LLM_*"},
			wantErr: "must match SWITCHYARD_ENV_ALLOW (LLM_*"},

		{name: "stack's own secret field, no stack", ref: "secret:#openai"},
		{name: "stack's own secret field", ref: "secret:#openai", env: map[string]string{ProviderSecretVar: stackARN}},
		{name: "another app's secret", ref: "secret:other-app/x", env: map[string]string{ProviderSecretVar: stackARN},
			wantErr: "secret:other-app/x is not allowed: api_key may name secret:#<field> (the stack's own provider secret), secret:switchyard/… and ssm:/switchyard/…"},
		{name: "named secret with no stack", ref: "secret:switchyard/keys#a", wantErr: "SWITCHYARD_SECRET_ALLOW"},
		{name: "under the stack's prefix", ref: "secret:switchyard/keys#a", env: map[string]string{ProviderSecretVar: stackARN}},
		{name: "stack secret by name", ref: "secret:switchyard/provider-keys#a", env: map[string]string{ProviderSecretVar: "switchyard/provider-keys"}},
		{name: "ARN under the prefix", ref: "secret:arn:aws:secretsmanager:eu-west-1:123456789012:secret:switchyard/x-AbCdEf#a",
			env: map[string]string{ProviderSecretVar: stackARN}},
		{name: "ARN of another account", ref: "secret:arn:aws:secretsmanager:us-east-1:999999999999:secret:switchyard/x#a",
			env: map[string]string{ProviderSecretVar: stackARN}, wantErr: "is not allowed"},
		{name: "prefix is a whole path segment", ref: "secret:switchyardx/keys", env: map[string]string{ProviderSecretVar: stackARN},
			wantErr: "is not allowed"},
		{name: "ssm under the prefix", ref: "ssm:/switchyard/openai", env: map[string]string{ProviderSecretVar: stackARN}},
		{name: "ssm elsewhere", ref: "ssm:/other/openai", env: map[string]string{ProviderSecretVar: stackARN}, wantErr: "is not allowed"},
		{name: "ssm with no stack", ref: "ssm:/switchyard/openai", wantErr: "is not allowed"},
		{name: "operator widens secrets", ref: "secret:other-app/x#k",
			env: map[string]string{ProviderSecretVar: stackARN, SecretAllowVar: "ssm:/team/*, secret:other-app/*"}},
		{name: "widening is per scheme", ref: "ssm:/other-app/x", env: map[string]string{SecretAllowVar: "secret:other-app/*"},
			wantErr: "is not allowed"},
		{name: "operator allows any secret", ref: "ssm:/anything", env: map[string]string{SecretAllowVar: "*"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{EnvAllowVar, SecretAllowVar, ProviderSecretVar, AllowHTTPVar} {
				t.Setenv(k, tt.env[k])
			}
			var want []wantErr
			if tt.wantErr != "" {
				want = []wantErr{{"providers.p.api_key", tt.wantErr}}
			}
			parseErrors(t, provider("{type: openai, api_key: \""+tt.ref+"\"}"), want)
		})
	}
}

// TestUpstreamBaseURL: base_url (and bedrock's endpoint_url) may not carry
// a credential, name a metadata service, or speak plain http beyond
// loopback unless the operator allows it.
func TestUpstreamBaseURL(t *testing.T) {
	tests := []struct {
		name, url string
		allowHTTP bool
		wantErr   string
	}{
		{name: "https", url: "https://api.groq.com/openai/v1"},
		{name: "http to localhost", url: "http://localhost:8000/v1"},
		{name: "http to 127.0.0.1", url: "http://127.0.0.1:9/v1"},
		{name: "http to ::1", url: "http://[::1]:9/v1"},
		{name: "userinfo", url: "http://user:pass@localhost:8000/v1", wantErr: "must not carry a user or password"},
		{name: "user only", url: "https://sk-live@api.example.com/v1", wantErr: "must not carry a user or password"},
		{name: "EC2 metadata", url: "http://169.254.169.254/latest", wantErr: "link-local or metadata address (169.254.169.254)"},
		{name: "EC2 metadata over https", url: "https://169.254.169.254/", wantErr: "link-local or metadata address"},
		{name: "ECS credentials", url: "https://169.254.170.2/v2", wantErr: "link-local"},
		{name: "EC2 metadata IPv6", url: "https://[fd00:ec2::254]/latest", wantErr: "link-local or metadata address (fd00:ec2::254)"},
		{name: "IPv4-mapped metadata", url: "https://[::ffff:169.254.169.254]/", wantErr: "link-local or metadata address (169.254.169.254)"},
		{name: "IPv6 link-local", url: "https://[fe80::1]/", wantErr: "link-local"},
		{name: "metadata by name", url: "https://metadata.google.internal/computeMetadata", wantErr: "instance metadata service"},
		{name: "decimal IP", url: "https://2852039166/", wantErr: "non-standard form"},
		{name: "hex IP", url: "https://0xa9.0xfe.0xa9.0xfe/", wantErr: "non-standard form"},
		{name: "http to a remote host", url: "http://api.example.com/v1", wantErr: "http:// is allowed only to loopback hosts"},
		{name: "http to a private address", url: "http://10.0.0.5:8000/v1", wantErr: "http:// is allowed only to loopback hosts"},
		{name: "operator allows http", url: "http://10.0.0.5:8000/v1", allowHTTP: true},
		{name: "allowing http does not allow metadata", url: "http://169.254.169.254/", allowHTTP: true, wantErr: "link-local"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(AllowHTTPVar, map[bool]string{true: "true", false: ""}[tt.allowHTTP])
			var want []wantErr
			if tt.wantErr != "" {
				want = []wantErr{{"providers.p.base_url", tt.wantErr}}
			}
			parseErrors(t, provider("{type: openai-compatible, base_url: \""+tt.url+"\"}"), want)
		})
	}
	t.Run("bedrock endpoint_url", func(t *testing.T) {
		parseErrors(t, provider("{type: bedrock, region: us-east-1, endpoint_url: \"http://169.254.169.254/\"}"),
			[]wantErr{{"providers.p.endpoint_url", "link-local or metadata address"}})
	})
}

func TestCheckDial(t *testing.T) {
	tests := []struct {
		addr      string
		plaintext bool
		allowHTTP bool
		ok        bool
	}{
		{addr: "203.0.113.7", ok: true},
		{addr: "127.0.0.1", plaintext: true, ok: true},
		{addr: "::1", plaintext: true, ok: true},
		{addr: "203.0.113.7", plaintext: true},
		{addr: "203.0.113.7", plaintext: true, allowHTTP: true, ok: true},
		{addr: "169.254.169.254"},
		{addr: "169.254.169.254", allowHTTP: true},
		{addr: "::ffff:169.254.169.254"},
		{addr: "fd00:ec2::254"},
		{addr: "fe80::1"},
	}
	for _, tt := range tests {
		err := UpstreamPolicy{AllowHTTP: tt.allowHTTP}.CheckDial(netip.MustParseAddr(tt.addr), tt.plaintext)
		if (err == nil) != tt.ok {
			t.Errorf("CheckDial(%s, plaintext=%v, allowHTTP=%v) = %v; want ok=%v", tt.addr, tt.plaintext, tt.allowHTTP, err, tt.ok)
		}
	}
}
