package provider_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/fakes/anthropicfake"
	"github.com/switchyard-llm/switchyard/internal/fakes/geminifake"
	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
	"github.com/switchyard-llm/switchyard/internal/provider"
	_ "github.com/switchyard-llm/switchyard/internal/provider/anthropic"
	_ "github.com/switchyard-llm/switchyard/internal/provider/gemini"
	_ "github.com/switchyard-llm/switchyard/internal/provider/openai"
)

// The keys the secret store holds before and after a rotation.
const (
	oldKey = "sk-rotation-old-0123456789"
	newKey = "sk-rotation-new-0123456789"
)

// storedSecret is the secret store: one value the test rotates.
type storedSecret struct {
	mu    sync.Mutex
	value string
}

func (s *storedSecret) Resolve(context.Context, string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.value, nil
}

func (s *storedSecret) set(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.value = v
}

// keyTap sits between a client and a fake: it records the key each
// request carries and, as a real upstream accepts any live key, swaps a
// live one for the single key the fake knows. A key not in live is passed
// on as it is.
type keyTap struct {
	header, prefix string
	base           http.RoundTripper

	mu   sync.Mutex
	live map[string]string
	sent []string
}

func (k *keyTap) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	key := strings.TrimPrefix(r.Header.Get(k.header), k.prefix)
	k.mu.Lock()
	k.sent = append(k.sent, key)
	to, ok := k.live[key]
	k.mu.Unlock()
	if ok {
		r.Header.Set(k.header, k.prefix+to)
	}
	return k.base.RoundTrip(r)
}

func (k *keyTap) revoke(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.live, key)
}

func (k *keyTap) keys() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.sent...)
}

// TestRotatedKeyRecovers: a key is rotated in the secret store and the old
// one revoked. The next request fails with the upstream's auth error, and
// the one after it already carries the new key, without waiting for the
// credential's TTL. An error that is not about the key changes nothing.
func TestRotatedKeyRecovers(t *testing.T) {
	type upstream struct {
		cfg    config.Provider
		model  string
		tap    *keyTap
		refuse func() // make the upstream refuse the old key from now on
	}
	openAI := func(t *testing.T) upstream {
		f := openaifake.New(t)
		f.APIKey = "sk-openai-fake-accepted"
		tap := &keyTap{header: "Authorization", prefix: "Bearer ", base: f.Client().Transport,
			live: map[string]string{oldKey: f.APIKey, newKey: f.APIKey}}
		// Revoked, the old key reaches the fake as it is, and the fake's
		// own key check answers 401 invalid_api_key.
		return upstream{config.Provider{Type: "openai", BaseURL: f.BaseURL()}, "gpt-4o-mini", tap, func() { tap.revoke(oldKey) }}
	}
	anthropic := func(file string, status int) func(t *testing.T) upstream {
		return func(t *testing.T) upstream {
			f := anthropicfake.New(t)
			tap := &keyTap{header: "x-api-key", base: f.Client().Transport,
				live: map[string]string{oldKey: anthropicfake.APIKey, newKey: anthropicfake.APIKey}}
			return upstream{config.Provider{Type: "anthropic", BaseURL: f.BaseURL()}, "claude-sonnet-4-5", tap, func() {
				f.Script("claude-sonnet-4-5", anthropicfake.Reply{Status: status, File: file})
			}}
		}
	}
	gemini := func(file string, status int) func(t *testing.T) upstream {
		return func(t *testing.T) upstream {
			f := geminifake.New(t)
			tap := &keyTap{header: "x-goog-api-key", base: f.Client().Transport,
				live: map[string]string{oldKey: geminifake.APIKey, newKey: geminifake.APIKey}}
			return upstream{config.Provider{Type: "gemini", BaseURL: f.BaseURL()}, "gemini-2.5-flash", tap, func() {
				f.Script("gemini-2.5-flash", geminifake.Reply{Status: status, File: file})
			}}
		}
	}
	tests := []struct {
		name      string
		start     func(t *testing.T) upstream
		wantClass provider.Class
		wantKeys  []string // sent by the three calls
	}{
		{"openai 401", openAI, provider.ClassAuth, []string{oldKey, oldKey, newKey}},
		{"anthropic 401", anthropic("errors/authentication.json", 401), provider.ClassAuth, []string{oldKey, oldKey, newKey}},
		{"anthropic 403", anthropic("errors/permission.json", 403), provider.ClassAuth, []string{oldKey, oldKey, newKey}},
		{"gemini 400 API_KEY_INVALID", gemini("errors/api_key_invalid.json", 400), provider.ClassAuth, []string{oldKey, oldKey, newKey}},
		{"gemini 403", gemini("errors/permission_denied.json", 403), provider.ClassAuth, []string{oldKey, oldKey, newKey}},
		{"gemini 401", gemini("errors/unauthenticated.json", 401), provider.ClassAuth, []string{oldKey, oldKey, newKey}},
		// Not about the key: the cached key is kept until its TTL.
		{"anthropic 429", anthropic("errors/rate_limit.json", 429), provider.ClassRateLimit, []string{oldKey, oldKey, oldKey}},
	}
	for _, tt := range tests {
		for _, stream := range []bool{false, true} {
			name := tt.name + map[bool]string{false: " complete", true: " stream"}[stream]
			t.Run(name, func(t *testing.T) {
				up := tt.start(t)
				store := &storedSecret{value: oldKey}
				up.cfg.APIKey = "secret:#" + up.cfg.Type
				p, err := provider.New(up.cfg, provider.Env{Name: up.cfg.Type, Secrets: store,
					HTTPClient: &http.Client{Transport: up.tap}})
				if err != nil {
					t.Fatal(err)
				}
				call := func() error {
					c := &provider.Call{Model: up.model, Request: &chat.Request{Model: up.cfg.Type + "/" + up.model, Stream: stream,
						Messages: []chat.Message{{Role: "user", Content: chat.TextContent("Hello")}}}}
					if !stream {
						_, err := p.Complete(context.Background(), c)
						return err
					}
					s, err := p.Stream(context.Background(), c)
					if err != nil {
						return err
					}
					defer s.Close()
					for s.Next() {
					}
					return s.Err()
				}

				if err := call(); err != nil {
					t.Fatalf("first call: %v", err)
				}
				store.set(newKey) // rotated...
				up.refuse()       // ...and the old key revoked
				if err := call(); provider.ClassOf(err) != tt.wantClass {
					t.Fatalf("call with the revoked key: %v; want class %s", err, tt.wantClass)
				}
				if err := call(); err != nil {
					t.Fatalf("call after the refusal: %v", err)
				}
				if got := up.tap.keys(); strings.Join(got, ",") != strings.Join(tt.wantKeys, ",") {
					t.Fatalf("keys sent %q, want %q", got, tt.wantKeys)
				}
			})
		}
	}
}
