package sse

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// endless is an upstream that sends one line forever and never a newline.
type endless struct{ n int }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	e.n += len(p)
	return len(p), nil
}

// TestEventSizeBounded: a line that never ends (or an event that never
// ends) stops the stream with ErrEventTooLarge once it passes the bound,
// instead of growing memory for as long as the upstream keeps sending.
func TestEventSizeBounded(t *testing.T) {
	t.Run("a line with no newline", func(t *testing.T) {
		src := &endless{}
		d := NewDecoder(io.MultiReader(strings.NewReader("data: "), src))
		d.maxEvent = 1 << 20
		if d.Next() {
			t.Fatal("an endless line was dispatched")
		}
		if !errors.Is(d.Err(), ErrEventTooLarge) {
			t.Fatalf("err %v, want ErrEventTooLarge", d.Err())
		}
		if src.n > 2<<20 {
			t.Errorf("read %d bytes of an endless line; the bound is 1 MiB", src.n)
		}
	})
	t.Run("an event that never ends", func(t *testing.T) {
		line := "data: " + strings.Repeat("b", 8<<10) + "\n"
		d := NewDecoder(strings.NewReader(strings.Repeat(line, 200) + "\n"))
		d.maxEvent = 1 << 20
		if d.Next() {
			t.Fatal("an event over the bound was dispatched")
		}
		if !errors.Is(d.Err(), ErrEventTooLarge) {
			t.Fatalf("err %v, want ErrEventTooLarge", d.Err())
		}
	})
	t.Run("under the bound is whole", func(t *testing.T) {
		line := "data: " + strings.Repeat("c", 8<<10) + "\n"
		d := NewDecoder(strings.NewReader(strings.Repeat(line, 100) + "\n"))
		d.maxEvent = 1 << 20
		if !d.Next() || len(d.Current().Data) != 100*(8<<10)+99 {
			t.Fatalf("event under the bound: %v %d", d.Err(), len(d.Current().Data))
		}
	})
}

// TestManyShortLinesBounded: short data lines that never end their event
// are bounded too.
func TestManyShortLinesBounded(t *testing.T) {
	d := NewDecoder(strings.NewReader(strings.Repeat("data: x\n", 1<<18) + "\n"))
	d.maxEvent = 1 << 16
	if d.Next() || !errors.Is(d.Err(), ErrEventTooLarge) {
		t.Fatalf("Next dispatched or err %v, want ErrEventTooLarge", d.Err())
	}
}
