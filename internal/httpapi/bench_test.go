//go:build unix

package httpapi_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/benchfake"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/prom"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/tracestore"

	_ "github.com/switchyard-llm/switchyard/internal/provider/openai"
)

// The benchmarks run the whole gateway handler in-process in front of the
// fake upstream served in-process too (benchfake.Transport), so ns/op is
// gateway CPU plus the small cost of the fake and its recorder, which
// BenchmarkInProcessUpstream measures on its own. cpu-ns/op is the
// process CPU (all goroutines, GC included) per request; on a quiet
// machine it is close to ns/op plus the metrics recorder's background work.

// The base_url is never dialled: the transport serves every request in-process.
const benchConfig = `
providers:
  fake: {type: openai-compatible, base_url: "http://127.0.0.1:9/v1"}
routers:
  r:
    strategy: fallback
    targets: [{model: fake/gpt-4o-mini}]
`

// benchBody is a typical small chat request.
const benchBody = `{"model":"router/r","messages":[` +
	`{"role":"system","content":"You are a concise assistant. Answer in at most three sentences."},` +
	`{"role":"user","content":"Explain in plain words what an LLM routing gateway does and why a team would run one."}],` +
	`"temperature":0.2,"max_tokens":256,"user":"bench-user","metadata":{"team":"bench"}`

func benchGateway(b testing.TB, log *slog.Logger) http.Handler {
	b.Helper()
	cfg, err := config.Parse([]byte(benchConfig))
	if err != nil {
		b.Fatal(err)
	}
	fake := benchfake.New(benchfake.Options{})
	st := store.NewMemory()
	// The trace store and the Prometheus registry are wired as `switchyard
	// serve` wires them: their cost is part of every request's.
	traces, metrics := tracestore.New(0), prom.New()
	deps := engine.Deps{Store: st, Logger: log, HTTPClient: &http.Client{Transport: benchfake.Transport{Handler: fake}},
		Traces: traces, Metrics: metrics}
	src, err := configsource.FromConfig(cfg, deps)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(src.Engine().Close)
	return httpapi.New(src, httpapi.Options{Logger: log, Store: st, Traces: traces, Metrics: metrics})
}

var benchURL = &url.URL{Scheme: "http", Host: "127.0.0.1:8080", Path: "/v1/chat/completions"}

// benchRequest is what net/http hands the handler for a POST from loopback,
// built without parsing so the parse is not counted as gateway work.
func benchRequest(body []byte) *http.Request {
	return &http.Request{
		Method: http.MethodPost, URL: benchURL, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)), Host: benchURL.Host, RemoteAddr: "127.0.0.1:50000", RequestURI: benchURL.Path,
	}
}

// benchCPUTime is the CPU this process has used, user and system.
func benchCPUTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var benchLogs = []struct {
	name string
	log  func() *slog.Logger
}{
	// discard: the routing path alone.
	{"log=discard", func() *slog.Logger { return slog.New(slog.DiscardHandler) }},
	// json: plus formatting the one JSON log line per request the server writes.
	{"log=json", func() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }},
}

func benchRouted(b *testing.B, body []byte, check func(*testing.B, *httptest.ResponseRecorder)) {
	for _, l := range benchLogs {
		b.Run(l.name, func(b *testing.B) {
			h := benchGateway(b, l.log())
			b.ReportAllocs()
			cpu0, n := benchCPUTime(b), 0
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, benchRequest(body))
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
				}
				check(b, rec)
				n++
			}
			b.ReportMetric(float64(benchCPUTime(b)-cpu0)/float64(n), "cpu-ns/op")
		})
	}
}

// BenchmarkRoutedRequest is one non-streamed request through router/r.
func BenchmarkRoutedRequest(b *testing.B) {
	body := []byte(benchBody + `}`)
	benchRouted(b, body, func(b *testing.B, rec *httptest.ResponseRecorder) {
		if rec.Header().Get("x-switchyard-target") != "fake/gpt-4o-mini" {
			b.Fatalf("served by %q", rec.Header().Get("x-switchyard-target"))
		}
	})
}

// BenchmarkRoutedStream is one streamed request (role chunk, 20 content
// chunks, finish and usage chunks, [DONE]) through router/r.
func BenchmarkRoutedStream(b *testing.B) {
	body := []byte(benchBody + `,"stream":true,"stream_options":{"include_usage":true}}`)
	done := []byte("data: [DONE]\n\n")
	benchRouted(b, body, func(b *testing.B, rec *httptest.ResponseRecorder) {
		if !bytes.HasSuffix(rec.Body.Bytes(), done) {
			b.Fatalf("stream did not end with [DONE]: %q", rec.Body.String())
		}
	})
}

// BenchmarkInProcessUpstream is the fake upstream and its in-process
// transport alone, as the gateway's provider calls them: the part of the
// routed benchmarks' ns/op that is not gateway work.
func BenchmarkInProcessUpstream(b *testing.B) {
	client := &http.Client{Transport: benchfake.Transport{Handler: benchfake.New(benchfake.Options{})}}
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"stream=false", []byte(benchBody + `}`)},
		{"stream=true", []byte(benchBody + `,"stream":true,"stream_options":{"include_usage":true}}`)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:9/v1/chat/completions", bytes.NewReader(tc.body))
				if err != nil {
					b.Fatal(err)
				}
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
