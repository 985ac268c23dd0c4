package sse

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"
)

// readCounter counts the reads made of it.
type readCounter struct {
	r     io.Reader
	reads int
}

func (c *readCounter) Read(p []byte) (int, error) { c.reads++; return c.r.Read(p) }

// TestRelease: a released decoder reads nothing more from its source and
// reports nothing buffered, the event it returned last stays intact while
// its read buffer serves another stream, and a second Release is harmless.
func TestRelease(t *testing.T) {
	src := &readCounter{r: strings.NewReader("data: first\n\ndata: second\n\ndata: third\n\n")}
	d := NewDecoder(src)
	if !d.Next() || string(d.Current().Data) != "first" {
		t.Fatalf("first event: %q", d.Current().Data)
	}
	kept := d.Current().Data
	reads := src.reads
	d.Release()
	if d.Next() || d.Buffered() != 0 || d.Ready() || d.Err() != nil {
		t.Errorf("after Release: Next, Buffered %d, Ready %v, Err %v", d.Buffered(), d.Ready(), d.Err())
	}
	if src.reads != reads {
		t.Errorf("a released decoder read its source %d more times", src.reads-reads)
	}
	// Other streams now take buffers from the pool (perhaps this one) and
	// fill them: the event returned before Release must not change.
	for i := 0; i < 8; i++ {
		o := NewDecoder(strings.NewReader("data: " + strings.Repeat("x", 100) + "\n\n"))
		if !o.Next() || !bytes.Equal(o.Current().Data, bytes.Repeat([]byte("x"), 100)) {
			t.Fatalf("a decoder on a reused buffer read %q", o.Current().Data)
		}
		o.Release()
	}
	if string(kept) != "first" {
		t.Errorf("the event returned before Release became %q", kept)
	}
	d.Release()
}

// TestReleasedBufferForgetsItsSource: a pooled buffer has nothing left to
// read of the body it read (its old bytes stay in memory until they are
// overwritten, but are unreachable; Reset(nil) also drops the body), and a
// decoder built on it reads only its own source.
func TestReleasedBufferForgetsItsSource(t *testing.T) {
	d := NewDecoder(strings.NewReader("data: a\n\ndata: leftover\n\n"))
	if !d.Next() {
		t.Fatal("no event")
	}
	br := d.r
	d.Release()
	if br.Buffered() != 0 {
		t.Errorf("the released buffer still holds %d bytes", br.Buffered())
	}
	o := NewDecoder(strings.NewReader("data: b\n\n"))
	if !o.Next() || string(o.Current().Data) != "b" || o.Next() {
		t.Errorf("a new decoder read %q, then more", o.Current().Data)
	}
}

// TestReleasedBuffersAreReused: a stream that releases its decoder does
// not allocate a new 4 KiB read buffer for the next one (on average over
// many streams: the race detector's pool drops some entries on purpose,
// and a collection may empty the pool once).
func TestReleasedBuffersAreReused(t *testing.T) {
	const streams = 200
	src := make([]*strings.Reader, streams)
	for i := range src {
		src[i] = strings.NewReader("data: {\"x\":1}\n\n")
	}
	NewDecoder(strings.NewReader("")).Release() // the pool holds one
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range streams {
		d := NewDecoder(src[i])
		for d.Next() {
		}
		d.Release()
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / streams; per >= readBufSize/2 {
		t.Errorf("%d bytes allocated per stream: the read buffer is not reused", per)
	}
}
