package engine_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/provider"
	_ "github.com/switchyard-llm/switchyard/internal/provider/mock"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// slotGate holds each call until release is closed, announcing it on started.
type slotGate struct {
	next             provider.Provider
	started, release chan struct{}
}

func (g *slotGate) Complete(ctx context.Context, c *provider.Call) (*chat.Response, error) {
	g.started <- struct{}{}
	<-g.release
	return g.next.Complete(ctx, c)
}

func (g *slotGate) Stream(ctx context.Context, c *provider.Call) (provider.Stream, error) {
	return g.next.Stream(ctx, c)
}

// TestKeySlotsAcrossAConfigReload: the engine a config change builds
// (same instance, same store) holds max_concurrent slots next to the old
// one's requests still in flight, and every slot comes back when they
// end: the counter returns to 0.
func TestKeySlotsAcrossAConfigReload(t *testing.T) {
	cfg, err := config.Parse([]byte(`
providers: {m: {type: mock, reply: ok}}
routers: {main: {strategy: fallback, targets: [{model: m/a}]}}
keys: [{name: k, sha256: "0000000000000000000000000000000000000000000000000000000000000000", limits: {max_concurrent: 2}}]
`))
	if err != nil {
		t.Fatal(err)
	}
	mock, err := provider.New(config.Provider{Type: "mock", Reply: "ok"}, provider.Env{})
	if err != nil {
		t.Fatal(err)
	}
	g := &slotGate{next: mock, started: make(chan struct{}, 4), release: make(chan struct{})}
	st := store.NewMemory()
	var engines []*engine.Engine
	for i := 0; i < 2; i++ { // the old engine and the reloaded one
		e, err := engine.New(cfg, engine.Deps{Store: st, InstanceID: "i-1", Seed: 1, Logger: slog.New(slog.DiscardHandler),
			Providers: map[string]provider.Provider{"m": g}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(e.Close)
		engines = append(engines, e)
	}
	done := make(chan *engine.Error, 2)
	for _, e := range engines {
		go func() {
			r := &engine.Request{Chat: &chat.Request{Model: "router/main", Messages: []chat.Message{{Role: "user", Content: chat.TextContent("hi")}}},
				Key: &cfg.Keys[0], Headers: http.Header{}}
			_, err := e.Complete(context.Background(), r)
			done <- err
		}()
	}
	<-g.started
	<-g.started
	close(g.release)
	for i := 0; i < 2; i++ {
		if err := <-done; err != nil {
			t.Fatalf("request: %d %s", err.Status, err.Message)
		}
	}
	if n, _ := st.Spent(context.Background(), "key#k#concurrent"); n != 0 {
		t.Errorf("concurrency counter %d after both requests ended, want 0 (a slot leaked)", n)
	}
}

// TestRateWindowsSharedAcrossReload: engines sharing RateWindows (those a
// configsource builds on reloads) spend one chunk of a key's window
// instead of taking one each.
func TestRateWindowsSharedAcrossReload(t *testing.T) {
	cfg, err := config.Parse([]byte(`
providers: {m: {type: mock, reply: ok}}
routers: {main: {strategy: fallback, targets: [{model: m/a}]}}
keys: [{name: k, sha256: "0000000000000000000000000000000000000000000000000000000000000000", limits: {requests_per_minute: 3200}}]
`))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 12, 0, 30, 0, time.UTC)
	for _, c := range []struct {
		name    string
		shared  bool
		counter int64
	}{{"shared", true, 100}, {"each its own", false, 200}} {
		t.Run(c.name, func(t *testing.T) {
			st := store.NewMemory()
			var rw *engine.RateWindows
			if c.shared {
				rw = &engine.RateWindows{}
			}
			for i := 0; i < 2; i++ {
				e, err := engine.New(cfg, engine.Deps{Store: st, Seed: 1, Now: func() time.Time { return now }, RateWindows: rw,
					Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					t.Fatal(err)
				}
				r := &engine.Request{Chat: &chat.Request{Model: "router/main", Messages: []chat.Message{{Role: "user", Content: chat.TextContent("hi")}}},
					Key: &cfg.Keys[0], Headers: http.Header{}}
				if _, err := e.Complete(context.Background(), r); err != nil {
					t.Fatal(err.Message)
				}
				e.Close()
			}
			ctr := fmt.Sprintf("key#k#rpm#%d", now.Unix()/60)
			if n, _ := st.Spent(context.Background(), ctr); n != c.counter {
				t.Errorf("counter %d after one request on each of two engines, want %d (chunks of 3200/32)", n, c.counter)
			}
		})
	}
}
