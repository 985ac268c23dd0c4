package secrets

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

const (
	getSecret = "secretsmanager.GetSecretValue"
	getParam  = "AmazonSSM.GetParameter"
	// marker is part of every stored secret, so a test can tell whether
	// any of it leaked into an error.
	marker = "sk-LEAKCHECK"
)

type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *clock) advance(d time.Duration) { c.t.Add(int64(d)) }

// newResolver returns a resolver whose AWS client talks to f, and a
// counter of AWS config loads.
func newResolver(f *fakeAWS, c *clock) (*Resolver, *atomic.Int32) {
	var loads atomic.Int32
	r := New(Options{
		TTL: time.Minute,
		Now: c.now,
		LoadConfig: func(context.Context) (aws.Config, error) {
			loads.Add(1)
			return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(fakeAccessKey, fakeSecretKey, "")}, nil
		},
		Endpoint: f.URL,
		// No retries: a failure should reach the resolver at once.
		MaxAttempts: 1,
	})
	return r, &loads
}

func TestResolve(t *testing.T) {
	f := newFakeAWS(t)
	f.set(func(f *fakeAWS) {
		f.secrets["switchyard/providers"] = `{"openai":"` + marker + `-openai","port":8443,"nested":{"a":1},"blank":""}`
		f.secrets["plain-key"] = marker + "-plain"
		f.secrets["arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/keys-AbCdEf"] = `{"anthropic":"` + marker + `-anthropic"}`
		f.secrets["not-json"] = marker + " {not json"
		f.params["/switchyard/gemini"] = marker + "-gemini"
	})
	t.Setenv("SWITCHYARD_TEST_KEY", marker+"-env")
	r, _ := newResolver(f, &clock{})
	tests := []struct {
		ref, want, wantErr string
	}{
		{ref: "env:SWITCHYARD_TEST_KEY", want: marker + "-env"},
		{ref: "env:SWITCHYARD_TEST_UNSET", wantErr: "environment variable SWITCHYARD_TEST_UNSET is not set"},
		{ref: "secret:plain-key", want: marker + "-plain"},
		{ref: "secret:switchyard/providers#openai", want: marker + "-openai"},
		{ref: "secret:switchyard/providers#port", want: "8443"},
		{ref: "secret:arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/keys-AbCdEf#anthropic", want: marker + "-anthropic"},
		{ref: "secret:switchyard/providers#missing", wantErr: `secret switchyard/providers has no field "missing"`},
		{ref: "secret:switchyard/providers#nested", wantErr: "is not a string"},
		{ref: "secret:switchyard/providers#blank", wantErr: "is empty"},
		{ref: "secret:not-json#key", wantErr: "secret not-json is not a JSON object"},
		{ref: "secret:absent", wantErr: "ResourceNotFoundException"},
		{ref: "secret:plain-key#", wantErr: "want secret:<id> or secret:<id>#<field>"},
		{ref: "ssm:/switchyard/gemini", want: marker + "-gemini"},
		{ref: "ssm:/switchyard/absent", wantErr: "ParameterNotFound"},
		{ref: "vault:x", wantErr: `unknown reference scheme "vault"`},
		{ref: "sk-literal-key", wantErr: "is not a reference"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			got, err := r.Resolve(context.Background(), tt.ref)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Resolve = %q, %v; want error containing %q", got, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), marker) {
					t.Fatalf("error leaks the secret: %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Resolve = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestResolveCaches: one fetch per TTL whatever the number of callers and
// fields; a refresh that fails serves the last value; a rotated secret is
// seen after the TTL.
func TestResolveCaches(t *testing.T) {
	f := newFakeAWS(t)
	f.set(func(f *fakeAWS) {
		f.secrets["keys"] = `{"a":"one","b":"two"}`
		f.params["/p"] = "p1"
	})
	c := &clock{}
	r, loads := newResolver(f, c)
	ctx := context.Background()

	if _, err := r.Resolve(ctx, "env:PATH"); err != nil || loads.Load() != 0 {
		t.Fatalf("env: reference loaded AWS config (%d loads, err %v)", loads.Load(), err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, ref := range []string{"secret:keys#a", "secret:keys#b", "ssm:/p"} {
				if _, err := r.Resolve(ctx, ref); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if n, p, l := f.count(getSecret), f.count(getParam), loads.Load(); n != 1 || p != 1 || l != 1 {
		t.Fatalf("GetSecretValue %d, GetParameter %d, config loads %d; want 1 each", n, p, l)
	}

	f.set(func(f *fakeAWS) { f.secrets["keys"] = `{"a":"rotated"}`; f.down = true })
	c.advance(2 * time.Minute)
	if got, err := r.Resolve(ctx, "secret:keys#a"); err != nil || got != "one" {
		t.Fatalf("during an outage: %q, %v; want the last value", got, err)
	}
	// The failed refresh counts as a fetch: the outage is not asked
	// about again on every request.
	if got, err := r.Resolve(ctx, "secret:keys#a"); err != nil || got != "one" || f.count(getSecret) != 2 {
		t.Fatalf("during the outage again: %q, %v after %d fetches; want the last value, 2 fetches", got, err, f.count(getSecret))
	}
	f.set(func(f *fakeAWS) { f.down = false })
	c.advance(DefaultMinRefresh)
	if got, err := r.Resolve(ctx, "secret:keys#a"); err != nil || got != "rotated" {
		t.Fatalf("after the outage: %q, %v; want the rotated value", got, err)
	}
	if got, err := r.Resolve(ctx, "secret:keys#a"); err != nil || got != "rotated" || f.count(getSecret) != 3 {
		t.Fatalf("%q, %v after %d fetches; want the cached value and 3 fetches", got, err, f.count(getSecret))
	}
}

// TestResolveOutageOnFirstUse: with nothing cached, the error says which
// reference failed and nothing else.
func TestResolveOutageOnFirstUse(t *testing.T) {
	f := newFakeAWS(t)
	f.set(func(f *fakeAWS) { f.secrets["keys"] = marker; f.down = true })
	r, _ := newResolver(f, &clock{})
	_, err := r.Resolve(context.Background(), "secret:keys")
	if err == nil || !strings.Contains(err.Error(), "get secret keys") || strings.Contains(err.Error(), marker) {
		t.Fatalf("err = %v", err)
	}
}
