package secrets

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestDefaultSecret: secret:#field reads the deployment's provider secret,
// sharing its cache with references that spell the id out; without a
// default secret it fails before any AWS call.
func TestDefaultSecret(t *testing.T) {
	const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:switchyard/provider-keys-AbCdEf"
	f := newFakeAWS(t)
	f.set(func(f *fakeAWS) {
		f.secrets[arn] = `{"openai":"` + marker + `-openai","anthropic":"` + marker + `-anthropic"}`
	})
	ctx := context.Background()

	r, _ := newResolver(f, &clock{})
	r.opts.DefaultSecret = arn
	for _, tt := range []struct{ ref, want, wantErr string }{
		{ref: "secret:#openai", want: marker + "-openai"},
		{ref: "secret:" + arn + "#anthropic", want: marker + "-anthropic"},
		{ref: "secret:#gemini", wantErr: `secret ` + arn + ` has no field "gemini"`},
		{ref: "secret:#", wantErr: "want secret:<id> or secret:<id>#<field>, or secret:#<field>"},
	} {
		got, err := r.Resolve(ctx, tt.ref)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), marker) {
				t.Errorf("Resolve(%q) = %q, %v; want error containing %q", tt.ref, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tt.ref, got, err, tt.want)
		}
	}
	if n := f.count(getSecret); n != 1 {
		t.Errorf("GetSecretValue called %d times; want 1 (secret:#f and secret:<arn>#f share a cache entry)", n)
	}

	none, loads := newResolver(f, &clock{})
	_, err := none.Resolve(ctx, "secret:#openai")
	if err == nil || !strings.Contains(err.Error(), "none is configured") || !strings.Contains(err.Error(), "SWITCHYARD_PROVIDER_SECRET") {
		t.Errorf("without a default secret: err = %v", err)
	}
	if loads.Load() != 0 || f.count(getSecret) != 1 {
		t.Errorf("without a default secret: %d config loads, %d GetSecretValue; want no AWS call", loads.Load(), f.count(getSecret))
	}
}

// TestRefresh: a value an upstream refused is fetched again before the
// TTL, at most once per MinRefresh; a cache that already moved on is not
// fetched again; an outage during a refresh serves the last value.
func TestRefresh(t *testing.T) {
	f := newFakeAWS(t)
	f.set(func(f *fakeAWS) {
		f.secrets["keys"] = `{"a":"old-a","b":"old-b"}`
		f.params["/p"] = "old-p"
	})
	c := &clock{}
	r, _ := newResolver(f, c) // TTL one minute, MinRefresh DefaultMinRefresh
	ctx := context.Background()
	get := func(ref, rejected, want string, fetches int) {
		t.Helper()
		var got string
		var err error
		if rejected == "" {
			got, err = r.Resolve(ctx, ref)
		} else {
			got, err = r.Refresh(ctx, ref, rejected)
		}
		if n := f.count(getSecret) + f.count(getParam); err != nil || got != want || n != fetches {
			t.Fatalf("%s (rejected %q) = %q, %v after %d fetches; want %q after %d", ref, rejected, got, err, n, want, fetches)
		}
	}

	get("secret:keys#a", "", "old-a", 1)
	get("ssm:/p", "", "old-p", 2)
	f.set(func(f *fakeAWS) { f.secrets["keys"] = `{"a":"new-a","b":"new-b"}`; f.params["/p"] = "new-p" })
	get("secret:keys#a", "", "old-a", 2) // cached: the TTL has not passed

	// Just fetched: the source is not asked again so soon.
	get("secret:keys#a", "old-a", "old-a", 2)
	c.advance(DefaultMinRefresh)
	get("secret:keys#a", "old-a", "new-a", 3)
	get("secret:keys#a", "old-a", "new-a", 3) // a late 401 for the old key: already replaced
	get("secret:keys#b", "", "new-b", 3)      // the whole secret was refreshed
	get("secret:keys#b", "new-a", "new-b", 3) // rejecting another field's value changes nothing
	get("ssm:/p", "old-p", "new-p", 4)

	// Revoked and not yet rotated: one fetch per MinRefresh, not per call.
	c.advance(DefaultMinRefresh)
	get("secret:keys#a", "new-a", "new-a", 5)
	get("secret:keys#a", "new-a", "new-a", 5)

	// An outage during a refresh serves the last value, and counts as a
	// fetch for MinRefresh.
	c.advance(DefaultMinRefresh)
	f.set(func(f *fakeAWS) { f.down = true })
	get("secret:keys#a", "new-a", "new-a", 6)
	get("secret:keys#a", "new-a", "new-a", 6)

	t.Setenv("SWITCHYARD_TEST_KEY", "env-value")
	if got, err := r.Refresh(ctx, "env:SWITCHYARD_TEST_KEY", "env-value"); err != nil || got != "env-value" {
		t.Fatalf("env refresh = %q, %v", got, err)
	}
}

// TestRefreshMinRefreshOption: MinRefresh is honoured when set.
func TestRefreshMinRefreshOption(t *testing.T) {
	f := newFakeAWS(t)
	f.set(func(f *fakeAWS) { f.secrets["k"] = "v1" })
	c := &clock{}
	r, _ := newResolver(f, c)
	r.opts.MinRefresh = 20 * time.Second
	ctx := context.Background()
	if _, err := r.Resolve(ctx, "secret:k"); err != nil {
		t.Fatal(err)
	}
	f.set(func(f *fakeAWS) { f.secrets["k"] = "v2" })
	c.advance(19 * time.Second)
	if got, _ := r.Refresh(ctx, "secret:k", "v1"); got != "v1" {
		t.Fatalf("before MinRefresh: %q, want v1", got)
	}
	c.advance(time.Second)
	if got, _ := r.Refresh(ctx, "secret:k", "v1"); got != "v2" {
		t.Fatalf("after MinRefresh: %q, want v2", got)
	}
	if New(Options{LoadConfig: func(context.Context) (aws.Config, error) { return aws.Config{}, nil }}).opts.MinRefresh != DefaultMinRefresh {
		t.Fatal("MinRefresh default not applied")
	}
}
