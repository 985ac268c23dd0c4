package tracing

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/smithy-go/middleware"

	"github.com/switchyard-llm/switchyard/internal/trace"
	"github.com/switchyard-llm/switchyard/internal/trace/otel"
)

// Env is the variable that chooses the tracer.
const Env = "SWITCHYARD_TRACING"

// The values of Env.
const (
	XRay = "xray"
	OTel = "otel"
	None = "none"
)

// Tracing is the chosen tracer and what the process wires around it.
type Tracing struct {
	// Mode is XRay, OTel or None.
	Mode   string
	Tracer trace.Tracer
	// Handler wraps the HTTP API so each request is one span.
	Handler func(http.Handler) http.Handler
	// APIOptions trace AWS SDK calls (X-Ray only).
	APIOptions []func(*middleware.Stack) error

	otel *otel.Tracer
}

// Flush exports the finished spans now (OpenTelemetry batches them; X-Ray
// sends each as it ends).
func (t Tracing) Flush(ctx context.Context) error {
	if t.otel == nil {
		return nil
	}
	return t.otel.Flush(ctx)
}

// Shutdown flushes and stops the exporter.
func (t Tracing) Shutdown(ctx context.Context) error {
	if t.otel == nil {
		return nil
	}
	return t.otel.Shutdown(ctx)
}

// Sampled reports, under OpenTelemetry, whether r's trace is recorded
// (ok false under X-Ray, whose decision Lambda hands the invocation, and
// without tracing).
func (t Tracing) Sampled(r *http.Request) (sampled, ok bool) {
	if t.otel == nil {
		return false, false
	}
	return otel.Sampled(r.Context())
}

// WithOTel is OpenTelemetry tracing through tr (tests build tr with an
// in-memory exporter; FromEnv builds it from OTEL_*).
func WithOTel(tr *otel.Tracer) Tracing {
	return Tracing{Mode: OTel, Tracer: tr, Handler: tr.Handler, otel: tr}
}

// Off is no tracing.
func Off() Tracing {
	return Tracing{Mode: None, Tracer: trace.Noop{}, Handler: func(h http.Handler) http.Handler { return h }}
}

// Choose returns the mode getenv's variables select (see the package
// doc); lambda says whether the process runs under Lambda. An unknown
// value is an error naming the choices, with the default mode.
func Choose(getenv func(string) string, lambda bool) (string, error) {
	// The OTLP endpoint variables turn OpenTelemetry on (DESIGN §9), under
	// Lambda too: a deployment that sets none keeps X-Ray there.
	def := None
	switch {
	case !strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") &&
		(getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""):
		def = OTel
	case lambda:
		def = XRay
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv(Env))); v {
	case "":
		return def, nil
	case XRay, OTel, None:
		return v, nil
	default:
		return def, fmt.Errorf("%s=%q: want xray, otel or none; using %s", Env, v, def)
	}
}

// FromEnv builds the tracer getenv selects. Tracing must never stop the
// gateway: a bad value or a tracer that cannot start is logged and the
// gateway runs with the default, or with no tracing.
func FromEnv(getenv func(string) string, lambda bool, log *slog.Logger) Tracing {
	mode, err := Choose(getenv, lambda)
	if err != nil {
		log.Warn("tracing setting ignored", "err", err)
	}
	switch mode {
	case XRay:
		t, err := newXRay(log)
		if err != nil {
			log.Warn("X-Ray tracing off", "err", err)
			return Off()
		}
		return t
	case OTel:
		tr, err := otel.New(otel.Options{Logger: log})
		if err != nil {
			log.Warn("OpenTelemetry tracing off", "err", err)
			return Off()
		}
		return WithOTel(tr)
	}
	return Off()
}
