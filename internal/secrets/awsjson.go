package secrets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	smithytime "github.com/aws/smithy-go/time"

	"github.com/switchyard-llm/switchyard/internal/trace"
)

// The client below replaces the SDK's secretsmanager and ssm packages for
// the two calls the resolver makes: their package init allocated ~1.7 MB
// of live heap (smithy-go schemas) in every gateway process (issue 16).

const (
	// DefaultMaxAttempts is how many times a call is tried, as the SDK's
	// standard retryer does.
	DefaultMaxAttempts = 3
	// backoffBase and backoffMax bound the full-jitter exponential wait
	// before a retry: up to 0.5 s, then up to 1 s.
	backoffBase = 500 * time.Millisecond
	backoffMax  = 5 * time.Second
	// attemptTimeout bounds one attempt: config.LoadDefaultConfig's HTTP
	// client has no overall timeout, and a fetch runs on a request's path.
	attemptTimeout = 10 * time.Second
	// maxResponse bounds what is read of a response; a secret is at most
	// 64 KiB, an SSM parameter at most 8 KiB.
	maxResponse = 1 << 20
	// maxMessage bounds the service message quoted in an error.
	maxMessage = 256
	userAgent  = "switchyard-secrets"
)

// throttleCodes are the error codes the SDK's standard retryer treats as
// throttling or transient (aws/retry: DefaultThrottleErrorCodes and
// DefaultRetryableErrorCodes), whatever their HTTP status.
var throttleCodes = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "ThrottledException": true,
	"RequestThrottledException": true, "TooManyRequestsException": true,
	"ProvisionedThroughputExceededException": true, "TransactionInProgressException": true,
	"RequestLimitExceeded": true, "BandwidthLimitExceeded": true, "LimitExceededException": true,
	"RequestThrottled": true, "SlowDown": true, "PriorRequestNotComplete": true,
	"EC2ThrottledException": true, "RequestTimeout": true, "RequestTimeoutException": true,
}

// clockSkewCodes are the codes a signature refused for its time may come
// with (aws/retry's clockSkewCodes); they are retried only when the
// response's Date shows a skew.
var clockSkewCodes = map[string]bool{
	"InvalidSignatureException": true, "SignatureDoesNotMatch": true, "AuthFailure": true,
	"RequestTimeTooSkewed": true, "AccessDeniedException": true,
}

// skewThreshold is the SDK's: a SigV4 signature is valid for 5 minutes.
const skewThreshold = 4 * time.Minute

// clockSkew is the server's clock minus ours, from resp's Date header;
// false when it has none, or an Age header (a cache answered).
func clockSkew(resp *http.Response) (time.Duration, bool) {
	date := resp.Header.Get("Date")
	if date == "" || resp.Header.Get("Age") != "" {
		return 0, false
	}
	t, err := http.ParseTime(date)
	if err != nil {
		return 0, false
	}
	return time.Until(t), true
}

// awsClient calls Secrets Manager and SSM over the AWS JSON 1.1 protocol:
// POST / with the operation in X-Amz-Target and its input as a JSON body,
// signed with SigV4.
type awsClient struct {
	region    string
	creds     aws.CredentialsProvider
	http      aws.HTTPClient
	signer    *v4.Signer
	endpoints map[string]*url.URL // by service signing name
	// endpointErrs are the services whose endpoint is misconfigured: a
	// bad AWS_ENDPOINT_URL_SSM fails ssm: references only, as it did with
	// one SDK client per service.
	endpointErrs map[string]error
	tracer       trace.Tracer
	maxAttempts  int
	sleep        func(context.Context, time.Duration) error
	// skew is the server's clock minus ours, in nanoseconds, from the
	// last response's Date header: requests are signed at now+skew, so a
	// drifted clock (a laptop's Docker VM after sleep) does not make every
	// signature expired, as the SDK's clock skew correction does.
	skew atomic.Int64
}

// newAWSClient resolves both endpoints from cfg; it fails without a region
// or credentials, before any call. A service whose endpoint is invalid
// fails its calls only.
func newAWSClient(ctx context.Context, cfg aws.Config, opts Options, getenv func(string) string) (*awsClient, error) {
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: set AWS_REGION (or region in the AWS config file)")
	}
	if cfg.Credentials == nil {
		return nil, errors.New("no AWS credentials provider in the AWS config")
	}
	c := &awsClient{
		region: cfg.Region, creds: cfg.Credentials, http: cfg.HTTPClient,
		signer: v4.NewSigner(), endpoints: map[string]*url.URL{}, endpointErrs: map[string]error{},
		tracer: opts.Tracer, maxAttempts: opts.MaxAttempts, sleep: opts.Sleep,
	}
	if c.http == nil {
		// No redirects, as the SDK's client: net/http would send the
		// signed headers, X-Amz-Security-Token included, on to wherever
		// a 3xx points, and AWS JSON services never redirect.
		c.http = &http.Client{Timeout: attemptTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}
	if c.tracer == nil {
		c.tracer = trace.Noop{}
	}
	if c.maxAttempts <= 0 {
		c.maxAttempts = DefaultMaxAttempts
	}
	if c.sleep == nil {
		c.sleep = smithytime.SleepWithContext
	}
	for _, svc := range []service{secretsManager, ssmService} {
		u, err := endpoint(ctx, cfg, svc, opts.Endpoint, getenv)
		if err != nil {
			c.endpointErrs[svc.signingName] = err
			continue
		}
		if u.Path == "" {
			u.Path = "/"
		}
		c.endpoints[svc.signingName] = u
	}
	return c, nil
}

// getSecretValue returns a secret's SecretString, or its SecretBinary
// (base64 in the JSON, decoded by encoding/json).
func (c *awsClient) getSecretValue(ctx context.Context, id string) (str *string, bin []byte, err error) {
	var out struct {
		SecretString *string
		SecretBinary []byte
	}
	err = c.call(ctx, secretsManager, "GetSecretValue", struct{ SecretId string }{id}, &out)
	return out.SecretString, out.SecretBinary, err
}

// getParameter returns a parameter's value, a SecureString decrypted.
func (c *awsClient) getParameter(ctx context.Context, name string) (string, error) {
	in := struct {
		Name           string
		WithDecryption bool
	}{name, true}
	var out struct{ Parameter *struct{ Value string } }
	if err := c.call(ctx, ssmService, "GetParameter", in, &out); err != nil {
		return "", err
	}
	if out.Parameter == nil {
		return "", nil
	}
	return out.Parameter.Value, nil
}

// call makes one operation under a span named as the X-Ray SDK named AWS
// SDK calls (the service id: "Secrets Manager", "SSM"), retrying it as
// retryable says with jittered exponential backoff. Each attempt is signed
// afresh: a signature is valid for minutes and credentials rotate.
func (c *awsClient) call(ctx context.Context, svc service, op string, in, out any) (err error) {
	if err := c.endpointErrs[svc.signingName]; err != nil {
		return err
	}
	ctx, span := c.tracer.Start(ctx, svc.sdkID)
	trace.MarkAWSCall(span, op, c.region)
	attempts := 0
	defer func() {
		span.Metadata("attempts", attempts)
		span.End(err)
	}()
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s %s: encode input: %w", svc.sdkID, op, err)
	}
	for {
		attempts++
		var retry bool
		retry, err = c.attempt(ctx, span, svc, op, body, out)
		if err == nil || !retry || attempts >= c.maxAttempts || ctx.Err() != nil {
			break
		}
		if serr := c.sleep(ctx, backoff(attempts)); serr != nil {
			err = fmt.Errorf("%w (retry abandoned: %w)", err, serr)
			break
		}
	}
	if err != nil && attempts > 1 {
		err = fmt.Errorf("%w (%d attempts)", err, attempts)
	}
	return err
}

// attempt sends one signed request and decodes a 2xx answer into out. It
// reports whether a failure is worth another attempt: transport errors,
// 5xx other than 501, 429 and the throttling codes, as the SDK's standard
// retryer, and a signature refused for a skewed clock; never a 4xx such as ResourceNotFoundException or
// AccessDeniedException, nor a cancelled caller.
func (c *awsClient) attempt(ctx context.Context, span trace.Span, svc service, op string, body []byte, out any) (retry bool, err error) {
	actx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	creds, err := c.creds.Retrieve(actx)
	if err != nil {
		return false, fmt.Errorf("%s %s: retrieve AWS credentials: %w", svc.sdkID, op, err)
	}
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.endpoints[svc.signingName].String(), bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("%s %s: %w", svc.sdkID, op, err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", svc.targetPrefix+"."+op)
	// Names the gateway in CloudTrail's userAgent field.
	req.Header.Set("User-Agent", userAgent)
	sum := sha256.Sum256(body)
	attemptSkew := time.Duration(c.skew.Load())
	if err := c.signer.SignHTTP(actx, creds, req, hex.EncodeToString(sum[:]), svc.signingName, c.region, time.Now().Add(attemptSkew)); err != nil {
		return false, fmt.Errorf("%s %s: sign request: %w", svc.sdkID, op, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return ctx.Err() == nil, fmt.Errorf("%s %s: %w", svc.sdkID, op, err)
	}
	defer resp.Body.Close()
	serverSkew, hasSkew := clockSkew(resp)
	if hasSkew {
		c.skew.Store(int64(serverSkew))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return ctx.Err() == nil, fmt.Errorf("%s %s: read response (HTTP %d): %w", svc.sdkID, op, resp.StatusCode, err)
	}
	requestID := resp.Header.Get("X-Amzn-Requestid")
	span.Metadata("http_status", resp.StatusCode)
	if requestID != "" {
		span.Metadata("aws_request_id", requestID)
	}
	if len(data) > maxResponse {
		return false, fmt.Errorf("%s %s: response larger than %d bytes (HTTP %d, request id %s)", svc.sdkID, op, maxResponse, resp.StatusCode, requestID)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := parseAPIError(svc, op, resp, data, requestID)
		// A signature refused for a skewed clock is worth one more try,
		// signed at the server's time (the SDK's rule: the skew observed
		// differs from the one signed with by more than skewThreshold).
		skewed := clockSkewCodes[e.Code] && hasSkew && (serverSkew-attemptSkew).Abs() > skewThreshold
		return e.retryable() || skewed, e
	}
	// Never wrap the decoder's error: a syntax error quotes the input,
	// and the input holds the secret.
	if err := json.Unmarshal(data, out); err != nil {
		return false, fmt.Errorf("%s %s: malformed response body (HTTP %d, %d bytes, request id %s)", svc.sdkID, op, resp.StatusCode, len(data), requestID)
	}
	return false, nil
}

// apiError is an error answer of an AWS JSON service. Its text names the
// error code, the HTTP status and the request id (what AWS support asks
// for), and quotes at most maxMessage runes of the service's message: an
// error answer carries no secret value.
type apiError struct {
	Service, Operation string
	Status             int
	Code, Message      string
	RequestID          string
}

func (e *apiError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s (HTTP %d", e.Service, e.Operation, e.Code, e.Status)
	if e.RequestID != "" {
		b.WriteString(", request id " + e.RequestID)
	}
	b.WriteString(")")
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

func (e *apiError) retryable() bool {
	return (e.Status >= 500 && e.Status != http.StatusNotImplemented) || e.Status == http.StatusTooManyRequests || throttleCodes[e.Code]
}

// parseAPIError reads the code from X-Amzn-ErrorType or the body's __type
// (or code), and the message from message or Message, as the SDK's awsjson
// deserializers do. A body that is not JSON (a proxy's HTML page) is not
// quoted.
func parseAPIError(svc service, op string, resp *http.Response, data []byte, requestID string) *apiError {
	var body struct {
		Type     string `json:"__type"`
		Code     string `json:"code"`
		MessageL string `json:"message"`
		MessageU string `json:"Message"`
	}
	_ = json.Unmarshal(data, &body)
	code := resp.Header.Get("X-Amzn-Errortype")
	if code == "" {
		code = body.Type
	}
	if code == "" {
		code = body.Code
	}
	code = sanitizeErrorCode(code)
	if code == "" {
		code = "UnknownError"
	}
	msg := body.MessageL
	if msg == "" {
		msg = body.MessageU
	}
	return &apiError{Service: svc.sdkID, Operation: op, Status: resp.StatusCode, Code: code, Message: clip(msg), RequestID: requestID}
}

// sanitizeErrorCode keeps the shape name of a wire error code:
// "com.amazonaws.secretsmanager#ResourceNotFoundException:http://..." is
// ResourceNotFoundException (the rule of the SDKs' SanitizeErrorCode).
func sanitizeErrorCode(code string) string {
	code, _, _ = strings.Cut(code, ":")
	if _, after, ok := strings.Cut(code, "#"); ok {
		code = after
	}
	return strings.TrimSpace(code)
}

// clip makes a service message one short line.
func clip(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > maxMessage {
		s = string(r[:maxMessage]) + "…"
	}
	return s
}

// backoff is the wait before attempt+1: full jitter over an exponential
// ceiling, so Lambda instances throttled together do not retry together.
func backoff(attempt int) time.Duration {
	ceiling := backoffBase << (attempt - 1)
	if ceiling > backoffMax || ceiling <= 0 {
		ceiling = backoffMax
	}
	return time.Duration(rand.Int64N(int64(ceiling)) + 1)
}
