package lambdatest

import (
	"strings"
	"testing"
)

// TestLambdaOpenTelemetry: under the emulator, OTEL_EXPORTER_OTLP_ENDPOINT
// alone switches the gateway from X-Ray to OpenTelemetry: the answer's
// trace id is API Gateway's trace (X-Amzn-Trace-Id) in W3C form, and the
// invocation's spans reach the OTLP/HTTP collector before the invocation
// ends (the container may be frozen right after).
func TestLambdaOpenTelemetry(t *testing.T) {
	d := newDeployment(t)
	col := newCollector(t)
	gw := startRIE(t, bootstrap(t, "./functions/gateway"), append(d.env[:len(d.env):len(d.env)],
		"OTEL_EXPORTER_OTLP_ENDPOINT="+col.URL)...)
	event := readEvent(t, "chat.json")
	s := parseStreamed(t, gw.invoke(t, event))
	if s.StatusCode != 200 {
		t.Fatalf("status %d: %s", s.StatusCode, s.Body)
	}
	root := traceRoot(t, event) // 1-<8 hex>-<24 hex>
	if want := strings.ReplaceAll(strings.TrimPrefix(root, "1-"), "-", ""); s.Headers["x-switchyard-trace-id"] != want {
		t.Errorf("x-switchyard-trace-id = %q, want API Gateway's trace %s as %s", s.Headers["x-switchyard-trace-id"], root, want)
	}
	if n := col.exports.Load(); n == 0 {
		t.Error("the invocation ended with no span exported to the collector")
	}
}

// TestLambdaNoXRayBuild: the bootstrap built with LAMBDA_TAGS=
// lambda.norpc,noxray (no aws-xray-sdk-go: TestNoXRayBuildLeavesTheSDKOut)
// serves under the emulator. With an OTLP endpoint its spans reach the
// collector and the answer carries API Gateway's trace; without one it
// traces nothing (under Lambda the default would be X-Ray, which it does
// not have) and still answers, with a trace id of its own.
func TestLambdaNoXRayBuild(t *testing.T) {
	d := newDeployment(t)
	bin := bootstrapTagged(t, "./functions/gateway", "lambda.norpc,noxray")
	event := readEvent(t, "chat.json")
	want := strings.ReplaceAll(strings.TrimPrefix(traceRoot(t, event), "1-"), "-", "")

	col := newCollector(t)
	gw := startRIE(t, bin, append(d.env[:len(d.env):len(d.env)], "OTEL_EXPORTER_OTLP_ENDPOINT="+col.URL)...)
	s := parseStreamed(t, gw.invoke(t, event))
	if s.StatusCode != 200 {
		t.Fatalf("with OpenTelemetry: status %d: %s", s.StatusCode, s.Body)
	}
	if s.Headers["x-switchyard-trace-id"] != want {
		t.Errorf("with OpenTelemetry: x-switchyard-trace-id = %q, want %s", s.Headers["x-switchyard-trace-id"], want)
	}
	if col.exports.Load() == 0 {
		t.Error("with OpenTelemetry: no span exported to the collector")
	}

	plain := startRIE(t, bin, d.env...)
	s = parseStreamed(t, plain.invoke(t, event))
	if s.StatusCode != 200 {
		t.Fatalf("without tracing: status %d: %s", s.StatusCode, s.Body)
	}
	// Untraced, the id is the gateway's own (as with SWITCHYARD_TRACING=none
	// in any build): still in the logs and the access log.
	if id := s.Headers["x-switchyard-trace-id"]; !strings.HasPrefix(id, "1-") || len(id) != 35 || id == traceRoot(t, event) {
		t.Errorf("without tracing: x-switchyard-trace-id = %q, want an X-Ray-form id of the gateway's own", id)
	}
}
