package otel

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	oteltrace "go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
)

// collector is an OTLP/HTTP endpoint on 127.0.0.1 that keeps each
// request, answering with the status codes queued in answers (then 200).
type collector struct {
	*httptest.Server
	mu       sync.Mutex
	bodies   [][]byte
	requests []*http.Request
	answers  []func(http.ResponseWriter)
}

func newCollector(t *testing.T) *collector {
	t.Helper()
	c := &collector{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := io.Reader(r.Body)
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		raw, _ := io.ReadAll(body)
		c.mu.Lock()
		c.bodies, c.requests = append(c.bodies, raw), append(c.requests, r)
		var answer func(http.ResponseWriter)
		if len(c.answers) > 0 {
			answer, c.answers = c.answers[0], c.answers[1:]
		}
		c.mu.Unlock()
		if answer != nil {
			answer(w)
			return
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *collector) got(t *testing.T) ([][]byte, []*http.Request) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bodies, c.requests
}

func env(vars ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(vars); i += 2 {
		m[vars[i]] = vars[i+1]
	}
	return func(k string) string { return m[k] }
}

// testSpans is every shape of span the encoder must handle: each attribute
// type, events, links, statuses, kinds, remote and local parents, trace
// state, dropped counts, values long enough for multi-byte lengths, two
// resources and two scopes.
func testSpans(t *testing.T) []sdktrace.ReadOnlySpan {
	t.Helper()
	tid := oteltrace.TraceID{0x6b, 0x17, 0x0a, 0xb7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	sc := func(sid byte, remote bool, state string) oteltrace.SpanContext {
		ts, err := oteltrace.ParseTraceState(state)
		if err != nil {
			t.Fatal(err)
		}
		return oteltrace.NewSpanContext(oteltrace.SpanContextConfig{TraceID: tid, SpanID: oteltrace.SpanID{sid, 1, 2, 3, 4, 5, 6, 7},
			TraceFlags: oteltrace.FlagsSampled, TraceState: ts, Remote: remote})
	}
	resA := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0",
		attribute.String("service.name", "switchyard"), attribute.String("cloud.region", "eu-west-1"))
	resB := resource.NewSchemaless(attribute.String("service.name", "other"), attribute.Int("n", 3))
	scopeA := instrumentation.Scope{Name: scope}
	scopeB := instrumentation.Scope{Name: "b", Version: "1.2.3", SchemaURL: "https://example.com/s",
		Attributes: attribute.NewSet(attribute.Bool("x", true))}
	t0 := time.Date(2026, 12, 7, 20, 0, 0, 123456789, time.UTC)
	long := strings.Repeat("a long attribute value ", 1000) // 23 KB: a three-byte length
	stubs := []tracetest.SpanStub{
		{
			Name: "POST /v1/chat/completions", SpanContext: sc(1, false, "vendor=x"), Parent: sc(9, true, ""),
			SpanKind: oteltrace.SpanKindServer, StartTime: t0, EndTime: t0.Add(3 * time.Millisecond),
			Attributes: []attribute.KeyValue{
				attribute.String("s", "v"), attribute.String("empty", ""), attribute.Bool("t", true), attribute.Bool("f", false),
				attribute.Int64("i", -42), attribute.Int64("zero", 0), attribute.Float64("d", 0.25), attribute.Float64("dzero", 0),
				attribute.StringSlice("ss", []string{"stop", "", "length"}), attribute.BoolSlice("bs", []bool{true, false}),
				attribute.Int64Slice("is", []int64{1, -1, 0}), attribute.Float64Slice("ds", []float64{1.5, 0}),
				attribute.String("long", long), attribute.String("medium", strings.Repeat("m", 200)),
			},
			Status:   sdktrace.Status{Code: codes.Error, Description: "every candidate failed"},
			Resource: resA, InstrumentationScope: scopeA, DroppedAttributes: 2, DroppedEvents: 1, DroppedLinks: 3,
			Events: []sdktrace.Event{
				{Name: "exception", Time: t0.Add(time.Millisecond), Attributes: []attribute.KeyValue{attribute.String("exception.message", "boom")}, DroppedAttributeCount: 1},
				{Name: "bare", Time: t0},
			},
			Links: []sdktrace.Link{
				{SpanContext: sc(7, true, "a=b"), Attributes: []attribute.KeyValue{attribute.Int("k", 1)}, DroppedAttributeCount: 4},
				{SpanContext: sc(8, false, "")},
			},
		},
		{Name: "routing", SpanContext: sc(2, false, ""), Parent: sc(1, false, ""), StartTime: t0, EndTime: t0.Add(time.Millisecond),
			Status: sdktrace.Status{Code: codes.Ok}, Resource: resA, InstrumentationScope: scopeA},
		{Name: "chat gpt-4o", SpanContext: sc(3, false, ""), Parent: sc(2, false, ""), SpanKind: oteltrace.SpanKindClient,
			StartTime: t0, EndTime: t0.Add(time.Millisecond), Resource: resA, InstrumentationScope: scopeB},
		{Name: "root", SpanContext: sc(4, false, ""), SpanKind: oteltrace.SpanKindProducer, StartTime: t0, EndTime: t0,
			Resource: resB, InstrumentationScope: scopeB},
		{Name: "unscoped", SpanContext: sc(5, false, ""), SpanKind: oteltrace.SpanKindConsumer, Resource: resB},
	}
	return tracetest.SpanStubs(stubs).Snapshots()
}

// decode reads an export request, its resource and scope groups sorted
// (the SDK's exporter groups them through a map: its order varies).
func decode(t *testing.T, raw []byte) *coltracepb.ExportTraceServiceRequest {
	t.Helper()
	var msg coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(raw, &msg); err != nil {
		t.Fatalf("not an ExportTraceServiceRequest: %v", err)
	}
	key := func(m proto.Message) string { return prototext.MarshalOptions{}.Format(m) }
	for _, rs := range msg.ResourceSpans {
		sort.Slice(rs.ScopeSpans, func(i, j int) bool { return key(rs.ScopeSpans[i].Scope) < key(rs.ScopeSpans[j].Scope) })
	}
	sort.Slice(msg.ResourceSpans, func(i, j int) bool {
		return key(msg.ResourceSpans[i].Resource) < key(msg.ResourceSpans[j].Resource)
	})
	return &msg
}

// TestOTLPMatchesTheSDKExporter: the same spans, exported by this exporter
// and by the SDK's otlptracehttp, decode to the same message.
func TestOTLPMatchesTheSDKExporter(t *testing.T) {
	spans := testSpans(t)
	ctx := context.Background()

	ours := newCollector(t)
	e, err := newOTLPExporter(env("OTEL_EXPORTER_OTLP_ENDPOINT", ours.URL))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ExportSpans(ctx, spans); err != nil {
		t.Fatalf("export: %v", err)
	}

	theirs := newCollector(t)
	sdk, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(theirs.URL+"/v1/traces"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sdk.ExportSpans(ctx, spans); err != nil {
		t.Fatalf("SDK export: %v", err)
	}
	_ = sdk.Shutdown(ctx)

	got, reqs := ours.got(t)
	want, _ := theirs.got(t)
	if len(got) != 1 || len(want) != 1 {
		t.Fatalf("%d and %d requests, want one each", len(got), len(want))
	}
	if r := reqs[0]; r.URL.Path != "/v1/traces" || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-protobuf" {
		t.Errorf("sent %s %s (%s), want POST /v1/traces application/x-protobuf", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	}
	g, w := decode(t, got[0]), decode(t, want[0])
	if !proto.Equal(g, w) {
		t.Errorf("the export differs from the SDK's\n got %v\nwant %v", prototext.Format(g), prototext.Format(w))
	}
}

// TestOTLPEndpointAndSettings: the OTEL_EXPORTER_OTLP_* variables as the
// specification reads them; what cannot be honoured is refused.
func TestOTLPEndpointAndSettings(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  []string
		url  string
		err  string
	}{
		{"default", nil, "http://localhost:4318/v1/traces", ""},
		{"base endpoint", []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://otel.example.com:4318"}, "https://otel.example.com:4318/v1/traces", ""},
		{"base endpoint with a path", []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/otlp/"}, "http://c:4318/otlp/v1/traces", ""},
		{"traces endpoint as is", []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://base", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/custom"}, "http://c:4318/custom", ""},
		{"traces endpoint without a path", []string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318"}, "http://c:4318/", ""},
		{"not a URL", []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "c:4318"}, "", "want an http:// or https:// URL"},
		{"grpc", []string{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}, "", "not supported"},
		{"json", []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"}, "", "not supported"},
		{"protobuf", []string{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"}, "http://localhost:4318/v1/traces", ""},
		{"bad timeout", []string{"OTEL_EXPORTER_OTLP_TIMEOUT", "10s"}, "", "milliseconds"},
		{"bad compression", []string{"OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"}, "", "gzip or none"},
		{"bad headers", []string{"OTEL_EXPORTER_OTLP_HEADERS", "novalue"}, "", "not key=value"},
		{"header name with a space", []string{"OTEL_EXPORTER_OTLP_HEADERS", "bad key=v"}, "", "not a valid header name"},
		{"header value with a newline", []string{"OTEL_EXPORTER_OTLP_HEADERS", "x-a=b%0Ac"}, "", "control character"},
		{"trailing comma", []string{"OTEL_EXPORTER_OTLP_HEADERS", "a=b,"}, "http://localhost:4318/v1/traces", ""},
		{"compression in capitals", []string{"OTEL_EXPORTER_OTLP_COMPRESSION", "GZIP"}, "http://localhost:4318/v1/traces", ""},
		{"huge timeout", []string{"OTEL_EXPORTER_OTLP_TIMEOUT", "9999999999999999"}, "http://localhost:4318/v1/traces", ""},
		{"client certificate without key", []string{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/c.pem"}, "", "go together"},
		{"missing CA file", []string{"OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent.pem"}, "", "CERTIFICATE"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, err := newOTLPExporter(env(tt.env...))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.url != tt.url {
				t.Errorf("url %s, want %s", e.url, tt.url)
			}
		})
	}

	c := newCollector(t)
	e, err := newOTLPExporter(env("OTEL_EXPORTER_OTLP_ENDPOINT", c.URL, "OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20abc, x-team = obs",
		"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-team=traces", "OTEL_EXPORTER_OTLP_COMPRESSION", "gzip", "OTEL_EXPORTER_OTLP_TIMEOUT", "2500"))
	if err != nil {
		t.Fatal(err)
	}
	if e.timeout != 2500*time.Millisecond {
		t.Errorf("timeout %v, want 2.5s", e.timeout)
	}
	if err := e.ExportSpans(context.Background(), testSpans(t)[:1]); err != nil {
		t.Fatal(err)
	}
	bodies, reqs := c.got(t)
	r := reqs[0]
	// The traces variable replaces the general one (it is not merged).
	if r.Header.Get("Authorization") != "" || r.Header.Get("X-Team") != "traces" || r.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("headers %v, want the traces headers only and gzip", r.Header)
	}
	if len(decode(t, bodies[0]).ResourceSpans) != 1 {
		t.Error("the gzipped request does not decode to one resource")
	}
}

// TestOTLPRetries: 429, 502, 503 and 504 are retried (after Retry-After
// when the collector gives one), anything else is final, and a partial
// success is reported.
func TestOTLPRetries(t *testing.T) {
	status := func(code int, retryAfter string) func(http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(code)
		}
	}
	for _, tt := range []struct {
		name     string
		answers  []func(http.ResponseWriter)
		requests int
		err      string
	}{
		{"retried until accepted", []func(http.ResponseWriter){status(503, ""), status(429, "1"), status(502, ""), status(504, "")}, 5, ""},
		{"bad request is final", []func(http.ResponseWriter){status(400, "")}, 1, "400"},
		{"partial success", []func(http.ResponseWriter){func(w http.ResponseWriter) {
			// ExportTraceServiceResponse{partial_success: {rejected_spans: 2, error_message: "too old"}}
			w.Header().Set("Content-Type", "application/x-protobuf")
			_, _ = w.Write([]byte{0x0a, 0x0b, 0x08, 0x02, 0x12, 0x07, 't', 'o', 'o', ' ', 'o', 'l', 'd'})
		}}, 1, "rejected 2 spans: too old"},
		{"a warning is no failure", []func(http.ResponseWriter){func(w http.ResponseWriter) {
			// partial_success: {rejected_spans: 0, error_message: "slow down"}
			w.Header().Set("Content-Type", "application/x-protobuf")
			_, _ = w.Write([]byte{0x0a, 0x0b, 0x12, 0x09, 's', 'l', 'o', 'w', ' ', 'd', 'o', 'w', 'n'})
		}}, 1, ""},
		{"an answer that is not protobuf is not read", []func(http.ResponseWriter){func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"partialSuccess":{"rejectedSpans":1}}`))
		}}, 1, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newCollector(t)
			c.answers = tt.answers
			e, err := newOTLPExporter(env("OTEL_EXPORTER_OTLP_ENDPOINT", c.URL))
			if err != nil {
				t.Fatal(err)
			}
			e.backoff = time.Millisecond
			var waits []time.Duration
			e.sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
			err = e.ExportSpans(context.Background(), testSpans(t)[:1])
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("err %v, want %q", err, tt.err)
			}
			if bodies, _ := c.got(t); len(bodies) != tt.requests {
				t.Errorf("%d requests, want %d", len(bodies), tt.requests)
			}
			if tt.name == "retried until accepted" {
				want := []time.Duration{time.Millisecond, time.Second, 2 * time.Millisecond, 4 * time.Millisecond}
				if len(waits) != len(want) || waits[0] != want[0] || waits[1] != want[1] || waits[2] != want[2] || waits[3] != want[3] {
					t.Errorf("waited %v, want %v (Retry-After honoured, the backoff doubling)", waits, want)
				}
			}
		})
	}

	// A transport failure is retried when it may pass (the collector not
	// listening yet), not when it cannot (TLS to a plain HTTP port).
	for _, tt := range []struct {
		name  string
		url   string
		waits int
	}{
		{"connection refused", "http://127.0.0.1:1", 3},
		{"TLS to plain HTTP", strings.Replace(newCollector(t).URL, "http:", "https:", 1), 0},
	} {
		e, err := newOTLPExporter(env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", tt.url))
		if err != nil {
			t.Fatal(err)
		}
		waits := 0
		e.sleep = func(context.Context, time.Duration) error {
			if waits++; waits == 3 {
				return context.Canceled // enough: the test only counts
			}
			return nil
		}
		if err := e.ExportSpans(context.Background(), testSpans(t)[:1]); err == nil {
			t.Errorf("%s: export succeeded", tt.name)
		}
		if waits != tt.waits {
			t.Errorf("%s: waited %d times before giving up, want %d", tt.name, waits, tt.waits)
		}
	}

	// After Shutdown, nothing is sent.
	c := newCollector(t)
	e, _ := newOTLPExporter(env("OTEL_EXPORTER_OTLP_ENDPOINT", c.URL))
	_ = e.Shutdown(context.Background())
	if err := e.ExportSpans(context.Background(), testSpans(t)[:1]); err == nil {
		t.Error("export after shutdown succeeded")
	}
	if bodies, _ := c.got(t); len(bodies) != 0 {
		t.Error("export after shutdown reached the collector")
	}
}

// TestAppendMessageLengths: an embedded message's length prefix is right
// at every width (one byte up to 127, then two, three...).
func TestAppendMessageLengths(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 300, 16383, 16384, 70000} {
		payload := bytes.Repeat([]byte{'x'}, n)
		b := appendMessage([]byte{0xff}, 3, func(b []byte) []byte { return append(b, payload...) })
		fields, ok := protoFields(b[1:])
		if !ok || !bytes.Equal(fields[3].bytes, payload) {
			t.Errorf("length %d: did not decode back", n)
		}
	}
}
