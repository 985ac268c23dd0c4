package config

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// The operator's settings for what provider configs may reach. They are
// environment variables of the process that validates a config (the
// gateway, the Lambda, `gateway config push`), not config fields: the
// config is what an admin key may change, and these bound what it can
// reach.
const (
	// EnvAllowVar lists the env: names api_key may read, as comma-separated
	// globs ('*' matches any run of characters). Default DefaultEnvAllow.
	// AWS_* names are refused whatever it says.
	EnvAllowVar = "SWITCHYARD_ENV_ALLOW"
	// SecretAllowVar widens secret: and ssm: references beyond the
	// stack's own prefix: comma-separated globs over the whole reference
	// ("secret:shared/*", "ssm:/team/*", or "*" for any).
	SecretAllowVar = "SWITCHYARD_SECRET_ALLOW"
	// ProviderSecretVar names the stack's own provider secret (set by
	// template.yaml); its name up to the last '/' is the stack's prefix.
	ProviderSecretVar = "SWITCHYARD_PROVIDER_SECRET"
	// AllowHTTPVar ("true"/"1") lets base_url use http:// to hosts other
	// than loopback.
	AllowHTTPVar = "SWITCHYARD_ALLOW_HTTP_UPSTREAMS"
)

// DefaultEnvAllow is the env: allow-list when EnvAllowVar is unset.
const DefaultEnvAllow = "*_API_KEY"

// UpstreamPolicy is what the operator lets provider configs reach: which
// api_key references may resolve and which base_url addresses may be
// dialled. Config validation applies it when a config is stored or
// loaded; the shared HTTP transport applies CheckDial again to the
// address a host name resolved to, so DNS cannot route around it.
type UpstreamPolicy struct {
	// EnvAllow are globs over env: names; empty means DefaultEnvAllow.
	EnvAllow []string
	// SecretAllow are globs over whole secret:/ssm: references allowed
	// besides the stack's own.
	SecretAllow []string
	// StackSecret is the stack's provider secret (name or ARN); empty
	// when this process belongs to no stack (local server, a laptop
	// running config push without it set).
	StackSecret string
	// AllowHTTP lets base_url use http:// to non-loopback hosts.
	AllowHTTP bool
}

// UpstreamPolicyFromEnv reads the operator's settings through getenv
// (os.Getenv).
func UpstreamPolicyFromEnv(getenv func(string) string) UpstreamPolicy {
	allowHTTP, _ := strconv.ParseBool(strings.TrimSpace(getenv(AllowHTTPVar)))
	return UpstreamPolicy{
		EnvAllow:    splitList(getenv(EnvAllowVar)),
		SecretAllow: splitList(getenv(SecretAllowVar)),
		StackSecret: strings.TrimSpace(getenv(ProviderSecretVar)),
		AllowHTTP:   allowHTTP,
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// CheckRef reports whether ref (already of a valid form, see
// checkSecretRef) may be resolved. Without this an admin key could point
// api_key at env:AWS_SESSION_TOKEN or at any secret the role can read, and
// base_url at a server of their own: the gateway would send it the value.
func (p UpstreamPolicy) CheckRef(ref string) error {
	kind, name, _ := strings.Cut(ref, ":")
	switch kind {
	case "env":
		if strings.HasPrefix(strings.ToUpper(name), "AWS_") {
			return fmt.Errorf("env:%s is refused: AWS_* variables hold the function's own credentials", name)
		}
		allow := p.EnvAllow
		if len(allow) == 0 {
			allow = []string{DefaultEnvAllow}
		}
		for _, g := range allow {
			if globMatch(g, name) {
				return nil
			}
		}
		return fmt.Errorf("env:%s is not allowed: env: names must match %s (%s; the operator can change it)",
			name, EnvAllowVar, strings.Join(allow, ","))
	case "secret", "ssm":
		if p.allowedSecret(kind, name) {
			return nil
		}
		for _, g := range p.SecretAllow {
			if globMatch(g, ref) {
				return nil
			}
		}
		return fmt.Errorf("%s is not allowed: %s", ref, p.secretHint())
	}
	return nil
}

func (p UpstreamPolicy) secretHint() string {
	own := "secret:#<field> (the stack's own provider secret)"
	if prefix, _ := stackSecretName(p.StackSecret); prefix != "" {
		own += fmt.Sprintf(", secret:%s… and ssm:/%s…", prefix, prefix)
	}
	return fmt.Sprintf("api_key may name %s; the operator may allow others with %s (globs over the reference) "+
		"or name the stack's secret in %s", own, SecretAllowVar, ProviderSecretVar)
}

// allowedSecret: secret:#<field> always (it reads the stack's own
// secret); otherwise a secret or parameter under the stack's prefix.
func (p UpstreamPolicy) allowedSecret(kind, name string) bool {
	if kind == "secret" && strings.HasPrefix(name, "#") {
		return true
	}
	prefix, stack := stackSecretName(p.StackSecret)
	if stack == "" {
		return false
	}
	if kind == "ssm" {
		n := name
		if strings.HasPrefix(n, "arn:") {
			i := strings.Index(n, ":parameter/")
			if i < 0 || !sameAccount(n, p.StackSecret) {
				return false
			}
			n = n[i+len(":parameter"):]
		}
		return prefix != "" && strings.HasPrefix(strings.TrimPrefix(n, "/"), prefix)
	}
	id, _, _ := strings.Cut(name, "#")
	if strings.HasPrefix(id, "arn:") {
		i := strings.Index(id, ":secret:")
		if i < 0 || !sameAccount(id, p.StackSecret) {
			return false
		}
		id = id[i+len(":secret:"):]
	}
	if prefix != "" {
		return strings.HasPrefix(id, prefix)
	}
	return id == stack || (strings.HasPrefix(id, stack+"-") && len(id) == len(stack)+7)
}

// arnSuffix is the "-AbCdEf" Secrets Manager appends to a secret's ARN.
var arnSuffix = regexp.MustCompile(`-[A-Za-z0-9]{6}$`)

// stackSecretName returns the stack secret's name and its prefix (the
// name up to and including the last '/': "switchyard/" for
// "switchyard/provider-keys"; "" when the name has no '/').
func stackSecretName(secret string) (prefix, name string) {
	name = secret
	if i := strings.Index(name, ":secret:"); strings.HasPrefix(name, "arn:") && i >= 0 {
		name = arnSuffix.ReplaceAllString(name[i+len(":secret:"):], "")
	}
	if i := strings.LastIndex(name, "/"); i > 0 {
		prefix = name[:i+1]
	}
	return prefix, name
}

// sameAccount: when the stack's secret is an ARN, an ARN reference must
// be of the same partition and account (region may differ: one config
// serves every region).
func sameAccount(arn, stack string) bool {
	if !strings.HasPrefix(stack, "arn:") {
		return true
	}
	a, b := strings.Split(arn, ":"), strings.Split(stack, ":")
	return len(a) > 4 && len(b) > 4 && a[1] == b[1] && a[4] == b[4]
}

// globMatch matches s against a pattern where '*' is any run of
// characters ('/' included) and everything else is literal.
func globMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, last)
}

// metadataHosts are instance metadata services reachable by name; their
// addresses are refused at dial time anyway, but a name is refused at
// once so the mistake shows in `validate`.
var metadataHosts = []string{"metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"}

// awsIPv6Metadata is the EC2 instance metadata service's IPv6 address.
var awsIPv6Metadata = netip.MustParseAddr("fd00:ec2::254")

// CheckURL checks a base_url (or bedrock endpoint_url) already known to be
// an http(s) URL with a host: no userinfo (a literal credential in the
// config table), no link-local or metadata address, and http:// only to
// loopback unless AllowHTTP.
func (p UpstreamPolicy) CheckURL(u *url.URL) error {
	if u.User != nil {
		return fmt.Errorf("must not carry a user or password (they would be stored and shown in clear; give the key as api_key)")
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	for _, m := range metadataHosts {
		if host == m {
			return fmt.Errorf("must not name an instance metadata service (%s)", host)
		}
	}
	ip, err := netip.ParseAddr(host)
	if err != nil && numericHost(host) {
		return fmt.Errorf("host %q looks like an IP address in a non-standard form; write it as a dotted-decimal or IPv6 address", host)
	}
	if err == nil {
		if err := CheckAddr(ip); err != nil {
			return err
		}
	}
	if u.Scheme == "http" && !p.AllowHTTP && host != "localhost" && !(err == nil && ip.Unmap().IsLoopback()) {
		return fmt.Errorf("http:// is allowed only to loopback hosts (localhost, 127.0.0.1, [::1]); use https:// "+
			"(the operator may allow plain http with %s=true)", AllowHTTPVar)
	}
	return nil
}

// CheckDial is CheckURL's address rule applied to the address a
// connection is about to be made to; plaintext says the request is
// http://.
func (p UpstreamPolicy) CheckDial(ip netip.Addr, plaintext bool) error {
	if err := CheckAddr(ip); err != nil {
		return err
	}
	if plaintext && !p.AllowHTTP && !ip.Unmap().IsLoopback() {
		return fmt.Errorf("plain http to the non-loopback address %s is not allowed (%s)", ip, AllowHTTPVar)
	}
	return nil
}

// CheckAddr refuses link-local addresses (169.254.0.0/16, fe80::/10,
// where cloud metadata services and their credentials live) and the EC2
// metadata service's IPv6 address fd00:ec2::254.
func CheckAddr(ip netip.Addr) error {
	ip = ip.Unmap().WithZone("")
	if ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip == awsIPv6Metadata {
		return fmt.Errorf("must not be a link-local or metadata address (%s)", ip)
	}
	return nil
}

// numericHost reports whether host is made of numbers only (decimal or
// 0x-hex labels): "2852039166" or "0xa9.0xfe.0xa9.0xfe", spellings some
// resolvers take for 169.254.169.254.
func numericHost(host string) bool {
	if host == "" {
		return false
	}
	for _, label := range strings.Split(host, ".") {
		l := strings.TrimPrefix(label, "0x")
		if l == "" {
			return false
		}
		hex := l != label
		for _, c := range l {
			if !('0' <= c && c <= '9') && !(hex && ('a' <= c && c <= 'f')) {
				return false
			}
		}
	}
	return true
}
