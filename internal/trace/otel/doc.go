// Package otel is the trace.Tracer that exports the gateway's spans over
// OTLP/HTTP with the OpenTelemetry Go SDK (DESIGN §9) and an OTLP/HTTP
// protobuf exporter of its own (otlp.go: the SDK's links gRPC), to any collector:
// the ADOT collector or CloudWatch's OTLP endpoint for X-Ray, Jaeger,
// Tempo, Honeycomb...
//
// The exporter is configured by the standard variables
// (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
// OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, _COMPRESSION, _CERTIFICATE,
// _CLIENT_CERTIFICATE/_CLIENT_KEY, OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER...);
// OTEL_EXPORTER_OTLP_PROTOCOL may only be http/protobuf (the default).
// Handler opens a server span per request, continuing the caller's W3C
// traceparent; the engine's "routing" span (one per request) and
// "attempt" spans (one per upstream call, named "chat <model>") hang under
// it, and each attempt's traceparent is passed to the upstream through
// trace.WithInjector.
//
// Annotations become attributes following the OpenTelemetry GenAI
// semantic conventions where one exists (gen_ai.operation.name,
// gen_ai.provider.name, gen_ai.request.model, gen_ai.response.model,
// gen_ai.usage.input_tokens / output_tokens,
// gen_ai.response.finish_reasons, error.type), and switchyard.<key>
// otherwise (switchyard.router, switchyard.strategy, switchyard.arm,
// switchyard.candidates, switchyard.decisions...): see attrs.go.
//
// Trace ids are X-Ray compatible: the first 32 bits are the epoch
// seconds, as X-Ray requires, so the same spans can go to X-Ray and to
// any other backend. Tracing never fails a request: export happens off
// the request path (batched; Flush forces it, which Lambda needs before
// the container may freeze) and its errors are logged, rate-limited.
package otel
