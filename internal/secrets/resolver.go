package secrets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/trace"
)

// DefaultTTL is how long a fetched value is served before it is fetched again.
const DefaultTTL = 5 * time.Minute

// DefaultMinRefresh is the least time between two fetches of one secret or
// parameter that Refresh forces: a key an upstream keeps refusing (revoked
// and not yet rotated) costs one Secrets Manager call per this interval
// and Lambda instance, not one per request.
const DefaultMinRefresh = 5 * time.Second

// Options configure a Resolver. Zero values take the stated defaults.
type Options struct {
	// TTL bounds how long a value is cached; default DefaultTTL.
	TTL time.Duration
	// MinRefresh is the least time between a fetch and one that Refresh
	// forces, or one after a failed refresh; default DefaultMinRefresh.
	MinRefresh time.Duration
	// DefaultSecret is the Secrets Manager id (name or ARN) that
	// secret:#<field> references read: the deployment's own provider secret
	// (the Lambda sets it from SWITCHYARD_PROVIDER_SECRET), so one config
	// serves every region's stack. Empty: such references fail.
	DefaultSecret string
	// LoadConfig loads the AWS config when the first secret: or ssm:
	// reference is resolved; default config.LoadDefaultConfig.
	LoadConfig func(ctx context.Context) (aws.Config, error)
	// Tracer, if set, opens a span per Secrets Manager or SSM call, named
	// as internal/trace/xray names AWS SDK calls ("Secrets Manager", "SSM") and
	// annotated aws_operation (GetSecretValue, GetParameter) and
	// aws_region. Nil: no spans.
	Tracer trace.Tracer
	// Endpoint, if set, is the URL both services are called at (tests, a
	// local emulator). Default: AWS_ENDPOINT_URL_SECRETS_MANAGER or
	// AWS_ENDPOINT_URL_SSM, AWS_ENDPOINT_URL, the AWS config file's
	// endpoint_url, else the service's regional endpoint.
	Endpoint string
	// MaxAttempts bounds the tries of one call (1: no retry); default
	// DefaultMaxAttempts.
	MaxAttempts int
	// Sleep waits before a retry, returning early with ctx's error when
	// ctx is done; default a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Resolver resolves api_key references. Safe for concurrent use.
type Resolver struct {
	opts Options

	mu      sync.Mutex // guards aws and entries (not fetches)
	aws     *awsClient
	entries map[string]*entry
}

var (
	_ provider.SecretResolver  = (*Resolver)(nil)
	_ provider.SecretRefresher = (*Resolver)(nil)
)

// entry is one cached value; its mutex makes concurrent first uses of a
// reference share one fetch.
type entry struct {
	mu      sync.Mutex
	value   string
	fetched time.Time // last successful fetch
	tried   time.Time // last fetch, successful or not
	failed  bool      // the last fetch failed
	ok      bool
}

// New returns a resolver. It makes no AWS call and builds no client.
func New(opts Options) *Resolver {
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.MinRefresh <= 0 {
		opts.MinRefresh = DefaultMinRefresh
	}
	if opts.LoadConfig == nil {
		opts.LoadConfig = func(ctx context.Context) (aws.Config, error) { return config.LoadDefaultConfig(ctx) }
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Resolver{opts: opts, entries: map[string]*entry{}}
}

// Resolve returns the value ref names:
//
//	env:VAR                          the environment variable VAR
//	secret:<id>                      the SecretString of a Secrets Manager secret (name or ARN)
//	secret:<id>#<field>              one field of a secret holding a JSON object
//	secret:#<field>                  one field of Options.DefaultSecret (the stack's provider secret)
//	ssm:<name>                       an SSM parameter, SecureString decrypted
//
// A value fetched less than the TTL ago is served from memory. When a
// refresh fails, the last value fetched is served, so a Secrets Manager
// outage does not take down a warm gateway; the next refresh is tried
// MinRefresh later.
func (r *Resolver) Resolve(ctx context.Context, ref string) (string, error) {
	return r.resolve(ctx, ref, "")
}

// Refresh is Resolve for a value an upstream refused: when the cache still
// holds rejected for ref, the secret or parameter is fetched again, unless
// it was fetched less than MinRefresh ago (then rejected is returned: the
// source has not changed, or not for long). A cached value that differs
// from rejected is returned as it is: someone has refreshed it already.
func (r *Resolver) Refresh(ctx context.Context, ref, rejected string) (string, error) {
	return r.resolve(ctx, ref, rejected)
}

// resolve serves Resolve (rejected == "") and Refresh.
func (r *Resolver) resolve(ctx context.Context, ref, rejected string) (string, error) {
	scheme, name, ok := strings.Cut(ref, ":")
	if !ok || name == "" {
		return "", fmt.Errorf("secrets: %q is not a reference (env:VAR, secret:ID[#field], secret:#field or ssm:NAME)", ref)
	}
	// isRejected reports whether a cached value, as ref reads it, is the
	// one an upstream refused.
	var isRejected func(string) bool
	switch scheme {
	case "env":
		if v := os.Getenv(name); v != "" {
			return v, nil
		}
		return "", fmt.Errorf("secrets: environment variable %s is not set", name)
	case "secret":
		id, field, hasField := strings.Cut(name, "#")
		if hasField && field == "" {
			return "", fmt.Errorf("secrets: %q: want secret:<id> or secret:<id>#<field>, or secret:#<field> for the deployment's provider secret", ref)
		}
		if id == "" {
			if r.opts.DefaultSecret == "" {
				return "", fmt.Errorf("secrets: %q names a field of the deployment's provider secret, but none is configured "+
					"(the gateway reads its id from SWITCHYARD_PROVIDER_SECRET); use secret:<id>#%s", ref, field)
			}
			id = r.opts.DefaultSecret
		}
		if rejected != "" {
			isRejected = func(raw string) bool {
				if !hasField {
					return raw == rejected
				}
				v, err := jsonField(raw, id, field)
				return err == nil && v == rejected
			}
		}
		v, err := r.cached(ctx, "secret:"+id, isRejected, func(ctx context.Context) (string, error) { return r.fetchSecret(ctx, id) })
		if err != nil || !hasField {
			return v, err
		}
		return jsonField(v, id, field)
	case "ssm":
		if rejected != "" {
			isRejected = func(raw string) bool { return raw == rejected }
		}
		return r.cached(ctx, ref, isRejected, func(ctx context.Context) (string, error) { return r.fetchParameter(ctx, name) })
	default:
		return "", fmt.Errorf("secrets: unknown reference scheme %q in %q (want env:, secret: or ssm:)", scheme, ref)
	}
}

// cached returns key's value, fetching it when absent, older than the TTL,
// or rejected (isRejected, when set, says so), and last fetched at least
// MinRefresh ago. A failed refresh counts as a fetch: during an outage the
// last value is served and the source asked once per MinRefresh, not on
// every request (each of which would wait out the retries first).
func (r *Resolver) cached(ctx context.Context, key string, isRejected func(string) bool, fetch func(context.Context) (string, error)) (string, error) {
	r.mu.Lock()
	e := r.entries[key]
	if e == nil {
		e = &entry{}
		r.entries[key] = e
	}
	r.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	now := r.opts.Now()
	fresh := now.Sub(e.fetched) < r.opts.TTL
	recent := now.Sub(e.tried) < r.opts.MinRefresh
	if e.ok && ((fresh && (isRejected == nil || !isRejected(e.value) || recent)) || (e.failed && recent)) {
		return e.value, nil
	}
	e.tried = now
	v, err := fetch(ctx)
	e.failed = err != nil
	if err != nil {
		if e.ok {
			return e.value, nil
		}
		return "", err
	}
	e.value, e.fetched, e.ok = v, now, true
	return v, nil
}

func (r *Resolver) fetchSecret(ctx context.Context, id string) (string, error) {
	c, err := r.client(ctx)
	if err != nil {
		return "", err
	}
	str, bin, err := c.getSecretValue(ctx, id)
	if err != nil {
		return "", fmt.Errorf("secrets: get secret %s: %w", id, err)
	}
	// An empty SecretString is no key: returned, it would be cached and
	// sent upstream, and Refresh cannot replace a rejected "".
	switch {
	case str != nil && *str != "":
		return *str, nil
	case len(bin) > 0:
		return string(bin), nil
	}
	return "", fmt.Errorf("secrets: secret %s is empty", id)
}

func (r *Resolver) fetchParameter(ctx context.Context, name string) (string, error) {
	c, err := r.client(ctx)
	if err != nil {
		return "", err
	}
	v, err := c.getParameter(ctx, name)
	if err != nil {
		return "", fmt.Errorf("secrets: get SSM parameter %s: %w", name, err)
	}
	if v == "" {
		return "", fmt.Errorf("secrets: SSM parameter %s is empty", name)
	}
	return v, nil
}

// client builds the AWS client on first use. A failed config load (or a
// config without a region) is not remembered: the next reference tries
// again.
func (r *Resolver) client(ctx context.Context) (*awsClient, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.aws != nil {
		return r.aws, nil
	}
	cfg, err := r.opts.LoadConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("secrets: load AWS config: %w", err)
	}
	c, err := newAWSClient(ctx, cfg, r.opts, os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	r.aws = c
	return c, nil
}

// errNotObject is deliberately vague: a JSON decoder's message quotes the
// input, and the input is a secret.
var errNotObject = errors.New("is not a JSON object")
