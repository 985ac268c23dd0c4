package mock

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

func init() { provider.Register("mock", New) }

// Provider is a local fake model.
type Provider struct {
	name     string
	latency  time.Duration
	failRate float64
	status   int
	reply    string

	mu  sync.Mutex
	rng *rand.Rand
	seq int
}

var _ provider.Provider = (*Provider)(nil)

// New builds a mock provider.
func New(cfg config.Provider, env provider.Env) (provider.Provider, error) {
	status := cfg.FailStatus
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	seed := uint64(cfg.Seed)
	return &Provider{
		name: env.Name, latency: cfg.Latency.D(), failRate: cfg.FailRate, status: status, reply: cfg.Reply,
		rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}, nil
}

// roll decides whether this call fails and returns its sequence number.
func (p *Provider) roll() (bool, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq++
	return p.failRate > 0 && p.rng.Float64() < p.failRate, p.seq
}

func (p *Provider) wait(ctx context.Context) error {
	if p.latency <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(p.latency)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return provider.NetworkError(ctx, ctx.Err())
	case <-t.C:
		return nil
	}
}

func (p *Provider) text(call *provider.Call) string {
	if p.reply != "" {
		return p.reply
	}
	last := ""
	if n := len(call.Request.Messages); n > 0 {
		last = call.Request.Messages[n-1].Content.String()
	}
	if len(last) > 60 {
		last = last[:60] + "..."
	}
	return fmt.Sprintf("Hello from %s/%s. You said: %q", p.name, call.Model, last)
}

func (p *Provider) failure() error {
	return &provider.Error{Class: provider.ClassForStatus(p.status), Status: p.status,
		Message: fmt.Sprintf("mock provider %s: simulated failure", p.name), Type: "mock_error"}
}

func usage(req *chat.Request, out string) *chat.Usage {
	in := 0
	for _, m := range req.Messages {
		in += len(m.Content.String())/4 + 4
	}
	o := len(out)/4 + 1
	return &chat.Usage{PromptTokens: in, CompletionTokens: o, TotalTokens: in + o}
}

// Complete answers after the configured latency, or fails.
func (p *Provider) Complete(ctx context.Context, call *provider.Call) (*chat.Response, error) {
	fail, seq := p.roll()
	if err := p.wait(ctx); err != nil {
		return nil, err
	}
	if fail {
		return nil, p.failure()
	}
	text := p.text(call)
	return &chat.Response{
		ID: fmt.Sprintf("chatcmpl-mock-%s-%d", p.name, seq), Object: "chat.completion",
		Created: time.Now().Unix(), Model: call.Model,
		Choices: []chat.Choice{{Message: chat.Message{Role: "assistant", Content: chat.TextContent(text)}, FinishReason: "stop"}},
		Usage:   usage(call.Request, text),
	}, nil
}

// Stream answers word by word.
func (p *Provider) Stream(ctx context.Context, call *provider.Call) (provider.Stream, error) {
	fail, seq := p.roll()
	if err := p.wait(ctx); err != nil {
		return nil, err
	}
	if fail {
		return nil, p.failure()
	}
	text := p.text(call)
	words := strings.SplitAfter(text, " ")
	id := fmt.Sprintf("chatcmpl-mock-%s-%d", p.name, seq)
	now := time.Now().Unix()
	var chunks []chat.Chunk
	mk := func(d chat.Delta, finish *string) chat.Chunk {
		return chat.Chunk{ID: id, Object: "chat.completion.chunk", Created: now, Model: call.Model,
			Choices: []chat.ChunkChoice{{Delta: d, FinishReason: finish}}}
	}
	chunks = append(chunks, mk(chat.Delta{Role: "assistant", Content: chat.Ptr("")}, nil))
	for _, w := range words {
		chunks = append(chunks, mk(chat.Delta{Content: chat.Ptr(w)}, nil))
	}
	chunks = append(chunks, mk(chat.Delta{}, chat.Ptr("stop")))
	chunks = append(chunks, chat.Chunk{ID: id, Object: "chat.completion.chunk", Created: now, Model: call.Model,
		Choices: []chat.ChunkChoice{}, Usage: usage(call.Request, text)})
	return &stream{ctx: ctx, chunks: chunks, i: -1}, nil
}

type stream struct {
	ctx    context.Context
	chunks []chat.Chunk
	i      int
	err    error
}

func (s *stream) Next() bool {
	if s.err != nil {
		return false
	}
	if err := s.ctx.Err(); err != nil {
		s.err = provider.NetworkError(s.ctx, err)
		return false
	}
	s.i++
	return s.i < len(s.chunks)
}
func (s *stream) Current() *chat.Chunk { return &s.chunks[s.i] }
func (s *stream) Err() error           { return s.err }
func (s *stream) Close() error         { return nil }
