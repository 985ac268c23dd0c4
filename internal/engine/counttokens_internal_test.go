package engine

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/messages"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// TestCountTokensStaysOutOfStats: count_tokens generates nothing; its
// attempts (here a gateway estimate, answered in microseconds) must not
// teach latency, optimized or least-loaded routing that the target is
// fast, nor count as its requests. A Messages request to the same target
// is counted, which shows the stats are recorded at all.
func TestCountTokensStaysOutOfStats(t *testing.T) {
	cfg, err := config.Parse([]byte("providers:\n  m: {type: mock}\nrouters:\n  r: {strategy: fallback, targets: [{model: m/a}]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	st := store.NewMemory()
	e, err := New(cfg, Deps{Store: st, Logger: slog.New(slog.DiscardHandler), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	ctx := context.Background()
	requests := func() int64 {
		if err := e.Flush(ctx, true); err != nil {
			t.Fatal(err)
		}
		bs, err := st.Buckets(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, b := range bs {
			if strings.HasPrefix(b.Subject, "m/") { // the target, under its metric name
				n += b.Requests
			}
		}
		return n
	}
	body := []byte(`{"model":"router/r","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`)
	count, fe := messages.DecodeCount([]byte(`{"model":"router/r","messages":[{"role":"user","content":"hi"}]}`))
	if fe != nil {
		t.Fatal(fe)
	}
	if _, n, err := e.CountTokens(ctx, &Request{ID: "c", Headers: http.Header{}, Messages: count}); err != nil || n == 0 {
		t.Fatalf("count_tokens: %d, %+v", n, err)
	}
	if n := requests(); n != 0 {
		t.Errorf("count_tokens counted as %d request(s) of m/a", n)
	}
	msg, fe := messages.Decode(body)
	if fe != nil {
		t.Fatal(fe)
	}
	if _, _, err := e.Messages(ctx, &Request{ID: "m", Headers: http.Header{}, Messages: msg}); err != nil {
		t.Fatalf("messages: %+v", err)
	}
	if n := requests(); n != 1 {
		t.Errorf("a Messages request counted as %d request(s) of m/a, want 1", n)
	}
}
