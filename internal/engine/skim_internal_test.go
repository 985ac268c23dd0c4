package engine

import (
	"context"
	"math"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// skimStream sends a role chunk, two content chunks and a usage chunk,
// recording before which chunk it was asked to skim (0: never).
type skimStream struct {
	n, skimmedAt int
	cur          chat.Chunk
}

func (s *skimStream) Next() bool {
	s.n++
	model := "m"
	switch s.n {
	case 1:
		s.cur = chat.Chunk{Model: model, Choices: []chat.ChunkChoice{{Delta: chat.Delta{Role: "assistant"}}}}
	case 2:
		s.cur = chat.Chunk{Model: model, Choices: []chat.ChunkChoice{{Delta: chat.Delta{Content: chat.Ptr("Once")}}}}
	case 3:
		s.cur = chat.Chunk{Model: model, Choices: []chat.ChunkChoice{{FinishReason: chat.Ptr("stop")}}}
	case 4:
		s.cur = chat.Chunk{Model: model, Choices: []chat.ChunkChoice{}, Usage: &chat.Usage{PromptTokens: 3, CompletionTokens: 2, TotalTokens: 5}}
	default:
		return false
	}
	return true
}

func (s *skimStream) Current() *chat.Chunk { return &s.cur }
func (s *skimStream) Err() error           { return nil }
func (s *skimStream) Close() error         { return nil }
func (s *skimStream) Skim() {
	if s.skimmedAt == 0 {
		s.skimmedAt = s.n + 1
	}
}

type skimProvider struct{ stream *skimStream }

func (p *skimProvider) Complete(context.Context, *provider.Call) (*chat.Response, error) {
	return nil, &provider.Error{Class: provider.ClassUnsupported, Message: "streams only"}
}

func (p *skimProvider) Stream(context.Context, *provider.Call) (provider.Stream, error) {
	return p.stream, nil
}

// chunkSink is a StreamWriter that keeps what it is sent; raw makes it a
// RawRelay.
type chunkSink struct {
	raw    bool
	chunks int
	done   bool
}

func (w *chunkSink) Commit(*Result) error          { return nil }
func (w *chunkSink) Chunk(*chat.Chunk, bool) error { w.chunks++; return nil }
func (w *chunkSink) Flush() error                  { return nil }
func (w *chunkSink) Fail(*Error)                   {}
func (w *chunkSink) Done()                         { w.done = true }
func (w *chunkSink) RelaysRaw() bool               { return w.raw }

// TestSkimAfterCommit: a stream relayed as received (a RawRelay writer) is
// told to skim once it has committed, so the chunks before the first
// content one, which decide the commit, are decoded whole; a writer that
// translates (not a RawRelay, or one that says no) never skims the stream.
// The usage and finish reasons still reach the attempt either way.
func TestSkimAfterCommit(t *testing.T) {
	for _, tt := range []struct {
		name string
		raw  bool
		want int // the chunk before which Skim was called
	}{
		{"raw relay", true, 3},
		{"translating writer", false, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &skimStream{}
			e := loopEngine(t, &skimProvider{stream: s}, nil)
			w := &chunkSink{raw: tt.raw}
			req := loopRequest()
			req.Chat.Stream = true
			req.Chat.StreamOptions = &chat.StreamOptions{IncludeUsage: true}
			res, perr := e.Stream(context.Background(), req, w)
			if perr != nil {
				t.Fatalf("stream failed: %v", perr)
			}
			if s.skimmedAt != tt.want {
				t.Errorf("skimmed before chunk %d, want %d", s.skimmedAt, tt.want)
			}
			if !w.done || w.chunks != 4 {
				t.Errorf("writer got %d chunks (done %v), want 4 and done", w.chunks, w.done)
			}
			// Priced by the usage chunk (3 in, 2 out at $1000/Mtok), not by
			// the reservation a stream without usage is charged.
			if math.Abs(res.CostUSD-0.005) > 1e-12 {
				t.Errorf("cost %v, want 0.005 from the stream's usage", res.CostUSD)
			}
		})
	}
}
