package xray

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"strings"
	"time"

	"github.com/switchyard-llm/switchyard/internal/trace"
)

// DefaultService names the segments this package opens.
const DefaultService = "switchyard"

// MetadataNamespace holds the spans' metadata (candidate scores...).
const MetadataNamespace = "switchyard"

// Options configure New. Zero values take the stated defaults.
type Options struct {
	// Service names request (sub)segments; default DefaultService.
	Service string
	// DaemonAddr is the daemon's UDP address; default AWS_XRAY_DAEMON_ADDRESS,
	// else DefaultDaemonAddr.
	DaemonAddr string
	// Logger receives send failures (rate-limited); default slog.Default().
	Logger *slog.Logger
}

// Tracer is a trace.Tracer that records spans as X-Ray segments.
type Tracer struct {
	service string
	emitter *emitter
	sampler *sampler
	now     func() time.Time
}

var _ trace.Tracer = (*Tracer)(nil)

// New returns a tracer. It makes no network call: the first segment sent
// opens the UDP socket, and a daemon that is not there costs a log line.
func New(opts Options) (*Tracer, error) {
	if opts.Service == "" {
		opts.Service = DefaultService
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	hostport, err := daemonAddr(opts.DaemonAddr)
	if err != nil {
		return nil, err
	}
	addr, err := net.ResolveUDPAddr("udp", hostport)
	if err != nil {
		return nil, fmt.Errorf("xray: daemon address: %w", err)
	}
	return &Tracer{service: opts.Service, emitter: &emitter{addr: addr, log: opts.Logger},
		sampler: newSampler(), now: time.Now}, nil
}

// disabled: AWS_XRAY_SDK_DISABLED=true turns X-Ray off, as it does X-Ray's
// SDKs; read on each request, so it takes effect without a restart where
// the environment can change.
func disabled() bool { return strings.EqualFold(os.Getenv("AWS_XRAY_SDK_DISABLED"), "true") }

type nodeKey struct{}

func nodeFrom(ctx context.Context) *node {
	n, _ := ctx.Value(nodeKey{}).(*node)
	return n
}

// lambdaHeader is the invocation's trace header that aws-lambda-go puts in
// each handler's context, if ctx carries one: then the request is part of
// the invocation's trace, never a segment of its own.
func lambdaHeader(ctx context.Context) (traceHeader, bool) {
	h, _ := ctx.Value(LambdaTraceHeaderKey).(string)
	if h == "" {
		return traceHeader{}, false
	}
	th := parseTraceHeader(h)
	if th.root == "" || th.parent == "" {
		// Not what Lambda sends: a subsegment without the facade's id
		// would be rejected, so the invocation records nothing.
		th.parent, th.decision = "", notSampled
	}
	return th, true
}

// InvocationTrace is the X-Ray trace id of the Lambda invocation ctx
// belongs to (API Gateway's, from the trace header aws-lambda-go puts in
// the handler's context), or "" off Lambda or when the header has none
// well formed.
func InvocationTrace(ctx context.Context) string {
	h, _ := ctx.Value(LambdaTraceHeaderKey).(string)
	return parseTraceHeader(h).root
}

// Start opens a subsegment under the (sub)segment in ctx or, under Lambda,
// under the invocation's facade segment. With neither (a span outside
// Handler, off Lambda) it opens a segment of its own, ended with the span.
func (t *Tracer) Start(ctx context.Context, name string) (context.Context, trace.Span) {
	if disabled() {
		return ctx, off{}
	}
	n := t.under(ctx, name)
	if n == nil {
		n = t.newSegment(t.service, traceHeader{}).child(name)
		n.endsRoot = true
	}
	return context.WithValue(ctx, nodeKey{}, n), (*span)(n)
}

// under opens name as a subsegment of the (sub)segment in ctx or, under
// Lambda, of the invocation's facade segment; nil with neither, for the
// caller to decide.
func (t *Tracer) under(ctx context.Context, name string) *node {
	if p := nodeFrom(ctx); p != nil {
		return p.child(name)
	}
	if th, ok := lambdaHeader(ctx); ok {
		return t.newLambdaRoot(name, th)
	}
	return nil
}

// span is a node as a trace.Span.
type span node

// Annotate records an indexed annotation. X-Ray indexes strings, numbers
// and booleans under alphanumeric keys; other values are stored as their
// string form, other key characters as underscores.
func (s *span) Annotate(key string, value any) {
	if !s.tree.sampled {
		return
	}
	// Outside the lock: a value's String method may do anything.
	k, v := annotationKey(key), annotationValue(value)
	s.tree.mu.Lock()
	if s.doc.Annotations == nil {
		s.doc.Annotations = make(map[string]any, 8)
	}
	s.doc.Annotations[k] = v
	s.tree.mu.Unlock()
}

// Metadata records unindexed detail under MetadataNamespace. value is
// encoded when the span is sent, after it ends.
func (s *span) Metadata(key string, value any) {
	if !s.tree.sampled {
		return
	}
	s.tree.mu.Lock()
	if s.doc.Metadata == nil {
		s.doc.Metadata = map[string]map[string]any{MetadataNamespace: {}}
	}
	s.doc.Metadata[MetadataNamespace][key] = value
	s.tree.mu.Unlock()
}

// AWSCall records the subsegment as an AWS SDK call is recorded (namespace
// aws, aws.operation, aws.region), so the service map shows the service a
// hand-made call reached (internal/secrets).
func (s *span) AWSCall(operation, region string) {
	if !s.tree.sampled {
		return
	}
	s.tree.mu.Lock()
	s.doc.Namespace = "aws"
	if s.doc.AWS == nil {
		s.doc.AWS = make(map[string]any, 4)
	}
	s.doc.AWS["operation"], s.doc.AWS["region"] = operation, region
	s.tree.mu.Unlock()
}

var _ trace.AWSCaller = (*span)(nil)

// End closes the subsegment (and the segment Start opened for it); err
// marks it a fault with err's message. Safe to call twice.
func (s *span) End(err error) {
	n := (*node)(s)
	n.end(err)
	if n.endsRoot {
		n.parent.end(nil)
	}
}

// Recording reports whether X-Ray records the subsegment (its trace is
// sampled): the engine skips building detail for an unsampled one.
func (s *span) Recording() bool { return s.tree.sampled }

// TraceID is the X-Ray trace id ("1-5759e988-bd862e3fe1be46a994272793"),
// sampled or not: a caller can quote it either way.
func (s *span) TraceID() string { return s.tree.traceID }

// off is a span with X-Ray disabled: it records nothing and has no id, so
// the gateway reports its own.
type off struct{}

func (off) Annotate(string, any) {}
func (off) Metadata(string, any) {}
func (off) End(error)            {}
func (off) TraceID() string      { return "" }
func (off) Recording() bool      { return false }

func annotationKey(k string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
			return r
		}
		return '_'
	}, k)
}

// maxAnnotation: X-Ray indexes string annotations of up to 1,000 characters.
const maxAnnotation = 1000

func annotationValue(v any) any {
	switch x := v.(type) {
	case bool, int, int8, int16, int32, uint, uint8, uint16, uint32:
		return x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprint(x) // JSON has no NaN: one bad number must not lose the request
		}
		return x
	case float32:
		return annotationValue(float64(x))
	case string:
		return clip(x, maxAnnotation)
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	case fmt.Stringer:
		return clip(x.String(), maxAnnotation)
	default:
		return clip(fmt.Sprint(x), maxAnnotation)
	}
}
