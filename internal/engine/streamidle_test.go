package engine_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// TestStreamIdleTimeout: a committed stream whose upstream then sends
// nothing for stream_idle_timeout ends with an SSE error chunk (504
// timeout, no [DONE]), its upstream call is canceled, and the stall is
// counted as a failed attempt of class timeout. A stream that keeps
// sending, however slowly in total, is not cut.
func TestStreamIdleTimeout(t *testing.T) {
	for _, tc := range []struct {
		name      string
		router    string
		quiet     time.Duration // how long the upstream stays silent before the timers fire
		wantStall bool
	}{
		{"default 60s, silent 61s", "{strategy: fallback, targets: [{model: g/a}], timeout: 10m}", 61 * time.Second, true},
		{"default 60s, silent 59s", "{strategy: fallback, targets: [{model: g/a}], timeout: 10m}", 59 * time.Second, false},
		{"configured 5s, silent 6s", "{strategy: fallback, targets: [{model: g/a}], timeout: 10m, stream_idle_timeout: 5s}", 6 * time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Parse([]byte("providers:\n  g: {type: mock}\nrouters:\n  r: " + tc.router + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			clk := &testClock{now: time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)}
			timers := &manualTimers{}
			st := store.NewMemory()
			s := &gatedStream{release: make(chan struct{}), sent: make(chan struct{})}
			e, err := engine.New(cfg, engine.Deps{Store: st, Logger: slog.New(slog.DiscardHandler), Seed: 1,
				Now: clk.Now, AfterFunc: timers.AfterFunc, Providers: map[string]provider.Provider{"g": &gatedProvider{stream: s}}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(e.Close)
			w := &recordingWriter{}
			done := make(chan *engine.Error, 1)
			r := req("router/r", "", 10)
			r.Chat.Stream = true
			go func() {
				_, err := e.Stream(context.Background(), r, w)
				done <- err
			}()
			<-s.sent // committed: the content chunk is out, the upstream goes quiet
			clk.advance(tc.quiet)
			timers.fireAll()
			if !tc.wantStall {
				close(s.release) // the upstream speaks again in time
			}
			if err := <-done; err != nil {
				t.Fatalf("a committed stream returned an error %+v", err)
			}
			if !tc.wantStall {
				if w.failed != nil || !w.done {
					t.Fatalf("a stream quiet for %v was cut (failed %+v, done %v)", tc.quiet, w.failed, w.done)
				}
				return
			}
			if w.done {
				t.Error("a stalled stream ended with [DONE]")
			}
			if w.failed == nil || w.failed.Status != 504 || w.failed.Code != string(provider.ClassTimeout) {
				t.Fatalf("stall ended with %+v, want a 504 timeout error chunk", w.failed)
			}
			if s.ctx.Err() == nil {
				t.Error("the upstream call was not canceled")
			}
			if err := e.Flush(context.Background(), true); err != nil {
				t.Fatal(err)
			}
			buckets, err := st.Buckets(context.Background(), clk.Now().Add(-time.Hour), clk.Now().Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			counted := false
			for _, b := range buckets {
				if strings.HasPrefix(b.Subject, "g/a") && b.Errors[string(provider.ClassTimeout)] == 1 && b.Successes == 0 {
					counted = true
				}
			}
			if !counted {
				t.Errorf("the stall was not counted as a timeout of g/a: %+v", buckets)
			}
		})
	}
}
