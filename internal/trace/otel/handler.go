package otel

import (
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/switchyard-llm/switchyard/internal/trace"
)

// Handler wraps h so that each request is one server span, continuing the
// caller's W3C traceparent (its trace id, its parent, its sampled flag);
// without one, the X-Ray trace the request is part of: under Lambda the
// invocation's (so X-Ray shows the function's spans under it), else an
// X-Amzn-Trace-Id header with a Root and a Parent (API Gateway's); else
// starting a trace. The span ends when h returns, so a streamed response is traced
// to its last byte.
func (t *Tracer) Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := t.prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		if !oteltrace.SpanContextFromContext(ctx).IsValid() {
			h, _ := ctx.Value(lambdaTraceKey).(string)
			if h == "" {
				h = r.Header.Get("X-Amzn-Trace-Id")
			}
			if sc, ok := xrayParent(h); ok {
				ctx = oteltrace.ContextWithRemoteSpanContext(ctx, sc)
			}
		}
		ctx, s := t.tracer.Start(ctx, serverSpanName(r.Method, r.URL.Path),
			oteltrace.WithSpanKind(oteltrace.SpanKindServer),
			oteltrace.WithAttributes(
				attribute.String("http.request.method", r.Method),
				attribute.String("url.path", r.URL.Path),
				attribute.String("user_agent.original", r.UserAgent()),
			))
		sw := &trace.StatusWriter{ResponseWriter: w}
		defer func() {
			if sw.Status == 0 {
				sw.Status = http.StatusOK
			}
			s.SetAttributes(attribute.Int(AttrHTTPStatus, sw.Status))
			if sw.Status >= 500 {
				s.SetStatus(codes.Error, http.StatusText(sw.Status))
			}
			s.End()
		}()
		h.ServeHTTP(sw, r.WithContext(ctx))
	})
}

// lambdaTraceKey is the context key under which aws-lambda-go puts each
// invocation's X-Ray trace header (a plain string key, as it sets it).
const lambdaTraceKey = "x-amzn-trace-id"

// xrayParent reads an X-Ray trace header
// ("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
// as a remote parent; one without a valid Root and Parent is none.
func xrayParent(h string) (oteltrace.SpanContext, bool) {
	var cfg oteltrace.SpanContextConfig
	for _, part := range strings.Split(h, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Root":
			ver, rest, _ := strings.Cut(v, "-")
			epoch, random, _ := strings.Cut(rest, "-")
			if id, err := oteltrace.TraceIDFromHex(epoch + random); err == nil && ver == "1" {
				cfg.TraceID = id
			}
		case "Parent":
			if id, err := oteltrace.SpanIDFromHex(v); err == nil {
				cfg.SpanID = id
			}
		case "Sampled":
			if v == "1" {
				cfg.TraceFlags = oteltrace.FlagsSampled
			}
		}
	}
	cfg.Remote = true
	sc := oteltrace.NewSpanContext(cfg)
	return sc, sc.IsValid()
}
