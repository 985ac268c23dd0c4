package tracing

import (
	"log/slog"
	"os/exec"
	"strings"
	"testing"
)

// TestChoose: OpenTelemetry when an OTLP endpoint is configured, else
// X-Ray under Lambda and nothing elsewhere; SWITCHYARD_TRACING wins.
func TestChoose(t *testing.T) {
	lambdaDefault := XRay
	cases := []struct {
		name   string
		env    map[string]string
		lambda bool
		want   string
		bad    bool
	}{
		{"lambda default", nil, true, lambdaDefault, false},
		{"lambda with OTLP endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4318"}, true, OTel, false},
		{"lambda with OTLP endpoint, SDK disabled", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x", "OTEL_SDK_DISABLED": "TRUE"}, true, lambdaDefault, false},
		{"lambda with OTLP endpoint, forced X-Ray", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x", Env: "xray"}, true, XRay, false},
		{"lambda switched to otel", map[string]string{Env: "otel"}, true, OTel, false},
		{"lambda switched off", map[string]string{Env: "NONE"}, true, None, false},
		{"local default", nil, false, None, false},
		{"local endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4318"}, false, OTel, false},
		{"local traces endpoint", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://tempo:4318/v1/traces"}, false, OTel, false},
		{"local endpoint, SDK disabled", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x", "OTEL_SDK_DISABLED": "true"}, false, None, false},
		{"local xray", map[string]string{Env: " xray "}, false, XRay, false},
		{"unknown value keeps the default", map[string]string{Env: "jaeger"}, true, lambdaDefault, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Choose(func(k string) string { return c.env[k] }, c.lambda)
			if got != c.want || (err != nil) != c.bad {
				t.Errorf("Choose = %q, %v; want %q, error %v", got, err, c.want, c.bad)
			}
		})
	}
}

// TestFromEnvBuildsTheChosenTracer: each mode yields its tracer and
// wiring; none and an unknown value never fail.
func TestFromEnvBuildsTheChosenTracer(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, mode := range []string{XRay, OTel, None} {
		env := map[string]string{Env: mode, "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}
		tr := FromEnv(func(k string) string { return env[k] }, false, log)
		want := mode
		if tr.Mode != want || tr.Tracer == nil || tr.Handler == nil {
			t.Errorf("%s: got mode %q tracer %T, want %q", mode, tr.Mode, tr.Tracer, want)
		}
		if (tr.otel != nil) != (want == OTel) || (len(tr.APIOptions) > 0) != (want == XRay) {
			t.Errorf("%s: otel %v, AWS API options %d", mode, tr.otel != nil, len(tr.APIOptions))
		}
	}
}

// TestXRayAPIOptions: the aggregator gets the AWS SDK instrumentation.
func TestXRayAPIOptions(t *testing.T) {
	if api, err := XRayAPIOptions(slog.New(slog.DiscardHandler)); err != nil || len(api) == 0 {
		t.Errorf("%d options, %v", len(api), err)
	}
}

// TestBinariesLeaveOutTheXRaySDK: the gateway and the aggregator write
// X-Ray's segment documents themselves (internal/trace/xray) and link
// neither aws-xray-sdk-go nor what it pulled in: aws-sdk-go v1, past its
// end of support, whose endpoint tables alone were 2 MB of heap at init,
// and fasthttp. Issue 16's memory figures depend on it.
func TestBinariesLeaveOutTheXRaySDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../../functions/gateway", "../../functions/aggregator").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	banned := []string{"github.com/aws/aws-xray-sdk-go/", "github.com/aws/aws-sdk-go/", "github.com/valyala/fasthttp"}
	for _, p := range strings.Fields(string(out)) {
		for _, b := range banned {
			if strings.HasPrefix(p, b) {
				t.Errorf("a function links %s", p)
			}
		}
	}
}
