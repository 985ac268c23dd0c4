package provider

import (
	"context"
	"sync"
	"time"
)

// Credential resolves an api_key reference on first use and caches it, so a
// cold start does not wait on Secrets Manager and a rotated secret is picked
// up after ttl. The zero TTL caches forever.
type Credential struct {
	ref string
	res SecretResolver
	ttl time.Duration

	mu      sync.Mutex
	value   string
	fetched time.Time
}

// NewCredential returns a lazily resolved credential. An empty ref yields "".
func NewCredential(ref string, res SecretResolver, ttl time.Duration) *Credential {
	return &Credential{ref: ref, res: res, ttl: ttl}
}

// Get returns the secret. A resolution failure is an *Error of ClassAuth
// whose message names the reference but never a value.
func (c *Credential) Get(ctx context.Context) (string, error) {
	if c == nil || c.ref == "" {
		return "", nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.value != "" && (c.ttl == 0 || time.Since(c.fetched) < c.ttl) {
		return c.value, nil
	}
	if c.res == nil {
		return "", &Error{Class: ClassAuth, Message: "no secret resolver for api_key " + c.ref}
	}
	v, err := c.res.Resolve(ctx, c.ref)
	if err != nil {
		if c.value != "" {
			return c.value, nil // keep serving the last good secret
		}
		return "", &Error{Class: ClassAuth, Message: "cannot resolve api_key " + c.ref, Err: err}
	}
	RegisterSecret(v)
	c.value, c.fetched = v, time.Now()
	return v, nil
}
