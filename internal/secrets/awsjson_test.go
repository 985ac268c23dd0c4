package secrets

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/switchyard-llm/switchyard/internal/trace"
)

// sleeps records the backoff waits a resolver asks for, instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// retryingResolver is a resolver with the default attempts whose waits
// go to s; cfg adjusts the AWS config it loads.
func retryingResolver(f *fakeAWS, s *sleeps, cfg func(*aws.Config)) *Resolver {
	return New(Options{
		Endpoint: f.URL,
		Sleep:    s.sleep,
		LoadConfig: func(context.Context) (aws.Config, error) {
			c := aws.Config{Region: fakeRegion, Credentials: credentials.NewStaticCredentialsProvider(fakeAccessKey, fakeSecretKey, "")}
			if cfg != nil {
				cfg(&c)
			}
			return c, nil
		},
	})
}

// TestSigV4: requests carry a SigV4 signature the fake verifies, scoped
// to the service and region, covering the session token; a wrong key is
// refused (the fake's check is not vacuous).
func TestSigV4(t *testing.T) {
	f := newFakeAWS(t)
	f.set(func(f *fakeAWS) {
		f.secrets["s"] = marker + "-s"
		f.params["/p"] = marker + "-p"
		f.token = "session-token-1"
	})
	r := retryingResolver(f, &sleeps{}, func(c *aws.Config) {
		c.Credentials = credentials.NewStaticCredentialsProvider(fakeAccessKey, fakeSecretKey, "session-token-1")
	})
	ctx := context.Background()
	for _, tt := range []struct{ ref, target, service string }{
		{"secret:s", getSecret, "secretsmanager"},
		{"ssm:/p", getParam, "ssm"},
	} {
		if _, err := r.Resolve(ctx, tt.ref); err != nil {
			t.Fatalf("%s: %v", tt.ref, err)
		}
		h := f.header(tt.target)
		auth := h.Get("Authorization")
		scope := regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=` + fakeAccessKey + `/\d{8}/` + fakeRegion + `/` + tt.service + `/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$`)
		m := scope.FindStringSubmatch(auth)
		if m == nil {
			t.Fatalf("%s: Authorization %q", tt.ref, auth)
		}
		for _, want := range []string{"content-type", "host", "x-amz-date", "x-amz-security-token", "x-amz-target"} {
			if !strings.Contains(";"+m[1]+";", ";"+want+";") {
				t.Errorf("%s: SignedHeaders %q lacks %s", tt.ref, m[1], want)
			}
		}
		if h.Get("X-Amz-Security-Token") != "session-token-1" || h.Get("X-Amz-Date") == "" {
			t.Errorf("%s: X-Amz-Security-Token %q, X-Amz-Date %q", tt.ref, h.Get("X-Amz-Security-Token"), h.Get("X-Amz-Date"))
		}
	}

	wrong := retryingResolver(f, &sleeps{}, func(c *aws.Config) {
		c.Credentials = credentials.NewStaticCredentialsProvider(fakeAccessKey, "not-the-key", "session-token-1")
	})
	_, err := wrong.Resolve(ctx, "secret:s")
	if err == nil || !strings.Contains(err.Error(), "InvalidSignatureException (HTTP 403") {
		t.Fatalf("wrong key: err = %v; want the fake to refuse the signature", err)
	}
}

// TestRetry: 5xx, 429, throttling codes and transport errors are tried
// again, up to three attempts with growing jittered waits; client errors
// are not.
func TestRetry(t *testing.T) {
	tests := []struct {
		name      string
		replies   []fakeReply
		transport int // transport errors before the server is reached
		want      string
		wantErr   string
		calls     int
	}{
		{name: "500 then throttled then ok", replies: []fakeReply{{status: 500, typ: "InternalServiceError"}, {status: 400, typ: "ThrottlingException"}},
			want: "v", calls: 3},
		{name: "429", replies: []fakeReply{{status: 429, typ: "TooManyRequestsException"}}, want: "v", calls: 2},
		{name: "503 without a JSON body", replies: []fakeReply{{status: 503, raw: "<html>Service Unavailable</html>"}}, want: "v", calls: 2},
		{name: "transport error", transport: 1, want: "v", calls: 1},
		{name: "exhausted", replies: []fakeReply{{status: 503, typ: "ServiceUnavailable"}, {status: 500, typ: "InternalServiceError"}, {status: 500, typ: "InternalServiceError"}},
			wantErr: "InternalServiceError (HTTP 500, request id req-3): fake: InternalServiceError (3 attempts)", calls: 3},
		{name: "not found", replies: []fakeReply{{status: 400, typ: "ResourceNotFoundException"}},
			wantErr: "get secret k: Secrets Manager GetSecretValue: ResourceNotFoundException (HTTP 400, request id req-1)", calls: 1},
		{name: "access denied", replies: []fakeReply{{status: 400, typ: "AccessDeniedException"}}, wantErr: "AccessDeniedException", calls: 1},
		{name: "501", replies: []fakeReply{{status: 501, typ: "NotImplemented"}}, wantErr: "NotImplemented (HTTP 501", calls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAWS(t)
			f.set(func(f *fakeAWS) { f.secrets["k"] = "v"; f.replies = tt.replies })
			s := &sleeps{}
			tc := &flakyClient{fails: tt.transport}
			r := retryingResolver(f, s, func(c *aws.Config) { c.HTTPClient = tc })
			got, err := r.Resolve(context.Background(), "secret:k")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Resolve = %q, %v; want error containing %q", got, err, tt.wantErr)
				}
			} else if err != nil || got != tt.want {
				t.Fatalf("Resolve = %q, %v; want %q", got, err, tt.want)
			}
			if n := f.count(getSecret); n != tt.calls {
				t.Errorf("%d calls reached the service; want %d", n, tt.calls)
			}
			waits := s.got()
			if want := tt.calls + tt.transport - 1; len(waits) != want {
				t.Fatalf("%d backoff waits; want %d", len(waits), want)
			}
			for i, d := range waits {
				if ceiling := backoffBase << i; d <= 0 || d > ceiling {
					t.Errorf("wait %d = %v; want in (0, %v]", i+1, d, ceiling)
				}
			}
		})
	}
}

// flakyClient fails its first fails requests as a network would, then
// sends the rest; its being used shows aws.Config.HTTPClient is honoured.
type flakyClient struct {
	mu    sync.Mutex
	fails int
	sent  int
}

func (c *flakyClient) Do(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.sent++
	fail := c.fails > 0
	c.fails--
	c.mu.Unlock()
	if fail {
		return nil, errors.New("connection reset by peer")
	}
	return http.DefaultClient.Do(req)
}

// TestClockSkew: a signature refused for a clock an hour behind AWS's is
// signed again at the time the response's Date gives, and later calls
// start from it; a refusal without a skew is not retried.
func TestClockSkew(t *testing.T) {
	f := newFakeAWS(t)
	f.set(func(f *fakeAWS) { f.secrets["a"] = "va"; f.secrets["b"] = "vb"; f.skew = time.Hour })
	r := retryingResolver(f, &sleeps{}, nil)
	if got, err := r.Resolve(context.Background(), "secret:a"); err != nil || got != "va" {
		t.Fatalf("secret:a = %q, %v; want va after one retry", got, err)
	}
	if got, err := r.Resolve(context.Background(), "secret:b"); err != nil || got != "vb" {
		t.Fatalf("secret:b = %q, %v", got, err)
	}
	if n := f.count(getSecret); n != 3 {
		t.Fatalf("%d calls; want 3 (the skewed one, its retry, then one)", n)
	}

	f2 := newFakeAWS(t)
	f2.set(func(f *fakeAWS) { f.replies = []fakeReply{{status: 400, typ: "InvalidSignatureException"}} })
	r2 := retryingResolver(f2, &sleeps{}, nil)
	if _, err := r2.Resolve(context.Background(), "secret:a"); err == nil || f2.count(getSecret) != 1 {
		t.Fatalf("err = %v after %d calls; want InvalidSignatureException after 1", err, f2.count(getSecret))
	}
}

// TestNoRedirect: a 3xx is an error; the signed request, session token
// included, is not sent on to where it points.
func TestNoRedirect(t *testing.T) {
	var reached atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		_, _ = io.WriteString(w, `{"SecretString":"planted"}`)
	}))
	defer other.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL, http.StatusTemporaryRedirect)
	}))
	defer redirect.Close()
	r := New(Options{Endpoint: redirect.URL, MaxAttempts: 1, LoadConfig: func(context.Context) (aws.Config, error) {
		return aws.Config{Region: fakeRegion, Credentials: credentials.NewStaticCredentialsProvider(fakeAccessKey, fakeSecretKey, "session-token")}, nil
	}})
	got, err := r.Resolve(context.Background(), "secret:k")
	if err == nil || !strings.Contains(err.Error(), "(HTTP 307") || reached.Load() != 0 {
		t.Fatalf("Resolve = %q, %v; the redirect target was reached %d times; want an HTTP 307 error and none", got, err, reached.Load())
	}
}

// TestRetryStopsWhenCancelled: a caller that gives up while a retry waits
// gets its context's error and no further attempt is made.
func TestRetryStopsWhenCancelled(t *testing.T) {
	f := newFakeAWS(t)
	f.set(func(f *fakeAWS) { f.secrets["k"] = "v"; f.down = true })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := retryingResolver(f, &sleeps{}, nil)
	r.opts.Sleep = func(ctx context.Context, _ time.Duration) error {
		cancel() // the caller's deadline passes during the wait
		return ctx.Err()
	}
	_, err := r.Resolve(ctx, "secret:k")
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "InternalServiceError") {
		t.Fatalf("err = %v; want the last failure and context.Canceled", err)
	}
	if n := f.count(getSecret); n != 1 {
		t.Fatalf("%d attempts after cancellation; want 1", n)
	}
}

// TestErrorsNeverQuoteSecret: whatever comes back, an error names the
// failure without any of a response body that may hold the secret.
func TestErrorsNeverQuoteSecret(t *testing.T) {
	for _, tt := range []struct {
		name    string
		reply   fakeReply
		wantErr string
	}{
		{"truncated JSON", fakeReply{status: 200, raw: `{"SecretString":"` + marker + `-abc`}, "malformed response body (HTTP 200"},
		{"wrong type", fakeReply{status: 200, raw: `{"SecretString":["` + marker + `"]}`}, "malformed response body"},
		{"bad base64", fakeReply{status: 200, raw: `{"SecretBinary":"` + marker + `!!"}`}, "malformed response body"},
		{"proxy page", fakeReply{status: 403, raw: "<html>" + marker + "</html>"}, "UnknownError (HTTP 403"},
		{"oversized", fakeReply{status: 200, raw: `{"SecretString":"` + marker + strings.Repeat("x", maxResponse) + `"}`}, "response larger than"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAWS(t)
			f.set(func(f *fakeAWS) { f.replies = []fakeReply{tt.reply} })
			r := retryingResolver(f, &sleeps{}, nil)
			_, err := r.Resolve(context.Background(), "secret:k")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), marker) {
				t.Fatalf("err = %v; want one containing %q and no secret", err, tt.wantErr)
			}
		})
	}
}

// TestSecretBinary: a binary secret is decoded from the base64 the
// service sends, and may hold a JSON object like a string one.
func TestSecretBinary(t *testing.T) {
	f := newFakeAWS(t)
	f.set(func(f *fakeAWS) {
		f.binary["bin"] = []byte(marker + "\x00\xff\n")
		f.binary["bin-json"] = []byte(`{"key":"` + marker + `"}`)
	})
	r := retryingResolver(f, &sleeps{}, nil)
	if got, err := r.Resolve(context.Background(), "secret:bin"); err != nil || got != marker+"\x00\xff\n" {
		t.Fatalf("secret:bin = %q, %v", got, err)
	}
	if got, err := r.Resolve(context.Background(), "secret:bin-json#key"); err != nil || got != marker {
		t.Fatalf("secret:bin-json#key = %q, %v", got, err)
	}
}

// TestEmptySecret: a 200 that holds no value (an empty or null
// SecretString, no SecretBinary, a JSON null) is an error, not an empty
// key cached for the TTL; the next call fetches again.
func TestEmptySecret(t *testing.T) {
	for _, raw := range []string{`{"SecretString":""}`, `{"SecretString":null}`, `{"SecretBinary":""}`, `{}`, `null`} {
		t.Run(raw, func(t *testing.T) {
			f := newFakeAWS(t)
			f.set(func(f *fakeAWS) { f.secrets["k"] = "v"; f.replies = []fakeReply{{status: 200, raw: raw}} })
			r := retryingResolver(f, &sleeps{}, nil)
			if got, err := r.Resolve(context.Background(), "secret:k"); err == nil || !strings.Contains(err.Error(), "secret k is empty") {
				t.Fatalf("Resolve = %q, %v; want secret k is empty", got, err)
			}
			if got, err := r.Resolve(context.Background(), "secret:k"); err != nil || got != "v" {
				t.Fatalf("next Resolve = %q, %v; want v fetched again", got, err)
			}
		})
	}
}

// TestCallSpans: each call is one span named as X-Ray names AWS SDK calls,
// annotated with its operation, failed when the call failed.
func TestCallSpans(t *testing.T) {
	f := newFakeAWS(t)
	f.set(func(f *fakeAWS) {
		f.params["/p"] = "v"
		f.replies = []fakeReply{{status: 500, typ: "InternalServerError"}}
	})
	rec := &trace.Recorder{}
	r := retryingResolver(f, &sleeps{}, nil)
	r.opts.Tracer = rec
	ctx := context.Background()
	if _, err := r.Resolve(ctx, "ssm:/p"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Resolve(ctx, "secret:absent"); err == nil {
		t.Fatal("secret:absent resolved")
	}
	spans := rec.Spans()
	if len(spans) != 2 {
		t.Fatalf("%d spans; want 2: %+v", len(spans), spans)
	}
	for i, want := range []struct{ name, op string }{{"SSM", "GetParameter"}, {"Secrets Manager", "GetSecretValue"}} {
		s := spans[i]
		if s.Name != want.name || s.Annotations["aws_operation"] != want.op || s.Annotations["aws_region"] != fakeRegion {
			t.Errorf("span %d = %+v; want %s with aws_operation %s", i, s, want.name, want.op)
		}
	}
	if spans[0].Err != "" || spans[0].Metadata["attempts"] != 2 || !strings.Contains(spans[1].Err, "ResourceNotFoundException") {
		t.Errorf("spans = %+v; want the SSM one ok after 2 attempts, the secret one failed", spans)
	}
}

// TestNoRegion: without a region the error says what to set, and the
// next reference loads the config again.
func TestNoRegion(t *testing.T) {
	f := newFakeAWS(t)
	loads := 0
	r := New(Options{LoadConfig: func(context.Context) (aws.Config, error) {
		loads++
		return aws.Config{Credentials: credentials.NewStaticCredentialsProvider(fakeAccessKey, fakeSecretKey, "")}, nil
	}})
	for range 2 {
		_, err := r.Resolve(context.Background(), "ssm:/p")
		if err == nil || !strings.Contains(err.Error(), "no AWS region: set AWS_REGION") {
			t.Fatalf("err = %v", err)
		}
	}
	if loads != 2 || f.count(getParam) != 0 {
		t.Fatalf("%d config loads, %d calls; want 2 and none", loads, f.count(getParam))
	}
}

// TestSanitizeErrorCode covers the shapes AWS JSON services send.
func TestSanitizeErrorCode(t *testing.T) {
	for in, want := range map[string]string{
		"ResourceNotFoundException":                                               "ResourceNotFoundException",
		"com.amazonaws.secretsmanager#ResourceNotFoundException":                  "ResourceNotFoundException",
		"ParameterNotFound:http://internal.amazon.com/coral/com.amazonaws.ssm/":   "ParameterNotFound",
		"com.amazonaws.ssm#ThrottlingException:http://internal.amazon.com/coral/": "ThrottlingException",
		"": "",
	} {
		if got := sanitizeErrorCode(in); got != want {
			t.Errorf("sanitizeErrorCode(%q) = %q; want %q", in, got, want)
		}
	}
}
