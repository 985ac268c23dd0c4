package xray

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkSampledRequest is one sampled request under Lambda as the
// engine traces it: the request subsegment, a routing decision with
// annotations and candidate metadata, a failed and a served attempt,
// encoded and sent to a UDP listener on loopback (which discards them).
// It uses only the package's exported API, so the same file measures an
// earlier build of the package.
func BenchmarkSampledRequest(b *testing.B) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	go func() {
		buf := make([]byte, 64<<10)
		for {
			if _, err := conn.Read(buf); err != nil {
				return
			}
		}
	}()
	tr, err := New(Options{DaemonAddr: conn.LocalAddr().String(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	fail := errors.New("openai: 503 overloaded")
	h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rctx, routing := tr.Start(r.Context(), "routing")
		routing.Annotate("router", "default")
		routing.Annotate("strategy", "fallback")
		routing.Metadata("candidates", []string{"openai/gpt-4o-mini", "anthropic/claude-haiku-4-5"})
		for i, target := range []string{"openai/gpt-4o-mini", "anthropic/claude-haiku-4-5"} {
			_, att := tr.Start(rctx, "attempt")
			att.Annotate("target", target)
			att.Annotate("status", 503-303*i)
			if i == 0 {
				att.End(fail)
			} else {
				att.End(nil)
			}
		}
		routing.Annotate("attempts", 2)
		routing.Annotate("fallback", true)
		routing.End(nil)
		w.WriteHeader(http.StatusOK)
	}))
	//nolint:staticcheck // aws-lambda-go's context key is a plain string
	ctx := context.WithValue(context.Background(), "x-amzn-trace-id",
		"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	req := httptest.NewRequest(http.MethodPost, "https://gw.example.com/v1/chat/completions", nil).WithContext(ctx)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.ServeHTTP(w, req)
	}
}
