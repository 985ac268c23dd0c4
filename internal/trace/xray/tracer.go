package xray

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/aws/aws-xray-sdk-go/instrumentation/awsv2"
	"github.com/aws/aws-xray-sdk-go/strategy/sampling"
	"github.com/aws/aws-xray-sdk-go/xray"
	"github.com/aws/aws-xray-sdk-go/xraylog"
	"github.com/aws/smithy-go/middleware"

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
	// else 127.0.0.1:2000 (the SDK's own default).
	DaemonAddr string
	// CentralizedSampling asks the daemon for sampling rules when a
	// request arrives without a sampling decision. Off by default: the
	// local rule (first request each second, then 5%) needs no daemon.
	// Under Lambda the decision always comes with the invocation.
	CentralizedSampling bool
	// Logger receives the SDK's warnings (rate-limited); default slog.Default().
	Logger *slog.Logger
}

// Tracer is a trace.Tracer backed by X-Ray.
type Tracer struct {
	service string
}

var _ trace.Tracer = (*Tracer)(nil)

// New configures the X-Ray SDK (process-wide: the SDK has one global
// configuration) and returns a tracer. It makes no network call; the
// first span dials the daemon's UDP address.
func New(opts Options) (*Tracer, error) {
	if opts.Service == "" {
		opts.Service = DefaultService
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	xray.SetLogger(&logAdapter{log: opts.Logger})
	cfg := xray.Config{DaemonAddr: opts.DaemonAddr, ContextMissingStrategy: quiet{}}
	if !opts.CentralizedSampling {
		s, err := sampling.NewLocalizedStrategy()
		if err != nil {
			return nil, fmt.Errorf("xray: sampling: %w", err)
		}
		cfg.SamplingStrategy = s
	}
	if err := xray.Configure(cfg); err != nil {
		return nil, fmt.Errorf("xray: configure: %w", err)
	}
	return &Tracer{service: opts.Service}, nil
}

// AWSAPIOptions are the APIOptions that trace AWS SDK v2 calls: add them
// to a client's Options.APIOptions (or engine.Deps.AWSAPIOptions).
func (t *Tracer) AWSAPIOptions() []func(*middleware.Stack) error {
	var opts []func(*middleware.Stack) error
	awsv2.AWSV2Instrumentor(&opts)
	return opts
}

// Start opens a subsegment under the segment in ctx or, under Lambda,
// under the invocation's facade segment. With neither (a span outside
// Handler, off Lambda) it opens a segment of its own, ended with the span.
func (t *Tracer) Start(ctx context.Context, name string) (context.Context, trace.Span) {
	if xray.GetSegment(ctx) == nil && !inLambda(ctx) {
		rctx, root := xray.BeginSegment(ctx, t.service)
		sctx, seg := xray.BeginSubsegment(rctx, name)
		if seg == nil {
			root.Close(nil)
			return ctx, noop(ctx)
		}
		return sctx, &span{seg: seg, root: root}
	}
	sctx, seg := xray.BeginSubsegment(ctx, name)
	if seg == nil {
		return ctx, noop(ctx)
	}
	return sctx, &span{seg: seg}
}

// inLambda reports whether ctx carries the trace header aws-lambda-go puts
// in each invocation's context; subsegments then hang off a facade segment
// that stands for the one Lambda itself records.
func inLambda(ctx context.Context) bool {
	h, _ := ctx.Value(xray.LambdaTraceHeaderKey).(string)
	return h != ""
}

func noop(ctx context.Context) trace.Span {
	_, s := trace.Noop{}.Start(ctx, "")
	return s
}

// span is one subsegment; root is the segment Start opened for it, if any.
type span struct {
	seg  *xray.Segment
	root *xray.Segment
	done atomic.Bool
}

// Annotate records an indexed annotation. X-Ray indexes strings, numbers
// and booleans under alphanumeric keys; other values are stored as their
// string form, other key characters as underscores.
func (s *span) Annotate(key string, value any) {
	_ = s.seg.AddAnnotation(annotationKey(key), annotationValue(value))
}

// AWSCall records the subsegment as the SDK's instrumentor records an AWS
// call (namespace aws, aws.operation, aws.region), so the service map
// shows the service a hand-made call reached (internal/secrets).
func (s *span) AWSCall(operation, region string) {
	s.seg.Lock()
	defer s.seg.Unlock()
	s.seg.Namespace = "aws"
	s.seg.GetAWS()["operation"] = operation
	s.seg.GetAWS()["region"] = region
}

var _ trace.AWSCaller = (*span)(nil)

// Metadata records unindexed detail under MetadataNamespace.
func (s *span) Metadata(key string, value any) {
	_ = s.seg.AddMetadataToNamespace(MetadataNamespace, key, value)
}

// End closes the subsegment (and the segment Start opened for it); err
// marks it a fault with err's message. Safe to call twice.
func (s *span) End(err error) {
	if !s.done.CompareAndSwap(false, true) {
		return
	}
	s.seg.Close(err)
	if s.root != nil {
		s.root.Close(nil)
	}
}

// Recording reports whether X-Ray records the subsegment (its trace is
// sampled): the engine skips building detail for an unsampled one.
func (s *span) Recording() bool { return s.seg.Sampled }

// TraceID is the X-Ray trace id ("1-5759e988-bd862e3fe1be46a994272793"),
// empty when the SDK is disabled.
func (s *span) TraceID() string { return s.seg.TraceID }

func annotationKey(k string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
			return r
		}
		return '_'
	}, k)
}

func annotationValue(v any) any {
	switch x := v.(type) {
	case bool, int, uint, float32, float64, string:
		return x
	case int8:
		return int(x)
	case int16:
		return int(x)
	case int32:
		return int(x)
	case int64:
		return float64(x)
	case uint8:
		return uint(x)
	case uint16:
		return uint(x)
	case uint32:
		return uint(x)
	case uint64:
		return float64(x)
	case fmt.Stringer:
		return x.String()
	default:
		return fmt.Sprint(x)
	}
}

// quiet is the context-missing strategy: an AWS SDK call made off any
// request (a background metric write) has no segment to join, which is
// normal here and not worth a log line.
type quiet struct{}

func (quiet) ContextMissing(any) {}

// logAdapter sends the SDK's log to slog: debug and info at debug level,
// warnings and errors at warn, at most one in warnEvery so an unreachable
// daemon does not flood the log.
type logAdapter struct {
	log  *slog.Logger
	seen atomic.Int64
}

const warnEvery = 100

func (l *logAdapter) Log(level xraylog.LogLevel, msg fmt.Stringer) {
	if level < xraylog.LogLevelWarn {
		l.log.Debug("xray: " + msg.String())
		return
	}
	if n := l.seen.Add(1); n == 1 || n%warnEvery == 0 {
		l.log.Warn("xray: "+msg.String(), "occurrences", n)
	}
}
