package engine_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// manualTimers fires attempt timeouts when the test says so.
type manualTimers struct {
	mu     sync.Mutex
	timers []*manualTimer
}

type manualTimer struct {
	f       func()
	stopped bool
}

func (m *manualTimers) AfterFunc(_ time.Duration, f func()) func() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := &manualTimer{f: f}
	m.timers = append(m.timers, t)
	return func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// fireAll runs every timer not stopped, as if its time had come.
func (m *manualTimers) fireAll() {
	m.mu.Lock()
	var due []func()
	for _, t := range m.timers {
		if !t.stopped {
			t.stopped = true
			due = append(due, t.f)
		}
	}
	m.mu.Unlock()
	for _, f := range due {
		f()
	}
}

// gatedStream sends a role chunk and one content chunk, then waits for
// release before finishing; it ends early when its context is canceled.
type gatedStream struct {
	ctx     context.Context
	release chan struct{}
	sent    chan struct{} // closed once the content chunk has been returned
	n       int
	cur     chat.Chunk
	err     error
}

func (s *gatedStream) Next() bool {
	content := func(text string, finish *string) chat.Chunk {
		return chat.Chunk{ID: "c", Object: "chat.completion.chunk", Model: "m",
			Choices: []chat.ChunkChoice{{Delta: chat.Delta{Content: chat.Ptr(text)}, FinishReason: finish}}}
	}
	s.n++
	switch s.n {
	case 1:
		s.cur = chat.Chunk{ID: "c", Object: "chat.completion.chunk", Model: "m",
			Choices: []chat.ChunkChoice{{Delta: chat.Delta{Role: "assistant"}}}}
		return true
	case 2:
		s.cur = content("Once", nil)
		return true
	case 3:
		close(s.sent)
		select {
		case <-s.release:
		case <-s.ctx.Done():
			s.err = s.ctx.Err()
			return false
		}
		s.cur = content(" upon a time.", chat.Ptr("stop"))
		return true
	}
	return false
}

func (s *gatedStream) Current() *chat.Chunk { return &s.cur }
func (s *gatedStream) Err() error           { return s.err }
func (s *gatedStream) Close() error         { return nil }

type gatedProvider struct{ stream *gatedStream }

func (p *gatedProvider) Complete(context.Context, *provider.Call) (*chat.Response, error) {
	return nil, &provider.Error{Class: provider.ClassUnsupported, Message: "streams only"}
}

func (p *gatedProvider) Stream(ctx context.Context, _ *provider.Call) (provider.Stream, error) {
	p.stream.ctx = ctx
	return p.stream, nil
}

// recordingWriter collects what a stream sends.
type recordingWriter struct {
	mu     sync.Mutex
	chunks int
	done   bool
	failed *engine.Error
}

func (w *recordingWriter) Commit(*engine.Result) error { return nil }
func (w *recordingWriter) Flush() error                { return nil }
func (w *recordingWriter) Chunk(*chat.Chunk, bool) error {
	w.mu.Lock()
	w.chunks++
	w.mu.Unlock()
	return nil
}
func (w *recordingWriter) Fail(err *engine.Error) { w.mu.Lock(); w.failed = err; w.mu.Unlock() }
func (w *recordingWriter) Done()                  { w.mu.Lock(); w.done = true; w.mu.Unlock() }

// TestAttemptTimeoutStopsAtFirstContent: attempt_timeout bounds the wait
// for an answer; once a stream has committed (sent its first content) the
// timer is stopped, so a long answer is not cut mid-way.
func TestAttemptTimeoutStopsAtFirstContent(t *testing.T) {
	cfg, err := config.Parse([]byte(`
providers:
  g: {type: mock}
routers:
  r: {strategy: fallback, targets: [{model: g/a}], attempt_timeout: 1s, timeout: 10m}
`))
	if err != nil {
		t.Fatal(err)
	}
	timers := &manualTimers{}
	s := &gatedStream{release: make(chan struct{}), sent: make(chan struct{})}
	e, err := engine.New(cfg, engine.Deps{Store: store.NewMemory(), Logger: slog.New(slog.DiscardHandler), Seed: 1,
		AfterFunc: timers.AfterFunc, Providers: map[string]provider.Provider{"g": &gatedProvider{stream: s}}})
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
	<-s.sent         // committed: the content chunk is out
	timers.fireAll() // the attempt's timeout comes due mid-answer
	close(s.release)
	if err := <-done; err != nil {
		t.Fatalf("stream error %+v", err)
	}
	if w.failed != nil || !w.done {
		t.Errorf("the answer was cut after it started (failed %+v, done %v)", w.failed, w.done)
	}
	if w.chunks < 3 {
		t.Errorf("%d chunks, want the whole answer", w.chunks)
	}
}
