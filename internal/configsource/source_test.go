package configsource_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/store"
)

const baseYAML = `
providers:
  m: {type: mock, reply: "one"}
routers:
  r: {strategy: fallback, targets: [{model: m/a}]}
`

// TestChangesServedAfterRefresh: a record changed in the store (by another
// instance's push or the admin API) is served once the cached config is
// older than the refresh interval, without a restart, and not before.
func TestChangesServedAfterRefresh(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st, _ := b.open(t)
			g := openGateway(t, st, baseYAML, 10*time.Second)
			ctx := context.Background()
			first := g.src.Engine()

			router := func(model string) map[string]any {
				return map[string]any{"strategy": "fallback", "targets": []any{map[string]any{"model": model}}}
			}
			steps := []struct {
				name    string
				change  func() error
				advance time.Duration
				served  string // reply @ target
				swapped bool
			}{
				{"unchanged config keeps the engine", nil, 11 * time.Second, "one@m/a", false},
				{"a change is not read before the interval", func() error {
					return st.PutRecord(ctx, store.Record{Kind: store.KindProvider, Name: "m", Doc: map[string]any{"type": "mock", "reply": "two"}})
				}, 9 * time.Second, "one@m/a", false},
				{"and is served after it", nil, 2 * time.Second, "two@m/a", true},
				{"a record deleted and put again is a change", func() error {
					// Its version starts over at 1, as it was: only the
					// contents tell the two apart.
					if err := st.DeleteRecord(ctx, store.KindRouter, "r"); err != nil {
						return err
					}
					return st.PutRecord(ctx, store.Record{Kind: store.KindRouter, Name: "r", Doc: router("m/b")})
				}, 11 * time.Second, "two@m/b", true},
			}
			prev := first
			for _, s := range steps {
				t.Run(s.name, func(t *testing.T) {
					if s.change != nil {
						if err := s.change(); err != nil {
							t.Fatal(err)
						}
					}
					eng := g.tick(s.advance)
					if text, target := g.serve(t, "router/r"); text+"@"+target != s.served {
						t.Errorf("served %q, want %q", text+"@"+target, s.served)
					}
					if (eng != prev) != s.swapped {
						t.Errorf("engine swapped = %v, want %v", eng != prev, s.swapped)
					}
					prev = eng
				})
			}
			if n := g.src.Failures.Load(); n != 0 {
				t.Errorf("%d reload failures, want 0; logs:\n%s", n, g.logs)
			}
		})
	}
}

// TestRefreshFromConfig: with no interval given (as `gateway serve` and
// the Lambda call it), server.config_refresh sets how long config is
// cached, and DefaultRefresh applies without it.
func TestRefreshFromConfig(t *testing.T) {
	cases := []struct {
		name   string
		server string
		early  time.Duration // no reload yet after this long
		late   time.Duration // reloaded after this long
	}{
		{"server.config_refresh", "server: {config_refresh: 2s}\n", 2 * time.Second, 2*time.Second + 1},
		{"default", "", 10 * time.Second, 10*time.Second + 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := store.NewMemory()
			g := openGateway(t, st, baseYAML+c.server, 0)
			if err := st.PutRecord(context.Background(), store.Record{Kind: store.KindProvider, Name: "m",
				Doc: map[string]any{"type": "mock", "reply": "two"}}); err != nil {
				t.Fatal(err)
			}
			g.tick(c.early)
			if got := g.reply(t, "router/r"); got != "one" {
				t.Fatalf("after %s: reply %q, want the cached %q", c.early, got, "one")
			}
			g.tick(c.late - c.early)
			if got := g.reply(t, "router/r"); got != "two" {
				t.Fatalf("after %s: reply %q, want the changed %q", c.late, got, "two")
			}
		})
	}
}

// TestLastGoodConfigServed: an invalid record, or a read that fails, is
// counted and logged, and the last good config keeps serving; once the
// store is fixed the next refresh serves it.
func TestLastGoodConfigServed(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st, cut := b.open(t)
			g := openGateway(t, st, baseYAML, 10*time.Second)
			good := g.src.Engine()
			ctx := context.Background()

			t.Run("invalid record", func(t *testing.T) {
				// Written around validation, as a hand edit in the console would be.
				bad := map[string]any{"strategy": "fastest", "targets": []any{map[string]any{"model": "m/a"}}}
				if err := st.PutRecord(ctx, store.Record{Kind: store.KindRouter, Name: "r", Doc: bad}); err != nil {
					t.Fatal(err)
				}
				if eng := g.tick(11 * time.Second); eng != good {
					t.Fatal("an invalid config replaced the last good one")
				}
				if got := g.reply(t, "router/r"); got != "one" {
					t.Errorf("reply %q, want %q from the last good config", got, "one")
				}
				if n := g.src.Failures.Load(); n != 1 {
					t.Errorf("Failures = %d, want 1", n)
				}
				if logs := g.logs.String(); !strings.Contains(logs, "config reload failed") || !strings.Contains(logs, `routers.r: unknown strategy`) {
					t.Errorf("the failure is not logged with its path; logs:\n%s", logs)
				}
			})
			t.Run("fixed record", func(t *testing.T) {
				fixed := map[string]any{"strategy": "round_robin", "targets": []any{map[string]any{"model": "m/a"}}}
				if err := st.PutRecord(ctx, store.Record{Kind: store.KindRouter, Name: "r", Doc: fixed}); err != nil {
					t.Fatal(err)
				}
				eng := g.tick(11 * time.Second)
				if eng == good || eng.Config().Routers["r"].Strategy != "round_robin" {
					t.Fatal("the fixed config is not served")
				}
				good = eng
			})
			t.Run("failing read", func(t *testing.T) {
				cut()
				before := g.src.Failures.Load()
				if eng := g.tick(11 * time.Second); eng != good {
					t.Fatal("a failed read replaced the config")
				}
				if got := g.reply(t, "router/r"); got != "one" {
					t.Errorf("reply %q, want %q from the cached config", got, "one")
				}
				if n := g.src.Failures.Load() - before; n != 1 {
					t.Errorf("Failures grew by %d, want 1", n)
				}
				if logs := g.logs.String(); !strings.Contains(logs, "read config records") {
					t.Errorf("the read failure is not logged; logs:\n%s", logs)
				}
			})
		})
	}
}

// held is a provider whose one call waits until released.
type held struct {
	started, release chan struct{}
}

func (h *held) Complete(ctx context.Context, c *provider.Call) (*chat.Response, error) {
	close(h.started)
	<-h.release
	return &chat.Response{ID: "x", Object: "chat.completion", Model: c.Model,
		Choices: []chat.Choice{{Message: chat.Message{Role: "assistant", Content: chat.TextContent("late")}, FinishReason: "stop"}}}, nil
}

func (h *held) Stream(context.Context, *provider.Call) (provider.Stream, error) {
	return nil, &provider.Error{Class: provider.ClassUnsupported, Message: "no streams"}
}

// TestReloadKeepsRequestsInFlight: a request still running on an engine
// that a config change retired is answered, and its metric sample is
// written rather than lost with the old engine.
func TestReloadKeepsRequestsInFlight(t *testing.T) {
	st := store.NewMemory()
	ctx := context.Background()
	if _, err := configsource.Push(ctx, st, doc(t, baseYAML)); err != nil {
		t.Fatal(err)
	}
	h := &held{started: make(chan struct{}), release: make(chan struct{})}
	clk := newClock()
	src, err := configsource.FromStore(ctx, st, engine.Deps{Store: st, Now: clk.Now, Logger: slog.New(slog.DiscardHandler),
		Providers: map[string]provider.Provider{"m": h}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	old := src.Engine()
	done := make(chan *engine.Error, 1)
	go func() {
		_, err := old.Complete(ctx, &engine.Request{ID: "t", Headers: http.Header{}, Chat: &chat.Request{Model: "router/r",
			Messages: []chat.Message{{Role: "user", Content: chat.TextContent("hi")}}}})
		done <- err
	}()
	<-h.started
	if err := src.Put(ctx, store.KindRouter, "other", map[string]any{"strategy": "fallback", "targets": []any{map[string]any{"model": "m/b"}}}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if src.Engine() == old {
		t.Fatal("the change did not swap the engine")
	}
	old.Close() // as the Source does in the background; done here so the order is known
	close(h.release)
	if err := <-done; err != nil {
		t.Fatalf("the request on the retired engine failed: %+v", err)
	}
	if err := old.Recorder().Flush(ctx); err != nil {
		t.Fatal(err)
	}
	buckets, err := st.Buckets(ctx, clk.Now().Add(-time.Hour), clk.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(buckets) != 1 || buckets[0].Served != 1 {
		t.Errorf("buckets %+v, want the request's sample", buckets)
	}
	src.Engine().Close()
}
