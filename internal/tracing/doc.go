// Package tracing picks the gateway's tracer from configuration, so that
// an operator moves between X-Ray's SDK and OpenTelemetry by setting one
// variable, with no code change:
//
//	SWITCHYARD_TRACING=xray  aws-xray-sdk-go (UDP to the X-Ray daemon)
//	SWITCHYARD_TRACING=otel  OpenTelemetry, OTLP/HTTP to OTEL_EXPORTER_OTLP_*
//	SWITCHYARD_TRACING=none  no spans
//
// Unset, the choice is otel when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (DESIGN §9), else xray under
// Lambda (as before OpenTelemetry) and none elsewhere.
// OTEL_SDK_DISABLED=true turns the otel default off.
//
// A binary built with -tags noxray leaves aws-xray-sdk-go out (and the
// aws-sdk-go v1 and fasthttp it pulls in): 2.1 MB less heap at init, a
// 6.8 MB smaller binary and a faster cold start, for deployments
// that trace with OpenTelemetry (docs/BENCHMARKS.md, issue 16). There the
// Lambda default is none, and choosing xray logs why it is off. Both tracers
// implement trace.Tracer: the engine's spans and annotations are the same
// whichever is chosen.
package tracing
