package provider

import (
	"context"
	"errors"
	"sync"
	"time"
)

// DefaultCredentialTTL is how long a Credential serves a resolved value
// before it asks its SecretResolver again. Asking is cheap: the Lambda
// resolver (package secrets) answers from its own cache, which decides
// when Secrets Manager or SSM is actually called, so a rotated secret
// reaches a warm instance within that cache's TTL plus this one.
const DefaultCredentialTTL = 30 * time.Second

// SecretRefresher is a SecretResolver with a cache of its own. Refresh
// resolves ref like Resolve, but when its cache still holds rejected (the
// value an upstream just refused) it fetches the reference again instead
// of answering from the cache, so a key that was rotated and revoked is
// replaced at once. A resolver may limit how often it does so; it returns
// rejected again when the source still holds it. Resolvers without a cache
// need not implement it: Resolve is asked instead.
type SecretRefresher interface {
	Refresh(ctx context.Context, ref, rejected string) (string, error)
}

// Credential resolves an api_key reference on first use and caches it for
// a TTL, so a cold start does not wait on Secrets Manager, a warm request
// does not call it, and a rotated secret is still picked up.
//
// When an upstream refuses the key (401/403), the provider calls
// Invalidate with the value it sent; the next Get resolves again at once
// (through SecretRefresher when the resolver has one) instead of after
// the TTL. Safe for concurrent use.
type Credential struct {
	ref string
	res SecretResolver
	ttl time.Duration
	now func() time.Time

	// sem (capacity 1) is held by the one caller resolving; others serve
	// the last value meanwhile, or wait when there is none worth serving.
	sem chan struct{}

	mu      sync.Mutex // guards the fields below; never held over a resolve
	value   string
	fetched time.Time
	// rejected: an upstream refused value; it is not served from the
	// cache again until a resolve has confirmed or replaced it.
	rejected bool
	// rejections counts Invalidate calls that marked value rejected, so a
	// resolve that started before one does not clear it.
	rejections uint64
}

// NewCredential returns a lazily resolved credential that is resolved
// again after ttl (DefaultCredentialTTL when ttl <= 0). An empty ref yields "".
func NewCredential(ref string, res SecretResolver, ttl time.Duration) *Credential {
	if ttl <= 0 {
		ttl = DefaultCredentialTTL
	}
	return &Credential{ref: ref, res: res, ttl: ttl, now: time.Now, sem: make(chan struct{}, 1)}
}

// Get returns the secret. A resolution failure with no earlier value is an
// *Error of ClassAuth whose message names the reference but never a value;
// when a value was resolved before, a failed refresh serves it instead, so
// a Secrets Manager outage does not take a warm provider down.
func (c *Credential) Get(ctx context.Context) (string, error) {
	if c == nil || c.ref == "" {
		return "", nil
	}
	if v, ok := c.cached(false); ok {
		return v, nil
	}
	select {
	case c.sem <- struct{}{}:
	default:
		// Another caller is resolving. A value that is only old is served
		// meanwhile; a missing or rejected one is worth waiting for.
		if v, ok := c.cached(true); ok {
			return v, nil
		}
		select {
		case c.sem <- struct{}{}:
		case <-ctx.Done():
			return "", NetworkError(ctx, ctx.Err())
		}
	}
	defer func() { <-c.sem }()
	if v, ok := c.cached(false); ok {
		return v, nil // resolved by the caller we waited for
	}
	return c.resolve(ctx)
}

// Invalidate reports that an upstream refused value. If it is still the
// cached value, the next Get resolves again without waiting for the TTL;
// if the credential has moved on (a concurrent request already caused a
// refresh), it does nothing, so a burst of 401s for one old key costs one
// resolve, not one each.
func (c *Credential) Invalidate(value string) {
	if c == nil || value == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.value == value {
		c.rejected = true
		c.rejections++
	}
}

// InvalidateOnAuth calls Invalidate(value) when err is an upstream's
// refusal of the credential (ClassAuth with an HTTP status: 401, 403, or
// Gemini's 400 API_KEY_INVALID), and returns err unchanged, so a
// provider's error path can read `return nil, c.key.InvalidateOnAuth(key, err)`.
// A ClassAuth error without a status is the credential's own resolution
// failure and invalidates nothing.
func (c *Credential) InvalidateOnAuth(value string, err error) error {
	var pe *Error
	if errors.As(err, &pe) && pe.Class == ClassAuth && pe.Status != 0 {
		c.Invalidate(value)
	}
	return err
}

// cached returns the cached value when it may be served: not rejected, and
// younger than the TTL unless stale is true.
func (c *Credential) cached(stale bool) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.value == "" || c.rejected {
		return "", false
	}
	if !stale && c.now().Sub(c.fetched) >= c.ttl {
		return "", false
	}
	return c.value, true
}

// resolve asks the resolver; the caller holds sem.
func (c *Credential) resolve(ctx context.Context) (string, error) {
	c.mu.Lock()
	last, rejected, seen := c.value, c.rejected, c.rejections
	c.mu.Unlock()
	if c.res == nil {
		return "", &Error{Class: ClassAuth, Message: "no secret resolver for api_key " + c.ref}
	}
	var v string
	var err error
	if r, ok := c.res.(SecretRefresher); ok && rejected {
		v, err = r.Refresh(ctx, c.ref, last)
	} else {
		v, err = c.res.Resolve(ctx, c.ref)
	}
	if err != nil {
		if last != "" {
			// Keep serving the last value (even a rejected one: it is all
			// there is); fetched stays old, so the next Get tries again.
			return last, nil
		}
		return "", &Error{Class: ClassAuth, Message: "cannot resolve api_key " + c.ref, Err: err}
	}
	RegisterSecret(v)
	c.mu.Lock()
	defer c.mu.Unlock()
	// An Invalidate of this very value that arrived while a plain resolve
	// was in flight must survive it: that resolve may have answered from a
	// cache filled before the rejection.
	keep := v == c.value && c.rejected && c.rejections != seen
	c.value, c.fetched, c.rejected = v, c.now(), keep
	return v, nil
}
