package sse

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"
)

// countingReader counts the bytes its reader has handed over.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// FuzzDecoder: whatever an upstream sends, the decoder yields events made
// of bytes it has read (never more than it read), the same events however
// the bytes are split across reads, no LF in an event type or id,
// no CRLF in data, and ends cleanly at EOF.
func FuzzDecoder(f *testing.F) {
	recorded, _ := filepath.Glob("../fakes/*/testdata/*/*.sse")
	more, _ := filepath.Glob("../fakes/*/testdata/*.sse")
	for _, path := range append(recorded, more...) {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"data: a\n\n", "event: x\nid: 1\ndata: {}\n\n", "data: a\r\ndata: b\r\n\r\n", ": ping\n\n",
		"data:x\n\ndata: {\"partial", "event: e\n\n", "data\n\n", "data: \x00\xff\n\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		whole := decodeAll(t, bytes.NewReader(in))
		byteAtATime := decodeAll(t, iotest.OneByteReader(bytes.NewReader(in)))
		if len(whole) != len(byteAtATime) {
			t.Fatalf("%d events read whole, %d read a byte at a time", len(whole), len(byteAtATime))
		}
		for i := range whole {
			if whole[i].Type != byteAtATime[i].Type || whole[i].ID != byteAtATime[i].ID || !bytes.Equal(whole[i].Data, byteAtATime[i].Data) {
				t.Errorf("event %d read whole %+v, a byte at a time %+v", i, whole[i], byteAtATime[i])
			}
		}
	})
}

// decodeAll reads every event from r, checking each against what has been
// read so far.
func decodeAll(t *testing.T, r io.Reader) []Event {
	t.Helper()
	cr := &countingReader{r: r}
	d := NewDecoder(cr)
	var out []Event
	total := 0
	for d.Next() {
		e := d.Current()
		// A lone CR is not a line end here (upstreams end lines with LF
		// or CRLF), so only LF is checked.
		if bytes.ContainsAny([]byte(e.Type+e.ID), "\n") {
			t.Errorf("event type %q or id %q holds a line break", e.Type, e.ID)
		}
		if bytes.Contains(e.Data, []byte("\r\n")) {
			t.Errorf("data %q keeps a CRLF line end", e.Data)
		}
		total += len(e.Data) + len(e.Type) + len(e.ID)
		if total > cr.n {
			t.Fatalf("events hold %d bytes after %d were read", total, cr.n)
		}
		e.Data = append([]byte(nil), e.Data...)
		out = append(out, e)
	}
	if d.Err() != nil {
		t.Errorf("Err() = %v at a clean EOF", d.Err())
	}
	if d.Next() {
		t.Errorf("Next() = true after the stream ended")
	}
	return out
}
