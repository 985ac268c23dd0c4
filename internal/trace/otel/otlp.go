package otel

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/switchyard-llm/switchyard/internal/provider"
)

// otlpExporter sends spans to a collector over OTLP/HTTP, protobuf encoded
// by hand (otlpproto.go).
//
// Why not the SDK's otlptracehttp: it links gRPC and the protobuf runtime
// (69 gRPC packages, though it never speaks gRPC), 4.1 MB of the gateway's
// binary, and their initialisation and pages cost 3.3 MB of resident
// memory in every process, traced or not (issue 16: the budget that memory
// competes with is the collector's heap floor). The wire format is small
// and fixed; TestOTLPMatchesTheSDKExporter holds this one to the SDK's:
// the same spans exported by both decode, with the OTLP protobuf
// definitions, to equal messages.
//
// Configuration is the standard OTEL_EXPORTER_OTLP_* variables (traces
// ones first): ENDPOINT (a base URL, /v1/traces appended) or
// TRACES_ENDPOINT (the URL as is), HEADERS, TIMEOUT (ms, default 10 s),
// COMPRESSION (gzip or none), CERTIFICATE, CLIENT_CERTIFICATE and
// CLIENT_KEY, and PROTOCOL, which must be http/protobuf (the default):
// http/json and grpc are refused, not silently sent as something else.
// A collector answering 429, 502, 503 or 504 is retried (honouring
// Retry-After) until the export's timeout; any other failure drops the
// batch and is reported, as the SDK's exporter does.
type otlpExporter struct {
	url     string
	headers http.Header
	gzip    bool
	timeout time.Duration
	client  *http.Client
	stopped atomic.Bool
	// backoff is the first wait before a retry; it doubles, up to 30 s.
	backoff time.Duration
	// sleep waits d or until ctx ends (tests replace it).
	sleep func(ctx context.Context, d time.Duration) error
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// otlpDefaultEndpoint is the OTLP/HTTP default: a collector on this host.
const otlpDefaultEndpoint = "http://localhost:4318"

// otlpMaxResponse bounds what is read of a collector's answer.
const otlpMaxResponse = 64 << 10

// otlpMaxTimeoutMs caps OTEL_EXPORTER_OTLP_TIMEOUT (a day): a larger value
// would overflow time.Duration.
const otlpMaxTimeoutMs = 24 * 60 * 60 * 1000

// newOTLPExporter configures the exporter from the environment.
func newOTLPExporter(getenv func(string) string) (*otlpExporter, error) {
	env := func(name string) string {
		if v := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_" + name)); v != "" {
			return v
		}
		return strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_" + name))
	}
	e := &otlpExporter{headers: http.Header{}, timeout: 10 * time.Second, backoff: time.Second, sleep: sleepCtx}
	var err error
	if e.url, err = otlpURL(getenv); err != nil {
		return nil, err
	}
	switch p := env("PROTOCOL"); p {
	case "", "http/protobuf":
	default:
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%s is not supported: the gateway exports OTLP/HTTP with protobuf (http/protobuf)", p)
	}
	if h := env("HEADERS"); h != "" {
		if err := parseOTLPHeaders(h, e.headers); err != nil {
			return nil, err
		}
	}
	if t := env("TIMEOUT"); t != "" {
		ms, err := strconv.ParseInt(t, 10, 64)
		if err != nil || ms <= 0 {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_TIMEOUT=%q: want a positive number of milliseconds", t)
		}
		e.timeout = time.Duration(min(ms, otlpMaxTimeoutMs)) * time.Millisecond
	}
	switch c := strings.ToLower(env("COMPRESSION")); c {
	case "", "none":
	case "gzip":
		e.gzip = true
	default:
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_COMPRESSION=%q: want gzip or none", c)
	}
	tlsConf, err := otlpTLS(env)
	if err != nil {
		return nil, err
	}
	e.client = &http.Client{Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		TLSClientConfig:     tlsConf,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}}
	return e, nil
}

// otlpURL is where spans go: the traces endpoint as is (the root path
// when it has none), or the base endpoint with /v1/traces appended.
func otlpURL(getenv func(string) string) (string, error) {
	raw, perSignal := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")), true
	if raw == "" {
		raw, perSignal = strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")), false
	}
	if raw == "" {
		raw = otlpDefaultEndpoint
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("OTLP endpoint %q: want an http:// or https:// URL", raw)
	}
	switch {
	case !perSignal:
		u.Path = path.Join("/", u.Path, "v1/traces")
	case u.Path == "":
		u.Path = "/"
	}
	return u.String(), nil
}

// parseOTLPHeaders reads the W3C-baggage-like list "k1=v1,k2=v2" (values
// percent-encoded) of OTEL_EXPORTER_OTLP_HEADERS.
//
// A header net/http would refuse to send (a name that is not a token, a
// value with a control character) is refused here, at startup: accepted,
// it would fail every export.
func parseOTLPHeaders(list string, h http.Header) error {
	for _, pair := range strings.Split(list, ",") {
		if strings.TrimSpace(pair) == "" {
			continue // "a=b," as some tools write it
		}
		k, v, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return fmt.Errorf("OTEL_EXPORTER_OTLP_HEADERS: %q is not key=value", strings.TrimSpace(pair))
		}
		if !validHeaderName(k) {
			return fmt.Errorf("OTEL_EXPORTER_OTLP_HEADERS: %q is not a valid header name", k)
		}
		dv, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("OTEL_EXPORTER_OTLP_HEADERS: the value of %s: %v", k, err)
		}
		if !validHeaderValue(dv) {
			return fmt.Errorf("OTEL_EXPORTER_OTLP_HEADERS: the value of %s has a control character", k)
		}
		h.Set(k, dv)
	}
	return nil
}

// validHeaderName: an RFC 9110 token.
func validHeaderName(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return k != ""
}

// validHeaderValue: no control character but horizontal tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// otlpTLS is the TLS configuration the CERTIFICATE (a CA bundle) and
// CLIENT_CERTIFICATE / CLIENT_KEY (mutual TLS) variables ask for; nil
// when none is set.
func otlpTLS(env func(string) string) (*tls.Config, error) {
	ca, cert, key := env("CERTIFICATE"), env("CLIENT_CERTIFICATE"), env("CLIENT_KEY")
	if ca == "" && cert == "" && key == "" {
		return nil, nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_CERTIFICATE: %w", err)
		}
		conf.RootCAs = x509.NewCertPool()
		if !conf.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_CERTIFICATE: %s holds no PEM certificate", ca)
		}
	}
	if cert != "" || key != "" {
		if cert == "" || key == "" {
			return nil, errors.New("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and OTEL_EXPORTER_OTLP_CLIENT_KEY go together")
		}
		c, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: %w", err)
		}
		conf.Certificates = []tls.Certificate{c}
	}
	return conf, nil
}

// ExportSpans sends one batch, retrying what a collector says to retry
// until the export's timeout (or ctx's deadline, if sooner).
func (e *otlpExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if e.stopped.Load() {
		return errors.New("otlp exporter: shut down")
	}
	if len(spans) == 0 {
		return nil
	}
	body := appendExportRequest(nil, spans)
	if e.gzip {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write(body)
		if err := zw.Close(); err != nil {
			return err
		}
		body = b.Bytes()
	}
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	wait := e.backoff
	for {
		retryAfter, err := e.post(ctx, body)
		if err == nil || retryAfter < 0 {
			return err
		}
		if retryAfter == 0 {
			retryAfter = wait
			wait = min(2*wait, 30*time.Second)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < retryAfter {
			return err // no time left for another try
		}
		if e.sleep(ctx, retryAfter) != nil {
			return err
		}
	}
}

// post sends body once. retryAfter < 0: the failure is final; 0: retry
// after the exporter's backoff; > 0: after what the collector asked.
func (e *otlpExporter) post(ctx context.Context, body []byte) (retryAfter time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return -1, err
	}
	for k, v := range e.headers {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("User-Agent", "switchyard-otlp")
	if e.gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := e.client.Do(req)
	if err != nil {
		err = fmt.Errorf("otlp export: %w", err)
		if ctx.Err() != nil || !transient(err) {
			return -1, err
		}
		return 0, err // the collector may be restarting
	}
	defer func() {
		// What is left of a long answer is read (up to a bound), so the
		// connection can carry the next export.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
	}()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, otlpMaxResponse))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/x-protobuf") {
			return 0, nil
		}
		switch rejected, msg, ok := partialSuccess(answer); {
		case ok && rejected > 0:
			return -1, fmt.Errorf("otlp export: the collector rejected %d spans: %s", rejected, msg)
		case ok && msg != "":
			// All accepted, with a warning (the OTLP specification's
			// partial success with nothing rejected): reported, not failed.
			otel.Handle(fmt.Errorf("otlp export: the collector warns: %s", msg))
		}
		return 0, nil
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusBadGateway,
		resp.StatusCode == http.StatusServiceUnavailable, resp.StatusCode == http.StatusGatewayTimeout:
		// Retry-After in seconds or as a date, as a provider's is read.
		return max(0, provider.ParseRetryAfter(resp.Header, time.Now())), fmt.Errorf("otlp export: %s", resp.Status)
	default:
		return -1, fmt.Errorf("otlp export: %s: %s", resp.Status, bytes.TrimSpace(answer[:min(len(answer), 512)]))
	}
}

// transient reports whether a failed request may succeed when sent again:
// a refused, reset or timed-out connection (a collector restarting, a
// network blip). A certificate that does not verify, a header net/http
// refuses, a malformed URL would fail every retry the same way.
func transient(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// Shutdown stops the exporter: later exports fail.
func (e *otlpExporter) Shutdown(context.Context) error {
	e.stopped.Store(true)
	e.client.CloseIdleConnections()
	return nil
}

var _ sdktrace.SpanExporter = (*otlpExporter)(nil)

// appendExportRequest encodes an ExportTraceServiceRequest of spans:
// grouped by resource, then by instrumentation scope, in the order they
// first appear.
func appendExportRequest(b []byte, spans []sdktrace.ReadOnlySpan) []byte {
	type scopeSpans struct {
		scope instrumentation.Scope
		spans []sdktrace.ReadOnlySpan
	}
	type resourceSpans struct {
		res    *resource.Resource
		scopes []*scopeSpans
	}
	var groups []*resourceSpans
	byRes := map[attribute.Distinct]*resourceSpans{}
	for _, s := range spans {
		if s == nil {
			continue
		}
		key := s.Resource().Equivalent()
		rs := byRes[key]
		if rs == nil {
			rs = &resourceSpans{res: s.Resource()}
			byRes[key] = rs
			groups = append(groups, rs)
		}
		var ss *scopeSpans
		for _, x := range rs.scopes {
			if x.scope == s.InstrumentationScope() {
				ss = x
				break
			}
		}
		if ss == nil {
			ss = &scopeSpans{scope: s.InstrumentationScope()}
			rs.scopes = append(rs.scopes, ss)
		}
		ss.spans = append(ss.spans, s)
	}
	for _, rs := range groups {
		b = appendMessage(b, 1, func(b []byte) []byte { // resource_spans
			if rs.res != nil {
				b = appendMessage(b, 1, func(b []byte) []byte { // resource
					iter := rs.res.Iter()
					for iter.Next() {
						b = appendKeyValue(b, 1, iter.Attribute())
					}
					return b
				})
			}
			for _, ss := range rs.scopes {
				b = appendMessage(b, 2, func(b []byte) []byte { // scope_spans
					if ss.scope != (instrumentation.Scope{}) {
						b = appendMessage(b, 1, func(b []byte) []byte { // scope
							b = appendString(b, 1, ss.scope.Name)
							b = appendString(b, 2, ss.scope.Version)
							iter := ss.scope.Attributes.Iter()
							for iter.Next() {
								b = appendKeyValue(b, 3, iter.Attribute())
							}
							return b
						})
					}
					for _, s := range ss.spans {
						b = appendMessage(b, 2, func(b []byte) []byte { return appendSpan(b, s) })
					}
					return appendString(b, 3, ss.scope.SchemaURL)
				})
			}
			if rs.res != nil {
				b = appendString(b, 3, rs.res.SchemaURL())
			}
			return b
		})
	}
	return b
}

// appendSpan encodes a Span message's fields.
func appendSpan(b []byte, s sdktrace.ReadOnlySpan) []byte {
	sc, parent := s.SpanContext(), s.Parent()
	tid, sid := sc.TraceID(), sc.SpanID()
	b = appendBytes(b, 1, tid[:])
	b = appendBytes(b, 2, sid[:])
	b = appendString(b, 3, sc.TraceState().String())
	if psid := parent.SpanID(); psid.IsValid() {
		b = appendBytes(b, 4, psid[:])
	}
	b = appendString(b, 5, s.Name())
	b = appendVarintField(b, 6, uint64(spanKind(s.SpanKind())))
	b = appendFixed64(b, 7, unixNano(s.StartTime()))
	b = appendFixed64(b, 8, unixNano(s.EndTime()))
	for _, kv := range s.Attributes() {
		b = appendKeyValue(b, 9, kv)
	}
	b = appendVarintField(b, 10, clampUint32(s.DroppedAttributes()))
	for _, ev := range s.Events() {
		b = appendMessage(b, 11, func(b []byte) []byte {
			b = appendFixed64(b, 1, unixNano(ev.Time))
			b = appendString(b, 2, ev.Name)
			for _, kv := range ev.Attributes {
				b = appendKeyValue(b, 3, kv)
			}
			return appendVarintField(b, 4, clampUint32(ev.DroppedAttributeCount))
		})
	}
	b = appendVarintField(b, 12, clampUint32(s.DroppedEvents()))
	for _, l := range s.Links() {
		b = appendMessage(b, 13, func(b []byte) []byte {
			ltid, lsid := l.SpanContext.TraceID(), l.SpanContext.SpanID()
			b = appendBytes(b, 1, ltid[:])
			b = appendBytes(b, 2, lsid[:])
			for _, kv := range l.Attributes {
				b = appendKeyValue(b, 4, kv)
			}
			b = appendVarintField(b, 5, clampUint32(l.DroppedAttributeCount))
			return appendFixed32(b, 6, spanFlags(l.SpanContext.TraceFlags(), l.SpanContext))
		})
	}
	b = appendVarintField(b, 14, clampUint32(s.DroppedLinks()))
	st := s.Status()
	b = appendMessage(b, 15, func(b []byte) []byte { // status, always present
		b = appendString(b, 2, st.Description)
		return appendVarintField(b, 3, uint64(statusCode(st.Code)))
	})
	return appendFixed32(b, 16, spanFlags(sc.TraceFlags(), parent))
}

// spanFlags: the W3C trace flags, and whether the parent is remote (with
// the bit that says that is known), as the OTLP Span.flags field defines.
func spanFlags(tf oteltrace.TraceFlags, parent oteltrace.SpanContext) uint32 {
	const hasIsRemote, isRemote = 0x100, 0x200
	f := uint32(tf) | hasIsRemote
	if parent.IsRemote() {
		f |= isRemote
	}
	return f
}

// spanKind is the OTLP SpanKind enum: the SDK's values, unspecified for
// anything else.
func spanKind(k oteltrace.SpanKind) int {
	if k >= oteltrace.SpanKindInternal && k <= oteltrace.SpanKindConsumer {
		return int(k)
	}
	return 0
}

// statusCode is the OTLP Status.StatusCode enum (unset 0, ok 1, error 2).
func statusCode(c codes.Code) int {
	switch c {
	case codes.Ok:
		return 1
	case codes.Error:
		return 2
	}
	return 0
}

func unixNano(t time.Time) uint64 { return uint64(max(0, t.UnixNano())) }

func clampUint32(v int) uint64 {
	return uint64(min(max(v, 0), math.MaxUint32))
}

// appendKeyValue encodes a KeyValue as field num.
func appendKeyValue(b []byte, num int, kv attribute.KeyValue) []byte {
	return appendMessage(b, num, func(b []byte) []byte {
		b = appendString(b, 1, string(kv.Key))
		return appendMessage(b, 2, func(b []byte) []byte { return appendAnyValue(b, kv.Value) })
	})
}

// appendAnyValue encodes an AnyValue's fields (none for an empty value).
func appendAnyValue(b []byte, v attribute.Value) []byte {
	switch v.Type() {
	case attribute.STRING:
		return appendStringAlways(b, 1, v.AsString())
	case attribute.BOOL:
		return appendVarintAlways(b, 2, boolUint(v.AsBool()))
	case attribute.INT64:
		return appendVarintAlways(b, 3, uint64(v.AsInt64()))
	case attribute.FLOAT64:
		return appendFixed64Always(b, 4, math.Float64bits(v.AsFloat64()))
	// The slice accessors copy the slice: each is called once.
	case attribute.BOOLSLICE:
		vals := v.AsBoolSlice()
		return appendArray(b, len(vals), func(b []byte, i int) []byte { return appendVarintAlways(b, 2, boolUint(vals[i])) })
	case attribute.INT64SLICE:
		vals := v.AsInt64Slice()
		return appendArray(b, len(vals), func(b []byte, i int) []byte { return appendVarintAlways(b, 3, uint64(vals[i])) })
	case attribute.FLOAT64SLICE:
		vals := v.AsFloat64Slice()
		return appendArray(b, len(vals), func(b []byte, i int) []byte {
			return appendFixed64Always(b, 4, math.Float64bits(vals[i]))
		})
	case attribute.STRINGSLICE:
		vals := v.AsStringSlice()
		return appendArray(b, len(vals), func(b []byte, i int) []byte { return appendStringAlways(b, 1, vals[i]) })
	case attribute.BYTESLICE:
		return appendBytesAlways(b, 7, v.AsByteSlice())
	case attribute.SLICE:
		vals := v.AsSlice()
		return appendArray(b, len(vals), func(b []byte, i int) []byte { return appendAnyValue(b, vals[i]) })
	case attribute.MAP:
		return appendMessage(b, 6, func(b []byte) []byte { // kvlist_value
			for _, kv := range v.AsMap() {
				b = appendKeyValue(b, 1, kv)
			}
			return b
		})
	case attribute.EMPTY:
		return b
	}
	return appendStringAlways(b, 1, "INVALID")
}

// appendArray encodes an array_value of n AnyValues, the i-th's fields
// appended by elem.
func appendArray(b []byte, n int, elem func(b []byte, i int) []byte) []byte {
	return appendMessage(b, 5, func(b []byte) []byte {
		for i := 0; i < n; i++ {
			b = appendMessage(b, 1, func(b []byte) []byte { return elem(b, i) })
		}
		return b
	})
}

func boolUint(v bool) uint64 {
	if v {
		return 1
	}
	return 0
}
