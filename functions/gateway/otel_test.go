package main

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/switchyard-llm/switchyard/internal/trace/otel"
	"github.com/switchyard-llm/switchyard/internal/trace/xray"
	"github.com/switchyard-llm/switchyard/internal/tracing"
)

// TestLambdaOpenTelemetryExportsEachInvocation: with SWITCHYARD_TRACING=otel
// the invocation continues Lambda's X-Ray trace (the answer's trace id is
// the invocation's, in W3C form) and its spans are exported before the
// invocation ends: once the response is read, the exporter holds the
// request, routing and attempt spans with no flush from the test.
func TestLambdaOpenTelemetryExportsEachInvocation(t *testing.T) {
	r := newRig(t, gatewayOptions{EMF: io.Discard})
	exp := tracetest.NewInMemoryExporter()
	tr, err := otel.New(otel.Options{Exporter: exp, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tr.Shutdown(context.Background()) }()
	r.g = newLambdaGateway(slog.New(slog.DiscardHandler), tracing.WithOTel(tr), r.store, gatewayOptions{EMF: io.Discard})

	ctx := context.WithValue(context.Background(), xray.LambdaTraceHeaderKey, //nolint:staticcheck // aws-lambda-go's key
		"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	inv := r.start(t, ctx, chatEvent("req-otel", false, "hello"))
	body, err := inv.rest()
	if err != nil || inv.resp.StatusCode != 200 {
		t.Fatalf("status %d, err %v: %s", inv.resp.StatusCode, err, body)
	}
	if got := inv.resp.Headers["x-switchyard-trace-id"]; got != "5759e988bd862e3fe1be46a994272793" {
		t.Errorf("x-switchyard-trace-id = %q, want the invocation's trace in W3C form", got)
	}
	if got := inv.resp.Headers[SampledHeader]; got != "true" {
		t.Errorf("%s = %q, want true", SampledHeader, got)
	}
	names := map[string]bool{}
	for _, s := range exp.GetSpans() {
		names[s.Name] = true
		if s.SpanContext.TraceID().String() != "5759e988bd862e3fe1be46a994272793" {
			t.Errorf("span %q in trace %s", s.Name, s.SpanContext.TraceID())
		}
	}
	for _, want := range []string{"POST /v1/chat/completions", "routing", "chat gpt-4o-mini"} {
		if !names[want] {
			t.Errorf("span %q not exported by the end of the invocation (exported: %v)", want, names)
		}
	}
}
