package otel

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/switchyard-llm/switchyard/internal/trace"
)

// DefaultService is service.name unless OTEL_SERVICE_NAME says otherwise.
const DefaultService = "switchyard"

// scope is the instrumentation scope the spans are recorded under.
const scope = "github.com/switchyard-llm/switchyard"

// Options configure New. Zero values take the stated defaults.
type Options struct {
	// Service is service.name when OTEL_SERVICE_NAME is unset; default
	// DefaultService.
	Service string
	// Exporter replaces the OTLP/HTTP exporter (tests); nil: OTLP/HTTP
	// configured by the OTEL_EXPORTER_OTLP_* variables.
	Exporter sdktrace.SpanExporter
	// Now is the clock of the trace ids' timestamp; default time.Now.
	Now func() time.Time
	// Logger receives export errors (at most one a minute); default
	// slog.Default().
	Logger *slog.Logger
}

// Tracer is a trace.Tracer backed by the OpenTelemetry SDK.
type Tracer struct {
	tp     *sdktrace.TracerProvider
	tracer oteltrace.Tracer
	prop   propagation.TextMapPropagator
}

var _ trace.Tracer = (*Tracer)(nil)

// New builds the tracer provider and its exporter. It makes no network
// call: the exporter connects on its first export.
func New(opts Options) (*Tracer, error) {
	if opts.Service == "" {
		opts.Service = DefaultService
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	// The SDK reports export failures through this process-wide handler;
	// a collector that is down must not flood the logs.
	otel.SetErrorHandler(&rateLimited{log: opts.Logger, every: time.Minute})
	exp := opts.Exporter
	if exp == nil {
		var err error
		// Endpoint, headers, timeout, compression: OTEL_EXPORTER_OTLP_*.
		if exp, err = newOTLPExporter(os.Getenv); err != nil {
			return nil, fmt.Errorf("otel: exporter: %w", err)
		}
	}
	res, err := resource.Merge(resource.NewSchemaless(serviceAttrs(opts.Service)...), resource.Environment())
	if err != nil {
		return nil, fmt.Errorf("otel: resource: %w", err)
	}
	// The sampler is ParentBased(AlwaysOn) unless OTEL_TRACES_SAMPLER says
	// otherwise (the SDK reads it): a caller's decision is followed.
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(res),
		sdktrace.WithIDGenerator(newXRayIDs(opts.Now)),
	)
	return &Tracer{tp: tp, tracer: tp.Tracer(scope), prop: propagation.TraceContext{}}, nil
}

// serviceAttrs names the service, and under Lambda the function (the
// environment's OTEL_RESOURCE_ATTRIBUTES override both).
func serviceAttrs(service string) []attribute.KeyValue {
	kv := []attribute.KeyValue{attribute.String("service.name", service)}
	if fn := os.Getenv("AWS_LAMBDA_FUNCTION_NAME"); fn != "" {
		kv = append(kv, attribute.String("cloud.provider", "aws"), attribute.String("cloud.platform", "aws_lambda"),
			attribute.String("faas.name", fn))
		if r := os.Getenv("AWS_REGION"); r != "" {
			kv = append(kv, attribute.String("cloud.region", r))
		}
	}
	return kv
}

// Flush exports the finished spans now. Under Lambda it runs before an
// invocation ends: a frozen container would hold them until its next
// invocation, or lose them.
func (t *Tracer) Flush(ctx context.Context) error { return t.tp.ForceFlush(ctx) }

// Shutdown flushes and stops the exporter.
func (t *Tracer) Shutdown(ctx context.Context) error { return t.tp.Shutdown(ctx) }

// Start opens a span under the one in ctx. The engine's spans are named
// "routing" and "attempt"; an attempt is a GenAI client span. Both start
// as chat operations; the engine's "operation" annotation sets the real
// one (and renames an attempt "embeddings <model>").
func (t *Tracer) Start(ctx context.Context, name string) (context.Context, trace.Span) {
	kind := oteltrace.SpanKindInternal
	var attrs []attribute.KeyValue
	switch name {
	case "attempt":
		kind = oteltrace.SpanKindClient
		attrs = []attribute.KeyValue{attribute.String(AttrOperation, "chat")}
	case "routing":
		attrs = []attribute.KeyValue{attribute.String(AttrOperation, "chat")}
	}
	ctx, s := t.tracer.Start(ctx, name, oteltrace.WithSpanKind(kind), oteltrace.WithAttributes(attrs...))
	return t.withInjector(ctx), &span{s: s, name: name, op: "chat"}
}

// withInjector lets the provider client pass ctx's span to the upstream.
func (t *Tracer) withInjector(ctx context.Context) context.Context {
	return trace.WithInjector(ctx, func(h http.Header) { t.prop.Inject(ctx, propagation.HeaderCarrier(h)) })
}

// span adapts an OpenTelemetry span to trace.Span.
type span struct {
	s     oteltrace.Span
	name  string
	mu    sync.Mutex // op and model name the span; annotations may come from a stream's goroutine
	op    string     // gen_ai.operation.name
	model string
	done  atomic.Bool
}

// Annotate sets the attributes key maps to (attrs.go).
func (s *span) Annotate(key string, value any) {
	s.s.SetAttributes(attributes(key, value)...)
	switch key {
	case "operation", "model":
		v, _ := value.(string)
		s.mu.Lock()
		defer s.mu.Unlock()
		if key == "operation" {
			s.op = GenAIOperation(v)
		} else {
			s.model = v
		}
		// Either may come first: the name follows whichever came last.
		s.s.SetName(spanName(s.name, s.op, s.model))
	}
}

// Metadata sets detail as attributes too: a backend has no other place
// for it (lists and maps as JSON strings).
func (s *span) Metadata(key string, value any) { s.Annotate(key, value) }

// End ends the span; err sets its status to Error with err's message.
// Safe to call twice.
func (s *span) End(err error) {
	if !s.done.CompareAndSwap(false, true) {
		return
	}
	if err != nil {
		s.s.SetStatus(codes.Error, err.Error())
	}
	s.s.End()
}

// Recording reports whether the span is exported (sampled): the engine
// skips work that only feeds attributes of a span nobody will see.
func (s *span) Recording() bool { return s.s.IsRecording() }

// TraceID is the W3C trace id, 32 hex digits ("" if the span has none).
func (s *span) TraceID() string {
	sc := s.s.SpanContext()
	if !sc.TraceID().IsValid() {
		return ""
	}
	return sc.TraceID().String()
}

// Sampled reports whether the span in ctx is recorded (exported), and
// whether ctx has a span at all.
func Sampled(ctx context.Context) (sampled, ok bool) {
	sc := oteltrace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return false, false
	}
	return sc.IsSampled(), true
}

// rateLimited logs the SDK's errors at most once per period.
type rateLimited struct {
	log   *slog.Logger
	every time.Duration
	last  atomic.Int64
}

func (r *rateLimited) Handle(err error) {
	now := time.Now().UnixNano()
	last := r.last.Load()
	if now-last < int64(r.every) || !r.last.CompareAndSwap(last, now) {
		return
	}
	r.log.Warn("OpenTelemetry export failed (further failures silenced for a minute)", "err", err)
}
