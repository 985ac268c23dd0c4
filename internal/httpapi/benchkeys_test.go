//go:build unix

package httpapi_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/benchfake"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/prom"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/tracestore"
)

// BenchmarkRoutedRequestKey is BenchmarkRoutedRequest (log=discard) with
// a caller key: key=plain without limits, key=limited with
// requests_per_minute, tokens_per_minute and max_concurrent (in-memory
// store: the CPU of the limiter, not DynamoDB's latency; statetest's
// TestKeyLimitCalls holds the DynamoDB writes).
func BenchmarkRoutedRequestKey(b *testing.B) {
	plain, limited := sha("sk-bench-plain"), sha("sk-bench-limited")
	yml := benchConfig + "\nkeys:\n  - {name: plain, sha256: \"" + plain + "\"}\n" +
		"  - {name: limited, sha256: \"" + limited + "\", limits: {requests_per_minute: 1000000000, tokens_per_minute: 1000000000000, max_concurrent: 1000}}\n"
	cfg, err := config.Parse([]byte(yml))
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(benchBody + `}`)
	for _, k := range []struct{ name, token string }{{"key=plain", "sk-bench-plain"}, {"key=limited", "sk-bench-limited"}} {
		b.Run(k.name, func(b *testing.B) {
			log := slog.New(slog.DiscardHandler)
			st := store.NewMemory()
			traces, metrics := tracestore.New(0), prom.New()
			deps := engine.Deps{Store: st, Logger: log, HTTPClient: &http.Client{Transport: benchfake.Transport{Handler: benchfake.New(benchfake.Options{})}},
				Traces: traces, Metrics: metrics}
			src, err := configsource.FromConfig(cfg, deps)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(src.Engine().Close)
			h := httpapi.New(src, httpapi.Options{Logger: log, Store: st, Traces: traces, Metrics: metrics})
			b.ReportAllocs()
			cpu0, n := benchCPUTime(b), 0
			for b.Loop() {
				req := benchRequest(body)
				req.Header.Set("Authorization", "Bearer "+k.token)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
				}
				if (rec.Header().Get("x-ratelimit-limit-requests") != "") != (k.name == "key=limited") {
					b.Fatalf("x-ratelimit-limit-requests %q", rec.Header().Get("x-ratelimit-limit-requests"))
				}
				n++
			}
			b.ReportMetric(float64(benchCPUTime(b)-cpu0)/float64(n), "cpu-ns/op")
		})
	}
}
