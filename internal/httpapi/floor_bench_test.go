//go:build unix

package httpapi_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/benchfake"
)

// BenchmarkFloorStream is the floor of BenchmarkRoutedStream: a bare
// httputil.ReverseProxy (the loadgen's -floor target) in front of the same
// in-process upstream, so the two differ only by what the gateway does.
func BenchmarkFloorStream(b *testing.B) {
	body := []byte(benchBody + `,"stream":true,"stream_options":{"include_usage":true}}`)
	target, _ := url.Parse("http://127.0.0.1:9")
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = benchfake.Transport{Handler: benchfake.New(benchfake.Options{})}
	rp.FlushInterval = -1
	done := []byte("data: [DONE]\n\n")
	b.ReportAllocs()
	cpu0, n := benchCPUTime(b), 0
	for b.Loop() {
		rec := httptest.NewRecorder()
		rp.ServeHTTP(rec, benchRequest(body))
		if rec.Code != http.StatusOK || !bytes.HasSuffix(rec.Body.Bytes(), done) {
			b.Fatalf("status %d: %q", rec.Code, rec.Body.String())
		}
		n++
	}
	b.ReportMetric(float64(benchCPUTime(b)-cpu0)/float64(n), "cpu-ns/op")
}
