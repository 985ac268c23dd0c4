package mock_test

import (
	"context"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/provider/mock"
)

func run(t *testing.T, cfg config.Provider, n int) []bool {
	p, err := mock.New(cfg, provider.Env{Name: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	call := &provider.Call{Model: "small", Request: &chat.Request{Messages: []chat.Message{{Role: "user", Content: chat.TextContent("hi")}}}}
	out := make([]bool, n)
	for i := range out {
		_, err := p.Complete(context.Background(), call)
		out[i] = err == nil
		if err != nil && provider.ClassOf(err) != provider.ClassForStatus(cfg.FailStatus) {
			t.Errorf("class %s for status %d", provider.ClassOf(err), cfg.FailStatus)
		}
	}
	return out
}

func TestSeededFailuresRepeat(t *testing.T) {
	cfg := config.Provider{Type: "mock", FailRate: 0.3, FailStatus: 429, Seed: 11}
	a, b := run(t, cfg, 1000), run(t, cfg, 1000)
	fails := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("call %d differs between two runs with the same seed", i)
		}
		if !a[i] {
			fails++
		}
	}
	if fails < 240 || fails > 360 {
		t.Errorf("%d failures in 1000 at fail_rate 0.3", fails)
	}
}

func TestStreamWordByWord(t *testing.T) {
	p, _ := mock.New(config.Provider{Type: "mock", Reply: "one two three"}, provider.Env{Name: "demo"})
	s, err := p.Stream(context.Background(), &provider.Call{Model: "m", Request: &chat.Request{}})
	if err != nil {
		t.Fatal(err)
	}
	text, usage := "", false
	for s.Next() {
		c := s.Current()
		for _, ch := range c.Choices {
			if ch.Delta.Content != nil {
				text += *ch.Delta.Content
			}
		}
		usage = usage || c.Usage != nil
	}
	if text != "one two three" || !usage || s.Err() != nil {
		t.Errorf("text %q usage %v err %v", text, usage, s.Err())
	}
}

func TestLatencyHonoursCancel(t *testing.T) {
	p, _ := mock.New(config.Provider{Type: "mock", Latency: config.Duration(3600e9)}, provider.Env{Name: "demo"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.Complete(ctx, &provider.Call{Model: "m", Request: &chat.Request{}})
	if provider.ClassOf(err) != provider.ClassCanceled {
		t.Errorf("err %v", err)
	}
}
