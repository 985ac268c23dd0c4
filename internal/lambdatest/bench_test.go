package lambdatest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkColdStart measures a cold start under the Lambda Runtime
// Interface Emulator, each iteration a fresh process: ns/op is the first
// invocation's latency as the caller sees it (process start, init, the
// invocation itself), init-ms what Lambda reports as Init Duration. The
// hello-world aws-lambda-go function in testdata/hello is the baseline;
// the gateway's first request also reads its config from DynamoDB
// (dynalite), and chat.json fetches the provider key and calls the
// (fake) upstream. arm64-bytes is the size of the bootstrap Lambda runs.
func BenchmarkColdStart(b *testing.B) {
	d := newDeployment(b)
	collector := newCollector(b)
	otelEnv := []string{"SWITCHYARD_TRACING=otel", "OTEL_EXPORTER_OTLP_ENDPOINT=" + collector.URL}
	cases := []struct {
		name, pkg, event string
		env              []string
	}{
		{"hello/models.json", "./internal/lambdatest/testdata/hello", "models.json", nil},
		// The floors: hello plus the libraries the gateway must link, for
		// their package initialisation alone.
		{"sdkfloor/models.json", "./internal/lambdatest/testdata/sdkfloor", "models.json", nil},
		{"gateway/models.json", "./functions/gateway", "models.json", d.env},
		{"gateway/chat.json", "./functions/gateway", "chat.json", d.env},
		// The tracing choices (SWITCHYARD_TRACING): the default above is
		// X-Ray; otel exports each invocation's spans over OTLP/HTTP to a
		// collector on 127.0.0.1 before the invocation ends.
		{"gateway-none/models.json", "./functions/gateway", "models.json", append(d.env[:len(d.env):len(d.env)], "SWITCHYARD_TRACING=none")},
		{"gateway-none/chat.json", "./functions/gateway", "chat.json", append(d.env[:len(d.env):len(d.env)], "SWITCHYARD_TRACING=none")},
		{"gateway-otel/models.json", "./functions/gateway", "models.json", append(d.env[:len(d.env):len(d.env)], otelEnv...)},
		{"gateway-otel/chat.json", "./functions/gateway", "chat.json", append(d.env[:len(d.env):len(d.env)], otelEnv...)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.StopTimer() // builds and process starts are not what is measured
			bin := bootstrap(b, c.pkg)
			size := armSize(b, c.pkg)
			event := readEvent(b, c.event)
			var inits time.Duration
			for i := 0; i < b.N; i++ {
				r := startRIE(b, bin, c.env...)
				b.StartTimer()
				raw := r.invoke(b, event)
				b.StopTimer()
				if s := parseStreamed(b, raw); s.StatusCode != 200 {
					b.Fatalf("status %d: %s", s.StatusCode, s.Body)
				}
				if strings.HasPrefix(c.name, "gateway-otel/") && collector.exports.Swap(0) == 0 {
					b.Fatalf("the invocation ended with no span exported")
				}
				init, ok := r.initDuration()
				if !ok {
					b.Fatalf("no INIT REPORT in the emulator's output:\n%s", r.logs.String())
				}
				inits += init
				r.stop()
			}
			b.ReportMetric(float64(inits.Microseconds())/1000/float64(b.N), "init-ms")
			b.ReportMetric(float64(size), "arm64-bytes")
		})
	}
}

// armSize builds pkg as lambda.mk does for Lambda (linux/arm64) and
// returns the bootstrap's size.
func armSize(b *testing.B, pkg string) int64 {
	b.Helper()
	out := filepath.Join(b.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = repoRoot(b)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build %s for arm64: %v\n%s", pkg, err, msg)
	}
	fi, err := os.Stat(out)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

// collector is an OTLP/HTTP endpoint that accepts every export (an empty
// ExportTraceServiceResponse is an empty protobuf body) and counts them.
type collector struct {
	*httptest.Server
	exports atomic.Int64
}

func newCollector(b testing.TB) *collector {
	c := &collector{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/v1/traces" {
			c.exports.Add(1)
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	b.Cleanup(c.Close)
	return c
}
