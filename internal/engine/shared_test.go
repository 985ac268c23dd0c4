package engine_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// gate is a provider whose calls block until released, so a test can hold
// requests in flight.
type gate struct {
	started chan string
	release chan struct{}
}

func (g *gate) Complete(ctx context.Context, call *provider.Call) (*chat.Response, error) {
	g.started <- call.Model
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &chat.Response{ID: "x", Object: "chat.completion", Model: call.Model,
		Choices: []chat.Choice{{Message: chat.Message{Role: "assistant", Content: chat.TextContent("ok")}, FinishReason: "stop"}}}, nil
}

func (g *gate) Stream(context.Context, *provider.Call) (provider.Stream, error) {
	return nil, &provider.Error{Class: provider.ClassUnsupported, Message: "no streams"}
}

// TestLeastLoadedAcrossInstances: two engines (two Lambda instances)
// sharing one store balance together: the second sends its request to the
// target the first is not busy with.
func TestLeastLoadedAcrossInstances(t *testing.T) {
	yml := `
providers:
  p: {type: mock}
routers:
  ll: {strategy: least_loaded, targets: [{model: p/a}, {model: p/b}]}
`
	cfg, err := config.Parse([]byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	st := store.NewMemory()
	g := &gate{started: make(chan string, 4), release: make(chan struct{})}
	mk := func(id string) *engine.Engine {
		e, err := engine.New(cfg, engine.Deps{Store: st, Logger: slog.New(slog.DiscardHandler), Seed: 3, InstanceID: id,
			Providers: map[string]provider.Provider{"p": g}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(e.Close)
		return e
	}
	a, b := mk("instance-a"), mk("instance-b")

	done := make(chan string, 2)
	go func() {
		res, err := a.Complete(context.Background(), req("router/ll", "", 0))
		if err != nil {
			t.Errorf("a: %+v", err)
			done <- ""
			return
		}
		done <- res.Target
	}()
	first := <-g.started // a's request is now in flight on this target
	go func() {
		res, err := b.Complete(context.Background(), req("router/ll", "", 0))
		if err != nil {
			t.Errorf("b: %+v", err)
			done <- ""
			return
		}
		done <- res.Target
	}()
	second := <-g.started
	if first == second {
		t.Fatalf("both instances sent their request to %s; b did not see a's in-flight request", first)
	}
	counts, _ := st.InFlightCounts(context.Background(), timeNow())
	if counts["p/a"] != 1 || counts["p/b"] != 1 {
		t.Errorf("shared in-flight counts %v, want one each", counts)
	}
	close(g.release)
	<-done
	<-done
	// The releases are written within a second (coalesced), or by a flush.
	for _, e := range []*engine.Engine{a, b} {
		if err := e.Flush(context.Background(), true); err != nil {
			t.Fatal(err)
		}
	}
	counts, _ = st.InFlightCounts(context.Background(), timeNow())
	if counts["p/a"] != 0 || counts["p/b"] != 0 {
		t.Errorf("in-flight counts not released: %v", counts)
	}
}
