package otel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/switchyard-llm/switchyard/internal/trace"
)

var epoch = time.Unix(0x5759e988, 0)

func newTest(t *testing.T) (*Tracer, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tr, err := New(Options{Exporter: exp, Now: func() time.Time { return epoch }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	return tr, exp
}

func flushed(t *testing.T, tr *Tracer, exp *tracetest.InMemoryExporter) map[string]tracetest.SpanStub {
	t.Helper()
	if err := tr.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := map[string]tracetest.SpanStub{}
	for _, s := range exp.GetSpans() {
		out[s.Name] = s
	}
	return out
}

func attrMap(kv []attribute.KeyValue) map[string]any {
	out := map[string]any{}
	for _, a := range kv {
		out[string(a.Key)] = a.Value.AsInterface()
	}
	return out
}

// TestAnnotationsBecomeAttributes: the engine's annotation keys map to the
// GenAI semantic conventions' names, or switchyard.<key>.
func TestAnnotationsBecomeAttributes(t *testing.T) {
	tr, exp := newTest(t)
	ctx, routing := tr.Start(context.Background(), "routing")
	routing.Annotate("router", "smart")
	routing.Annotate("request_model", "smart")
	routing.Annotate("route", "b")
	routing.Metadata("candidates", []string{"a/x", "b/y"})
	routing.Metadata("scores", []map[string]any{{"target": "a/x", "score": 0.5}})
	_, att := tr.Start(ctx, "attempt")
	att.Annotate("provider_type", "gemini")
	att.Annotate("model", "gemini-2.5-pro")
	att.Annotate("status", 0)
	att.Annotate("error_class", "network")
	att.Annotate("input_tokens", 3)
	att.Metadata("finish_reasons", []string{"stop", "length"})
	att.End(errors.New("connection reset"))
	routing.End(nil)

	spans := flushed(t, tr, exp)
	cases := []struct {
		span, key string
		want      any
	}{
		{"routing", "gen_ai.operation.name", "chat"},
		{"routing", "gen_ai.request.model", "smart"},
		{"routing", "switchyard.router", "smart"},
		{"routing", "switchyard.arm", "b"},
		{"routing", "switchyard.candidates", []string{"a/x", "b/y"}},
		{"routing", "switchyard.scores", `[{"score":0.5,"target":"a/x"}]`},
		{"chat gemini-2.5-pro", "gen_ai.operation.name", "chat"},
		{"chat gemini-2.5-pro", "gen_ai.provider.name", "gcp.gemini"},
		{"chat gemini-2.5-pro", "gen_ai.system", "gcp.gemini"},
		{"chat gemini-2.5-pro", "gen_ai.request.model", "gemini-2.5-pro"},
		{"chat gemini-2.5-pro", "switchyard.status", int64(0)},
		{"chat gemini-2.5-pro", "http.response.status_code", nil}, // no HTTP answer
		{"chat gemini-2.5-pro", "error.type", "network"},
		{"chat gemini-2.5-pro", "switchyard.error_class", "network"},
		{"chat gemini-2.5-pro", "gen_ai.usage.input_tokens", int64(3)},
		{"chat gemini-2.5-pro", "gen_ai.response.finish_reasons", []string{"stop", "length"}},
	}
	for _, c := range cases {
		s, ok := spans[c.span]
		if !ok {
			t.Fatalf("no span %q in %v", c.span, spans)
		}
		got := attrMap(s.Attributes)[c.key]
		if gs, ok := got.([]string); ok {
			got = strings.Join(gs, ",")
			if ws, ok := c.want.([]string); ok {
				c.want = strings.Join(ws, ",")
			}
		}
		if got != c.want {
			t.Errorf("%s: %s = %#v, want %#v", c.span, c.key, got, c.want)
		}
	}
	att2 := spans["chat gemini-2.5-pro"]
	if att2.SpanKind != oteltrace.SpanKindClient || att2.Status.Code != codes.Error || att2.Status.Description != "connection reset" {
		t.Errorf("attempt: kind %v status %+v, want CLIENT, Error \"connection reset\"", att2.SpanKind, att2.Status)
	}
	if att2.Parent.SpanID() != spans["routing"].SpanContext.SpanID() {
		t.Error("attempt span is not under the routing span")
	}
}

// TestOperationNamesSpans: the engine's operation annotation sets
// gen_ai.operation.name to the conventions' value ("embeddings", or
// "chat" for the Messages and Responses APIs) and switchyard.operation to
// the gateway's, and names the attempt span after it, whichever of
// operation and model is annotated first.
func TestOperationNamesSpans(t *testing.T) {
	tests := []struct {
		op, wantGenAI, wantName string
		modelFirst              bool
	}{
		{op: "embeddings", wantGenAI: "embeddings", wantName: "embeddings text-embedding-004"},
		{op: "embeddings", wantGenAI: "embeddings", wantName: "embeddings text-embedding-004", modelFirst: true},
		{op: "messages", wantGenAI: "chat", wantName: "chat text-embedding-004"},
		{op: "responses", wantGenAI: "chat", wantName: "chat text-embedding-004"},
		{op: "chat", wantGenAI: "chat", wantName: "chat text-embedding-004"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.op, tt.modelFirst), func(t *testing.T) {
			tr, exp := newTest(t)
			ctx, routing := tr.Start(context.Background(), "routing")
			routing.Annotate("operation", tt.op)
			_, att := tr.Start(ctx, "attempt")
			if tt.modelFirst {
				att.Annotate("model", "text-embedding-004")
				att.Annotate("operation", tt.op)
			} else {
				att.Annotate("operation", tt.op)
				att.Annotate("model", "text-embedding-004")
			}
			att.End(nil)
			routing.End(nil)
			spans := flushed(t, tr, exp)
			a, ok := spans[tt.wantName]
			if !ok {
				t.Fatalf("no attempt span %q in %v", tt.wantName, spans)
			}
			for _, s := range []struct {
				name  string
				attrs map[string]any
			}{{"routing", attrMap(spans["routing"].Attributes)}, {tt.wantName, attrMap(a.Attributes)}} {
				if s.attrs["gen_ai.operation.name"] != tt.wantGenAI || s.attrs["switchyard.operation"] != tt.op {
					t.Errorf("%s: gen_ai.operation.name %v switchyard.operation %v, want %s and %s", s.name,
						s.attrs["gen_ai.operation.name"], s.attrs["switchyard.operation"], tt.wantGenAI, tt.op)
				}
			}
		})
	}
}

// TestTraceIDsAreXRayCompatible: a new trace's id starts with the epoch
// seconds (X-Ray refuses others) and TraceID returns it as 32 hex digits.
func TestTraceIDsAreXRayCompatible(t *testing.T) {
	tr, _ := newTest(t)
	_, s := tr.Start(context.Background(), "routing")
	defer s.End(nil)
	id := s.TraceID()
	if len(id) != 32 || !strings.HasPrefix(id, "5759e988") {
		t.Fatalf("trace id %q, want 32 hex digits starting with the epoch 5759e988", id)
	}
	if x := XRayTraceID(id); x != "1-5759e988-"+id[8:] {
		t.Errorf("XRayTraceID = %q", x)
	}
	if XRayTraceID("1-5759e988-bd862e3fe1be46a994272793") != "" || XRayTraceID(strings.Repeat("g", 32)) != "" {
		t.Error("XRayTraceID accepted an id that is not 32 hex digits")
	}
}

// TestHandlerContinuesTraces: the server span continues the caller's
// traceparent, else the Lambda invocation's X-Ray header, else starts a
// trace; the engine's spans under it inject the same trace upstream.
func TestHandlerContinuesTraces(t *testing.T) {
	const w3c = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	const lambdaHeader = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	const apiGateway = "Root=1-6745f0a1-0123456789abcdef01234567;Parent=1111111111111111;Sampled=1"
	cases := []struct {
		name, traceparent, lambda, amzn string
		wantTrace, wantParent           string
	}{
		{"traceparent", w3c, "", "", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"},
		{"traceparent wins over lambda", w3c, lambdaHeader, apiGateway, "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"},
		{"lambda", "", lambdaHeader, "", "5759e988bd862e3fe1be46a994272793", "53995c3f42cd8ad8"},
		{"lambda wins over the header", "", lambdaHeader, apiGateway, "5759e988bd862e3fe1be46a994272793", "53995c3f42cd8ad8"},
		{"X-Amzn-Trace-Id", "", "", apiGateway, "6745f0a10123456789abcdef01234567", "1111111111111111"},
		{"X-Amzn-Trace-Id without Parent (ALB)", "", "", "Root=1-6745f0a1-0123456789abcdef01234567", "5759e988", ""},
		{"malformed traceparent", "00-zz-00f067aa0ba902b7-01", "", "", "5759e988", ""},
		{"none", "", "", "", "5759e988", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr, exp := newTest(t)
			var gotID string
			outgoing := http.Header{}
			h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ctx, s := tr.Start(r.Context(), "attempt")
				gotID = s.TraceID()
				if !trace.Inject(ctx, outgoing) {
					t.Error("Start set no injector")
				}
				s.End(nil)
				w.WriteHeader(http.StatusTeapot)
			}))
			req := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", nil)
			if c.traceparent != "" {
				req.Header.Set("traceparent", c.traceparent)
			}
			if c.amzn != "" {
				req.Header.Set("X-Amzn-Trace-Id", c.amzn)
			}
			if c.lambda != "" {
				// aws-lambda-go's own key, a plain string.
				req = req.WithContext(context.WithValue(req.Context(), lambdaTraceKey, c.lambda))
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			if !strings.HasPrefix(gotID, c.wantTrace) || len(gotID) != 32 {
				t.Errorf("trace id %q, want %s…", gotID, c.wantTrace)
			}
			spans := flushed(t, tr, exp)
			srv := spans["POST /v1/chat/completions"]
			if srv.SpanKind != oteltrace.SpanKindServer || attrMap(srv.Attributes)[AttrHTTPStatus] != int64(http.StatusTeapot) {
				t.Errorf("server span kind %v attrs %v", srv.SpanKind, srv.Attributes)
			}
			if got := srv.Parent.SpanID(); c.wantParent != "" && got.String() != c.wantParent {
				t.Errorf("server span parent %s, want %s", got, c.wantParent)
			} else if c.wantParent == "" && srv.Parent.IsValid() {
				t.Errorf("server span has parent %s, want a new trace", got)
			}
			want := "00-" + gotID + "-" + spans["attempt"].SpanContext.SpanID().String() + "-01"
			if got := outgoing.Get("traceparent"); got != want {
				t.Errorf("outgoing traceparent %q, want %q", got, want)
			}
		})
	}
}

// TestUnsampledTraceKeepsItsID: a caller that does not sample (flags 00)
// gets no exported span, yet its trace id is still the request's and is
// passed on unsampled.
func TestUnsampledTraceKeepsItsID(t *testing.T) {
	tr, exp := newTest(t)
	outgoing := http.Header{}
	var id string
	var rec bool
	h := tr.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		ctx, s := tr.Start(r.Context(), "routing")
		id, rec = s.TraceID(), s.(*span).Recording()
		trace.Inject(ctx, outgoing)
		s.End(nil)
	}))
	req := httptest.NewRequest(http.MethodGet, "/v1/models", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if id != "4bf92f3577b34da6a3ce929d0e0e4736" || rec {
		t.Errorf("trace id %q recording %v, want the caller's, not recorded", id, rec)
	}
	if got := outgoing.Get("traceparent"); !strings.HasPrefix(got, "00-4bf92f3577b34da6a3ce929d0e0e4736-") || !strings.HasSuffix(got, "-00") {
		t.Errorf("outgoing traceparent %q, want the caller's trace, unsampled", got)
	}
	if n := len(flushed(t, tr, exp)); n != 0 {
		t.Errorf("%d spans exported for an unsampled trace", n)
	}
}

// TestServerSpanNamesAreBounded: paths outside the gateway's routes do not
// become span names.
func TestServerSpanNamesAreBounded(t *testing.T) {
	for path, want := range map[string]string{
		"/v1/chat/completions":   "POST /v1/chat/completions",
		"/v1/traces/abc":         "POST /v1/traces/{trace_id}",
		"/v1/admin/routers/x":    "POST /v1/admin/{kind}/{name}",
		"/wp-login.php":          "POST",
		"/v1/chat/completions/x": "POST",
	} {
		if got := serverSpanName(http.MethodPost, path); got != want {
			t.Errorf("serverSpanName(%q) = %q, want %q", path, got, want)
		}
	}
}
