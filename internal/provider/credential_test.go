package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// rotatingSecret is a resolver whose value the test rotates. It records
// every call, and may hold a call until the test releases it.
type rotatingSecret struct {
	mu        sync.Mutex
	value     string
	err       error
	resolves  int
	refreshes []string // the rejected value of each Refresh
	entered   chan struct{}
	release   chan struct{}
	noRefresh bool // behave as a resolver without SecretRefresher
}

func (s *rotatingSecret) set(v string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.value, s.err = v, err
}

func (s *rotatingSecret) calls() (int, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resolves, append([]string(nil), s.refreshes...)
}

func (s *rotatingSecret) answer() (string, error) {
	s.mu.Lock()
	entered, release := s.entered, s.release
	s.mu.Unlock()
	if entered != nil {
		entered <- struct{}{}
		<-release
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.value, s.err
}

func (s *rotatingSecret) Resolve(context.Context, string) (string, error) {
	s.mu.Lock()
	s.resolves++
	s.mu.Unlock()
	return s.answer()
}

// refresher adds Refresh to a rotatingSecret.
type refresher struct{ *rotatingSecret }

func (s refresher) Refresh(_ context.Context, _, rejected string) (string, error) {
	s.mu.Lock()
	s.refreshes = append(s.refreshes, rejected)
	s.mu.Unlock()
	return s.answer()
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const (
	keyV1 = "sk-credential-test-v1-000"
	keyV2 = "sk-credential-test-v2-000"
	keyV3 = "sk-credential-test-v3-000"
)

func newTestCredential(res SecretResolver, ttl time.Duration) (*Credential, *testClock) {
	clk := &testClock{t: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)}
	c := NewCredential("secret:keys#openai", res, ttl)
	c.now = clk.now
	return c, clk
}

func mustGet(t *testing.T, c *Credential, want string) {
	t.Helper()
	got, err := c.Get(context.Background())
	if err != nil || got != want {
		t.Fatalf("Get = %q, %v; want %q", got, err, want)
	}
}

// TestCredentialTTL: a rotated secret is served once the TTL has passed,
// not before; a failed refresh serves the last good value and is retried
// on the next Get.
func TestCredentialTTL(t *testing.T) {
	res := &rotatingSecret{value: keyV1}
	c, clk := newTestCredential(res, time.Minute)
	mustGet(t, c, keyV1)
	res.set(keyV2, nil)
	clk.advance(time.Minute - time.Nanosecond)
	mustGet(t, c, keyV1)
	if n, _ := res.calls(); n != 1 {
		t.Fatalf("%d resolves within the TTL; want 1", n)
	}
	clk.advance(time.Nanosecond)
	mustGet(t, c, keyV2)

	clk.advance(time.Minute)
	res.set("", errors.New("secrets manager unreachable"))
	mustGet(t, c, keyV2)
	mustGet(t, c, keyV2)
	res.set(keyV3, nil)
	mustGet(t, c, keyV3)
	if n, _ := res.calls(); n != 5 {
		t.Fatalf("%d resolves; want 5 (each Get after a failed refresh tries again)", n)
	}
}

func TestCredentialDefaultTTL(t *testing.T) {
	res := &rotatingSecret{value: keyV1}
	c, clk := newTestCredential(res, 0) // 0 no longer means "forever"
	mustGet(t, c, keyV1)
	res.set(keyV2, nil)
	clk.advance(DefaultCredentialTTL - time.Nanosecond)
	mustGet(t, c, keyV1)
	clk.advance(time.Nanosecond)
	mustGet(t, c, keyV2)
}

// TestCredentialFirstUseFailure: with nothing cached the error is ClassAuth
// and names the reference.
func TestCredentialFirstUseFailure(t *testing.T) {
	c, _ := newTestCredential(&rotatingSecret{err: errors.New("boom")}, 0)
	_, err := c.Get(context.Background())
	var pe *Error
	if !errors.As(err, &pe) || pe.Class != ClassAuth || !strings.Contains(pe.Message, "secret:keys#openai") {
		t.Fatalf("err = %v", err)
	}
	if v, err := (*Credential)(nil).Get(context.Background()); v != "" || err != nil {
		t.Fatalf("nil credential: %q, %v", v, err)
	}
}

// TestCredentialInvalidate: after an upstream refuses the key, the next Get
// resolves again at once (through Refresh, naming the refused value); a
// late Invalidate for a value already replaced changes nothing.
func TestCredentialInvalidate(t *testing.T) {
	for _, withRefresh := range []bool{true, false} {
		t.Run(fmt.Sprintf("refresher=%v", withRefresh), func(t *testing.T) {
			rs := &rotatingSecret{value: keyV1}
			var res SecretResolver = rs
			if withRefresh {
				res = refresher{rs}
			}
			c, _ := newTestCredential(res, time.Hour)
			mustGet(t, c, keyV1)
			rs.set(keyV2, nil)
			c.Invalidate(keyV1)
			mustGet(t, c, keyV2)
			c.Invalidate(keyV1) // a slow request's 401 for the old key
			mustGet(t, c, keyV2)
			resolves, refreshes := rs.calls()
			if withRefresh {
				if resolves != 1 || len(refreshes) != 1 || refreshes[0] != keyV1 {
					t.Fatalf("resolves %d, refreshes %q; want 1 and [v1]", resolves, refreshes)
				}
			} else if resolves != 2 {
				t.Fatalf("resolves %d; want 2", resolves)
			}
		})
	}
}

// TestCredentialInvalidateOnAuth: only an upstream's auth refusal
// invalidates; the error is returned unchanged.
func TestCredentialInvalidateOnAuth(t *testing.T) {
	tests := []struct {
		err        error
		invalidate bool
	}{
		{&Error{Class: ClassAuth, Status: 401}, true},
		{fmt.Errorf("wrapped: %w", &Error{Class: ClassAuth, Status: 403}), true},
		{&Error{Class: ClassAuth, Status: 400, Code: "API_KEY_INVALID"}, true},
		{&Error{Class: ClassAuth, Message: "cannot resolve api_key"}, false}, // our own resolution failure
		{&Error{Class: ClassRateLimit, Status: 429}, false},
		{errors.New("other"), false},
		{nil, false},
	}
	for i, tt := range tests {
		rs := &rotatingSecret{value: keyV1}
		c, _ := newTestCredential(refresher{rs}, time.Hour)
		mustGet(t, c, keyV1)
		if got := c.InvalidateOnAuth(keyV1, tt.err); got != tt.err {
			t.Errorf("%d: returned %v, want %v", i, got, tt.err)
		}
		mustGet(t, c, keyV1)
		if _, refreshes := rs.calls(); (len(refreshes) == 1) != tt.invalidate {
			t.Errorf("%d: %v: refreshes %q, want invalidated=%v", i, tt.err, refreshes, tt.invalidate)
		}
	}
}

// TestCredentialInvalidateDuringResolve: an Invalidate that arrives while
// a TTL refresh is in flight is not lost when that refresh returns the
// same (cached, refused) value.
func TestCredentialInvalidateDuringResolve(t *testing.T) {
	rs := &rotatingSecret{value: keyV1}
	c, clk := newTestCredential(refresher{rs}, time.Minute)
	mustGet(t, c, keyV1)
	clk.advance(time.Minute)
	rs.mu.Lock()
	rs.entered, rs.release = make(chan struct{}), make(chan struct{})
	rs.mu.Unlock()
	done := make(chan error)
	go func() {
		v, err := c.Get(context.Background())
		if err == nil && v != keyV1 {
			err = fmt.Errorf("in-flight Get = %q", v)
		}
		done <- err
	}()
	select {
	case <-rs.entered:
	case err := <-done:
		t.Fatalf("Get returned (%v) without resolving after the TTL", err)
	}
	c.Invalidate(keyV1)
	rs.mu.Lock()
	rs.entered = nil
	rs.mu.Unlock()
	close(rs.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	rs.set(keyV2, nil)
	mustGet(t, c, keyV2)
	if _, refreshes := rs.calls(); len(refreshes) != 1 || refreshes[0] != keyV1 {
		t.Fatalf("refreshes %q; want one for v1", refreshes)
	}
}

// TestCredentialWhileResolving: while one caller resolves, others are
// served a value that is only old, but wait (here: give up with their
// context) rather than send a refused one.
func TestCredentialWhileResolving(t *testing.T) {
	rs := &rotatingSecret{value: keyV1}
	c, clk := newTestCredential(refresher{rs}, time.Minute)
	mustGet(t, c, keyV1)
	clk.advance(time.Minute)
	rs.mu.Lock()
	rs.entered, rs.release = make(chan struct{}), make(chan struct{})
	rs.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = c.Get(context.Background())
	}()
	select {
	case <-rs.entered:
	case <-done:
		t.Fatal("Get returned without resolving after the TTL")
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if v, err := c.Get(canceled); err != nil || v != keyV1 {
		t.Errorf("old value while refreshing: %q, %v; want v1 at once", v, err)
	}
	c.Invalidate(keyV1)
	_, err := c.Get(canceled)
	if ClassOf(err) != ClassCanceled {
		t.Errorf("refused value while refreshing: err = %v; want to wait (canceled)", err)
	}
	rs.mu.Lock()
	rs.entered = nil
	rs.mu.Unlock()
	close(rs.release)
	<-done
}

// TestCredentialConcurrent runs Get and Invalidate from many goroutines
// while the secret rotates (go test -race). Every Get returns a value the
// resolver handed out, and the last rotation is seen once invalidated.
func TestCredentialConcurrent(t *testing.T) {
	rs := &rotatingSecret{value: "sk-concurrent-000"}
	c, clk := newTestCredential(refresher{rs}, time.Minute)
	issued := sync.Map{}
	issued.Store("sk-concurrent-000", true)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				v, err := c.Get(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if _, ok := issued.Load(v); !ok {
					t.Errorf("Get = %q, never issued", v)
					return
				}
				switch i % 3 {
				case 0:
					c.Invalidate(v)
				case 1:
					clk.advance(time.Second)
				}
				if g == 0 && i%10 == 0 {
					next := fmt.Sprintf("sk-concurrent-%03d", i/10+1)
					issued.Store(next, true)
					rs.set(next, nil)
				}
			}
		}()
	}
	wg.Wait()
	rs.set("sk-concurrent-final", nil)
	v, _ := c.Get(context.Background())
	c.Invalidate(v)
	mustGet(t, c, "sk-concurrent-final")
}
