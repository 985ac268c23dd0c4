// Package tracing picks the gateway's tracer from configuration, so that
// an operator moves between X-Ray and OpenTelemetry by setting one
// variable, with no code change:
//
//	SWITCHYARD_TRACING=xray  X-Ray segment documents, by UDP to the daemon (internal/trace/xray)
//	SWITCHYARD_TRACING=otel  OpenTelemetry, OTLP/HTTP to OTEL_EXPORTER_OTLP_*
//	SWITCHYARD_TRACING=none  no spans
//
// Unset, the choice is otel when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (DESIGN §9), else xray under
// Lambda (as before OpenTelemetry) and none elsewhere.
// OTEL_SDK_DISABLED=true turns the otel default off. Both tracers implement
// trace.Tracer: the engine's spans and annotations are the same whichever
// is chosen.
package tracing
