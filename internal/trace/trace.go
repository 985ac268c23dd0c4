// Package trace is the gateway's tracing seam: the engine opens a span per
// routing decision and per attempt and annotates them; an implementation
// sends them to X-Ray (package trace/xray) or keeps them in memory for logs
// and tests. Tracing must never fail or slow a request: every method is
// best-effort and an unreachable backend is ignored.
package trace

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Tracer opens spans.
type Tracer interface {
	// Start opens a span under the one in ctx (or a root segment).
	Start(ctx context.Context, name string) (context.Context, Span)
}

// Span is one unit of work.
type Span interface {
	// Annotate sets an indexed key (X-Ray annotation: string, number, bool).
	Annotate(key string, value any)
	// Metadata attaches unindexed detail (candidate scores...).
	Metadata(key string, value any)
	// End closes the span; err marks it failed.
	End(err error)
	// TraceID is the id a caller can search for.
	TraceID() string
}

type traceIDKey struct{}

// WithTraceID stores the request's trace id in ctx.
func WithTraceID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, traceIDKey{}, id)
}

// TraceIDFrom returns the trace id stored in ctx, or "".
func TraceIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(traceIDKey{}).(string)
	return id
}

type injectorKey struct{}

// WithInjector stores in ctx how a span puts its trace context on an
// outgoing request (W3C traceparent): a tracer's Start sets it for the
// span it opens, and the provider HTTP client applies it (Inject) to each
// upstream call, so the upstream sees the attempt as its parent without
// the provider package knowing any tracing library.
func WithInjector(ctx context.Context, inject func(http.Header)) context.Context {
	return context.WithValue(ctx, injectorKey{}, inject)
}

// Inject adds ctx's trace context headers to h; it reports whether ctx had
// any to add (callers clone a request before changing its headers).
func Inject(ctx context.Context, h http.Header) bool {
	inject, _ := ctx.Value(injectorKey{}).(func(http.Header))
	if inject == nil {
		return false
	}
	inject(h)
	return true
}

// HasInjector reports whether Inject would add headers for ctx.
func HasInjector(ctx context.Context) bool {
	inject, _ := ctx.Value(injectorKey{}).(func(http.Header))
	return inject != nil
}

// NewTraceID returns an X-Ray-format trace id: 1-<8 hex epoch>-<24 hex random>.
func NewTraceID(now time.Time) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "1-" + strconv.FormatInt(now.Unix(), 16) + "-" + hex.EncodeToString(b[:])
}

// AWSCaller is a span that can show itself as a call to an AWS service
// (X-Ray draws such a subsegment as the service's node in its map).
type AWSCaller interface {
	AWSCall(operation, region string)
}

// MarkAWSCall records that s is a call of operation in region to an AWS
// service the gateway calls without the SDK's instrumentation: annotated
// aws_operation and aws_region for every tracer, and shown as an AWS call
// by those that can (AWSCaller).
func MarkAWSCall(s Span, operation, region string) {
	s.Annotate("aws_operation", operation)
	s.Annotate("aws_region", region)
	if a, ok := s.(AWSCaller); ok {
		a.AWSCall(operation, region)
	}
}

// Noop discards everything.
type Noop struct{}

func (Noop) Start(ctx context.Context, _ string) (context.Context, Span) {
	return ctx, noopSpan{id: TraceIDFrom(ctx)}
}

type noopSpan struct{ id string }

func (noopSpan) Annotate(string, any) {}
func (noopSpan) Metadata(string, any) {}
func (noopSpan) End(error)            {}
func (s noopSpan) TraceID() string    { return s.id }

// Recording is false: callers skip building detail nobody keeps.
func (noopSpan) Recording() bool { return false }

// Recorder keeps finished spans in memory, for tests and local debugging.
type Recorder struct {
	mu    sync.Mutex
	spans []Recorded
}

// Recorded is a finished span.
type Recorded struct {
	Name        string
	TraceID     string
	Annotations map[string]any
	Metadata    map[string]any
	Err         string
}

func (r *Recorder) Start(ctx context.Context, name string) (context.Context, Span) {
	return ctx, &recSpan{r: r, rec: Recorded{Name: name, TraceID: TraceIDFrom(ctx), Annotations: map[string]any{}, Metadata: map[string]any{}}}
}

// Spans returns a copy of the finished spans.
func (r *Recorder) Spans() []Recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Recorded(nil), r.spans...)
}

type recSpan struct {
	r    *Recorder
	rec  Recorded
	once sync.Once
}

func (s *recSpan) Annotate(k string, v any) { s.rec.Annotations[k] = v }
func (s *recSpan) Metadata(k string, v any) { s.rec.Metadata[k] = v }
func (s *recSpan) TraceID() string          { return s.rec.TraceID }
func (s *recSpan) End(err error) {
	s.once.Do(func() {
		if err != nil {
			s.rec.Err = fmt.Sprint(err)
		}
		s.r.mu.Lock()
		s.r.spans = append(s.r.spans, s.rec)
		s.r.mu.Unlock()
	})
}
