package sse

import (
	"io"
	"testing"
)

// TestReady: after the first event, Ready says whether the next event with
// data is already whole in the buffer. A writer defers its flush while it
// is: a partly received event must not hold the last chunk back.
func TestReady(t *testing.T) {
	tests := []struct {
		name string
		rest string // what arrived after the first event, in the same read
		want bool
	}{
		{"nothing", "", false},
		{"half an event", `data: {"a":`, false},
		{"a whole line, no blank line yet", "data: {}\n", false},
		{"a whole event", "data: {}\n\n", true},
		{"a whole event, CRLF", "data: {}\r\n\r\n", true},
		{"a whole event and half the next", "data: {}\n\ndata: {", true},
		{"only a comment", ": keep-alive\n\n", false},
		{"a comment, then half an event", ": keep-alive\n\ndata: {", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			go func() {
				// One write: the decoder's first read takes all of it.
				_, _ = pw.Write([]byte("data: first\n\n" + tt.rest))
			}()
			d := NewDecoder(pr)
			if !d.Next() || string(d.Current().Data) != "first" {
				t.Fatalf("first event: %q, %v", d.Current().Data, d.Err())
			}
			if got := d.Ready(); got != tt.want {
				t.Errorf("Ready() = %v with %q buffered, want %v", got, tt.rest, tt.want)
			}
			pw.Close()
		})
	}
}
