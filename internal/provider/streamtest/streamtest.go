package streamtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// Drain reads s to its end and returns its chunks and Err. It fails t when
// the stream breaks a promise of provider.Stream whatever the upstream
// sent: a nil chunk, a chunk the gateway could not encode, Next true again
// after it said false, an error that is not a classified *provider.Error,
// or a Close that cannot be repeated.
func Drain(t testing.TB, s provider.Stream) ([]*chat.Chunk, error) {
	t.Helper()
	var chunks []*chat.Chunk
	for s.Next() {
		c := s.Current()
		if c == nil {
			t.Fatalf("chunk %d: Next returned true and Current nil", len(chunks))
		}
		if _, err := json.Marshal(c); err != nil {
			t.Fatalf("chunk %d does not encode: %v", len(chunks), err)
		}
		// Current may be reused by the next Next (the OpenAI stream reuses
		// its Raw and Choices): keep a deep enough copy.
		cp := *c
		cp.Raw = slices.Clone(c.Raw)
		cp.Choices = slices.Clone(c.Choices)
		chunks = append(chunks, &cp)
	}
	if s.Next() {
		t.Errorf("Next returned true after the stream ended")
	}
	err := s.Err()
	if err != nil {
		var pe *provider.Error
		if !errors.As(err, &pe) {
			t.Errorf("Err() = %v (%T), want a *provider.Error", err, err)
		} else if !slices.Contains(provider.Classes, pe.Class) || pe.Error() == "" {
			t.Errorf("Err() = %q with class %q, not one of provider.Classes", pe.Error(), pe.Class)
		}
	}
	if cerr := s.Close(); cerr != nil {
		t.Logf("Close: %v", cerr) // a body's close error is not a stream fault
	}
	_ = s.Close()
	return chunks, err
}

// WellFormed reports the first way chunks, from a stream that ended
// without an error, are not a complete OpenAI chat.completion.chunk
// sequence: each choice opens with the assistant role, finishes exactly
// once and says nothing after its finish; tool calls are numbered 0, 1, ...
// in order of appearance; a usage chunk (no choices) comes last, at most
// once.
func WellFormed(chunks []*chat.Chunk) error {
	type choice struct {
		finished bool
		tools    map[int]bool
	}
	choices := map[int]*choice{}
	for n, c := range chunks {
		if c.Object != "chat.completion.chunk" {
			return fmt.Errorf("chunk %d: object %q", n, c.Object)
		}
		if c.Usage != nil {
			if c.Choices == nil || len(c.Choices) != 0 {
				return fmt.Errorf("chunk %d: usage chunk with choices %v, want []", n, c.Choices)
			}
			if n != len(chunks)-1 {
				return fmt.Errorf("chunk %d: usage chunk is not the last of %d", n, len(chunks))
			}
			continue
		}
		if len(c.Choices) == 0 {
			return fmt.Errorf("chunk %d: neither choices nor usage", n)
		}
		for _, ch := range c.Choices {
			st, seen := choices[ch.Index]
			if !seen {
				st = &choice{tools: map[int]bool{}}
				choices[ch.Index] = st
			}
			if (ch.Delta.Role == "assistant") != !seen {
				return fmt.Errorf("chunk %d: choice %d role %q; only its first chunk carries the assistant role", n, ch.Index, ch.Delta.Role)
			}
			if st.finished {
				return fmt.Errorf("chunk %d: choice %d continues after its finish_reason", n, ch.Index)
			}
			for _, tc := range ch.Delta.ToolCalls {
				if !st.tools[tc.Index] && tc.Index != len(st.tools) {
					return fmt.Errorf("chunk %d: choice %d tool call index %d after %d calls", n, ch.Index, tc.Index, len(st.tools))
				}
				st.tools[tc.Index] = true
			}
			st.finished = ch.FinishReason != nil
			if st.finished && *ch.FinishReason == "" {
				return fmt.Errorf("chunk %d: choice %d empty finish_reason", n, ch.Index)
			}
		}
	}
	if len(choices) == 0 {
		return errors.New("no choice at all")
	}
	for i, st := range choices {
		if !st.finished {
			return fmt.Errorf("choice %d never finished", i)
		}
	}
	return nil
}
