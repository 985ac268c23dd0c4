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
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go/middleware"

	"github.com/switchyard-llm/switchyard/internal/provider"
)

// DefaultTTL is how long a fetched value is served before it is fetched again.
const DefaultTTL = 5 * time.Minute

// Options configure a Resolver. Zero values take the stated defaults.
type Options struct {
	// TTL bounds how long a value is cached; default DefaultTTL.
	TTL time.Duration
	// LoadConfig loads the AWS config when the first secret: or ssm:
	// reference is resolved; default config.LoadDefaultConfig.
	LoadConfig func(ctx context.Context) (aws.Config, error)
	// APIOptions are added to both clients (X-Ray instrumentation).
	APIOptions []func(*middleware.Stack) error
	// SecretsManager and SSM adjust the clients (endpoints in tests).
	SecretsManager []func(*secretsmanager.Options)
	SSM            []func(*ssm.Options)
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// secretsManagerAPI and ssmAPI are the calls the resolver makes.
type secretsManagerAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

type ssmAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, opts ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// Resolver resolves api_key references. Safe for concurrent use.
type Resolver struct {
	opts Options

	mu      sync.Mutex // guards clients and entries (not fetches)
	sm      secretsManagerAPI
	ssm     ssmAPI
	entries map[string]*entry
}

var _ provider.SecretResolver = (*Resolver)(nil)

// entry is one cached value; its mutex makes concurrent first uses of a
// reference share one fetch.
type entry struct {
	mu      sync.Mutex
	value   string
	fetched time.Time
	ok      bool
}

// New returns a resolver. It makes no AWS call and builds no client.
func New(opts Options) *Resolver {
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
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
//	ssm:<name>                       an SSM parameter, SecureString decrypted
//
// A value fetched less than the TTL ago is served from memory. When a
// refresh fails, the last value fetched is served, so a Secrets Manager
// outage does not take down a warm gateway.
func (r *Resolver) Resolve(ctx context.Context, ref string) (string, error) {
	scheme, name, ok := strings.Cut(ref, ":")
	if !ok || name == "" {
		return "", fmt.Errorf("secrets: %q is not a reference (env:VAR, secret:ID[#field] or ssm:NAME)", ref)
	}
	switch scheme {
	case "env":
		if v := os.Getenv(name); v != "" {
			return v, nil
		}
		return "", fmt.Errorf("secrets: environment variable %s is not set", name)
	case "secret":
		id, field, hasField := strings.Cut(name, "#")
		if id == "" || (hasField && field == "") {
			return "", fmt.Errorf("secrets: %q: want secret:<id> or secret:<id>#<field>", ref)
		}
		v, err := r.cached(ctx, "secret:"+id, func(ctx context.Context) (string, error) { return r.fetchSecret(ctx, id) })
		if err != nil || !hasField {
			return v, err
		}
		return jsonField(v, id, field)
	case "ssm":
		return r.cached(ctx, ref, func(ctx context.Context) (string, error) { return r.fetchParameter(ctx, name) })
	default:
		return "", fmt.Errorf("secrets: unknown reference scheme %q in %q (want env:, secret: or ssm:)", scheme, ref)
	}
}

// cached returns key's value, fetching it when absent or older than the TTL.
func (r *Resolver) cached(ctx context.Context, key string, fetch func(context.Context) (string, error)) (string, error) {
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
	if e.ok && now.Sub(e.fetched) < r.opts.TTL {
		return e.value, nil
	}
	v, err := fetch(ctx)
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
	sm, _, err := r.clients(ctx)
	if err != nil {
		return "", err
	}
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		return "", fmt.Errorf("secrets: get secret %s: %w", id, err)
	}
	switch {
	case out.SecretString != nil:
		return *out.SecretString, nil
	case len(out.SecretBinary) > 0:
		return string(out.SecretBinary), nil
	}
	return "", fmt.Errorf("secrets: secret %s is empty", id)
}

func (r *Resolver) fetchParameter(ctx context.Context, name string) (string, error) {
	_, ps, err := r.clients(ctx)
	if err != nil {
		return "", err
	}
	out, err := ps.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if err != nil {
		return "", fmt.Errorf("secrets: get SSM parameter %s: %w", name, err)
	}
	if out.Parameter == nil || aws.ToString(out.Parameter.Value) == "" {
		return "", fmt.Errorf("secrets: SSM parameter %s is empty", name)
	}
	return *out.Parameter.Value, nil
}

// clients builds both AWS clients on first use. A failed config load is
// not remembered: the next reference tries again.
func (r *Resolver) clients(ctx context.Context) (secretsManagerAPI, ssmAPI, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sm != nil {
		return r.sm, r.ssm, nil
	}
	cfg, err := r.opts.LoadConfig(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("secrets: load AWS config: %w", err)
	}
	cfg.APIOptions = append(cfg.APIOptions, r.opts.APIOptions...)
	r.sm = secretsmanager.NewFromConfig(cfg, r.opts.SecretsManager...)
	r.ssm = ssm.NewFromConfig(cfg, r.opts.SSM...)
	return r.sm, r.ssm, nil
}

// errNotObject is deliberately vague: a JSON decoder's message quotes the
// input, and the input is a secret.
var errNotObject = errors.New("is not a JSON object")
