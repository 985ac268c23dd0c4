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
