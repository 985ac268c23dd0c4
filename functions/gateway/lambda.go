package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/emf"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/lambdaapi"
	"github.com/switchyard-llm/switchyard/internal/secrets"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/trace"
	"github.com/switchyard-llm/switchyard/internal/trace/xray"
	"github.com/switchyard-llm/switchyard/internal/tracestore"
	"github.com/switchyard-llm/switchyard/internal/tracing"
)

// flushTimeout bounds the metric writes after a response; DynamoDB answers
// in milliseconds, and the caller's stream is already complete.
const flushTimeout = 2 * time.Second

// runLambda serves API Gateway REST proxy events with response streaming.
// Everything that costs no network is built here, once per container;
// config is read from DynamoDB on the first invocation (and cached by
// configsource), secrets on a provider's first use.
//
// On Lambda Managed Instances Lambda sets AWS_LAMBDA_MAX_CONCURRENCY and
// aws-lambda-go (v1.50+, its PR #600) runs that many invocations at once
// in this process: everything below is shared by them (docs/capacity.md).
func runLambda() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	// X-Ray by default; OTEL_EXPORTER_OTLP_* or SWITCHYARD_TRACING=otel|none
	// switches (docs/observability.md).
	tr := tracing.FromEnv(os.Getenv, true, log)
	st, err := dynamo.NewFromEnv(context.Background(), func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, tr.APIOptions...) })
	if err != nil {
		log.Error("gateway init failed", "err", err)
		os.Exit(1)
	}
	g := newLambdaGateway(log, tr, st, gatewayOptions{})
	lambda.Start(g.adapter.Serve)
}

// lambdaGateway is the per-container state of the gateway function. Under
// Lambda Managed Instances one container serves several invocations at
// once: every field is either set before the first one or guarded.
type lambdaGateway struct {
	log     *slog.Logger
	st      store.Store
	tracing tracing.Tracing
	deps    engine.Deps
	adapter *lambdaapi.Adapter
	// traces are this container's recent routing decisions: GET
	// /v1/traces answers for requests this container served.
	traces  *tracestore.Store
	flushes flusher

	mu  sync.Mutex // serialises the first config load
	src *configsource.Source
	api http.Handler
}

// EnvMetricsFlushEvery overrides how often a container writes its metric
// sums (a Go duration; default engine.DefaultMetricsFlushEvery, 20 s): a
// shorter interval writes more often (more bucket writes, fewer samples
// held by a container that may be reaped), a longer one less
// (docs/scale.md).
const EnvMetricsFlushEvery = "SWITCHYARD_METRICS_FLUSH_EVERY"

// gatewayOptions are what tests change; the zero value is production.
type gatewayOptions struct {
	// EMF is where metric lines go; default os.Stdout (CloudWatch).
	EMF io.Writer
	// Wrap, if set, wraps the store the engine writes state through.
	Wrap func(store.Store) store.Store
	// Now is the engine's clock; default time.Now.
	Now func() time.Time
	// HomeStore opens other regions' budget stores; default their
	// DynamoDB state tables (dynamo.HomeStores).
	HomeStore func(region string) (store.Budgets, error)
}

func newLambdaGateway(log *slog.Logger, tr tracing.Tracing, st store.Store, opts gatewayOptions) *lambdaGateway {
	if opts.EMF == nil {
		opts.EMF = os.Stdout
	}
	state := st
	if opts.Wrap != nil {
		state = opts.Wrap(st)
	}
	g := &lambdaGateway{log: log, st: st, tracing: tr}
	g.deps = engine.Deps{
		// Samples go to DynamoDB for routing and to CloudWatch (EMF on
		// stdout) for the alarms and dashboard.
		Store: emf.Wrap(state, opts.EMF),
		// secret:#<field> reads the stack's own provider secret, so one
		// config in DynamoDB works in every region.
		Secrets: secrets.New(secrets.Options{Tracer: tr.Tracer,
			DefaultSecret: os.Getenv("SWITCHYARD_PROVIDER_SECRET")}),
		Now:           opts.Now,
		Tracer:        tr.Tracer,
		Logger:        log,
		AWSAPIOptions: tr.APIOptions,
		// Metric sums are written by the flush after each invocation
		// (serveHTTP), not by a tick racing it.
		MetricsOnDemand: true,
		// The container may be frozen for good after any response: each
		// request writes its own budget settlement before its response
		// ends, or reservation − cost would stay counted as spend.
		SettleEachRequest: true,
		// Budgets with a home_region in another region are counted in
		// that region's state table (SWITCHYARD_REGION_STATE_TABLES,
		// set by template.yaml's BudgetHomeRegion).
		Region: os.Getenv("AWS_REGION"),
	}
	if opts.HomeStore != nil {
		g.deps.HomeStore = opts.HomeStore
	} else {
		g.deps.HomeStore = dynamo.NewHomeStores(nil, func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, tr.APIOptions...) }).Open
	}
	if v := os.Getenv(EnvMetricsFlushEvery); v != "" {
		every, err := time.ParseDuration(v)
		if err != nil || every <= 0 {
			// A bad value must not take the gateway down: keep the default.
			log.Warn(EnvMetricsFlushEvery+" ignored: want a positive duration such as 20s", "value", v, "err", err)
		} else {
			g.deps.MetricsFlushEvery = every
		}
	}
	traces, err := tracestore.FromEnv(os.Getenv)
	if err != nil {
		// A bad SWITCHYARD_TRACES must not take the gateway down: keep the default store.
		log.Warn("SWITCHYARD_TRACES ignored", "err", err)
		traces, _ = tracestore.FromEnv(func(string) string { return "" })
	}
	g.traces = traces
	if g.traces != nil {
		g.deps.Traces = g.traces
	}
	// The request's trace segment spans the config load, the response and
	// the metrics flush.
	g.adapter = &lambdaapi.Adapter{Handler: g.exportSpans(tr.Handler(http.HandlerFunc(g.serveHTTP))), Logger: log}
	return g
}

// serveHTTP serves one request, then writes its metrics before the body
// ends: once the runtime has sent the whole response it asks for the next
// event and Lambda may freeze the process, queued writes included.
func (g *lambdaGateway) serveHTTP(w http.ResponseWriter, r *http.Request) {
	src, api, err := g.load(r.Context())
	if err != nil {
		// Traced and identified like any other answer, so the on-call
		// engineer can find this request from the caller's headers.
		_, span := g.deps.Tracer.Start(r.Context(), "config")
		span.Annotate("error_code", "config_unavailable")
		span.End(err)
		rid := r.Header.Get(lambdaapi.RequestIDHeader)
		g.log.Error("config unavailable", "err", err, "request_id", rid, "trace_id", span.TraceID())
		unavailable(w, rid, span.TraceID())
		return
	}
	before := src.Engine()
	if g.tracing.Mode == tracing.None {
		// No tracer records a trace of its own: the request's id is the
		// invocation's X-Ray trace, which API Gateway and Lambda record
		// (when sampled, as SampledHeader then says), so the id a caller
		// quotes leads to the invocation in X-Ray.
		if root := xray.InvocationTrace(r.Context()); root != "" {
			r = r.WithContext(trace.WithTraceID(r.Context(), root))
		}
	}
	if sampled, ok := g.tracing.Sampled(r); ok {
		w.Header().Set(SampledHeader, strconv.FormatBool(sampled))
	} else {
		markSampled(w, r)
	}
	api.ServeHTTP(w, r)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), flushTimeout)
	defer cancel()
	g.flushes.flush(ctx, g.log, before, src.Engine())
}

// exportSpans runs h, then exports its spans: OpenTelemetry batches them,
// and once the response ends Lambda may freeze the container with them.
// It wraps the tracing handler, whose request span ends when h returns.
func (g *lambdaGateway) exportSpans(h http.Handler) http.Handler {
	if g.tracing.Mode != tracing.OTel {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), flushTimeout)
		defer cancel()
		if err := g.tracing.Flush(ctx); err != nil {
			g.log.Warn("trace export failed", "err", err)
		}
	})
}

// load reads the config on first use. A failure is not cached: the next
// invocation tries again, so a container started during a DynamoDB blip
// recovers by itself.
func (g *lambdaGateway) load(ctx context.Context) (*configsource.Source, http.Handler, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.src != nil {
		return g.src, g.api, nil
	}
	src, err := configsource.FromStore(ctx, g.st, g.deps, 0)
	if err != nil {
		return nil, nil, err
	}
	g.src = src
	// MaxBody: Lambda refuses an invocation whose event exceeds its
	// request payload quota, which API Gateway reports as its own error;
	// a body the function can still see answers 413 with the real limit.
	g.api = httpapi.New(src, httpapi.Options{Logger: g.log, Store: g.st, Admin: src, Traces: g.traces, MaxBody: lambdaapi.MaxBody})
	return g.src, g.api, nil
}

// unavailable answers when no config could be loaded yet. The cause is
// logged, not sent: it may name tables and accounts.
func unavailable(w http.ResponseWriter, requestID, traceID string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After", "1")
	if httpapi.SafeID(requestID) {
		w.Header().Set("X-Request-Id", requestID)
	}
	if httpapi.SafeID(traceID) {
		w.Header().Set("X-Switchyard-Trace-Id", traceID)
	}
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte(`{"error":{"message":"the gateway cannot load its configuration; try again shortly","type":"server_error","code":"config_unavailable","param":null}}` + "\n"))
}
