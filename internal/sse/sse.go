package sse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
)

// MaxEventBytes bounds one event (its lines and its joined data): an
// upstream that never sends a newline, or never ends an event, must not
// grow the gateway's memory without limit. 64 MiB holds the largest
// legitimate event (a base64 image in a Gemini or Bedrock chunk) with room
// to spare.
const MaxEventBytes = 64 << 20

// ErrEventTooLarge ends a stream whose event passes MaxEventBytes.
var ErrEventTooLarge = errors.New("sse: event too large")

// Event is one dispatched event: the event type (empty for the default
// "message") and its data lines joined with "\n".
type Event struct {
	Type string
	Data []byte
	ID   string
}

// Decoder reads events from a stream as they arrive. Data is only valid
// until the next call of Next.
type Decoder struct {
	// maxEvent overrides MaxEventBytes (tests); 0 takes it.
	maxEvent int
	r        *bufio.Reader
	cur      Event
	data     bytes.Buffer
	err      error
	ended    bool
}

// readBufSize is a decoder's read buffer: 4 KiB holds a typical event;
// longer lines are collected whole in Next.
const readBufSize = 4 << 10

// readers keeps released read buffers: a stream that Releases its decoder
// hands the next stream its 4 KiB instead of leaving it to the collector
// (about a fifth of the bytes a relayed stream allocates, issue 16).
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufSize) }}

// NewDecoder reads SSE from r.
func NewDecoder(r io.Reader) *Decoder {
	br := readers.Get().(*bufio.Reader)
	br.Reset(r)
	return &Decoder{r: br}
}

// Release ends the decoder and gives its read buffer back for reuse: Next
// returns false from then on, and Buffered and Ready report nothing. Call
// it once the stream is done with, from the goroutine that calls Next,
// never while a Next may run. Data already returned stays valid (events
// are assembled outside the read buffer). A decoder never released is
// simply collected.
func (d *Decoder) Release() {
	if d.r == nil {
		return
	}
	d.ended = true
	d.r.Reset(nil) // drop the body: a pooled buffer keeps no connection alive
	readers.Put(d.r)
	d.r = nil
}

// Next reads until the next complete event. It returns false at the end of
// the stream or on a read error (see Err). An event cut off by the end of
// the stream (no blank line after it) is not dispatched, per the SSE spec:
// a cut connection must not look like a complete message.
func (d *Decoder) Next() bool {
	if d.ended {
		return false
	}
	d.cur = Event{}
	d.data.Reset()
	hasData := false
	for {
		line, err := d.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer: collect it whole.
			full := append([]byte(nil), line...)
			for err == bufio.ErrBufferFull && len(full)+d.data.Len() <= d.limit() {
				line, err = d.r.ReadSlice('\n')
				full = append(full, line...)
			}
			if len(full)+d.data.Len() > d.limit() {
				d.ended = true
				d.err = fmt.Errorf("%w: over %d bytes", ErrEventTooLarge, d.limit())
				return false
			}
			line = full
		}
		if err != nil {
			d.ended = true
			if err != io.EOF {
				d.err = err
			}
			return false
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			if hasData || d.cur.Type != "" {
				d.cur.Data = d.data.Bytes()
				return true
			}
			continue
		}
		if line[0] == ':' {
			continue // comment / keep-alive
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		switch string(field) {
		case "data":
			if d.data.Len()+len(value) >= d.limit() {
				d.ended = true
				d.err = fmt.Errorf("%w: over %d bytes", ErrEventTooLarge, d.limit())
				return false
			}
			if hasData {
				d.data.WriteByte('\n')
			}
			d.data.Write(value)
			hasData = true
		case "event":
			d.cur.Type = string(value)
		case "id":
			d.cur.ID = string(value)
		}
	}
}

func (d *Decoder) limit() int {
	if d.maxEvent > 0 {
		return d.maxEvent
	}
	return MaxEventBytes
}

// Buffered is how many bytes have arrived but not been read yet.
func (d *Decoder) Buffered() int {
	if d.r == nil {
		return 0
	}
	return d.r.Buffered()
}

// Ready reports whether the next event with data has already arrived whole
// (its blank line is buffered), so that Next will return it without
// waiting for the network. A writer that defers its flush while Ready
// never holds a chunk back behind a partly received event.
func (d *Decoder) Ready() bool {
	if d.ended || d.r.Buffered() == 0 {
		return false
	}
	b, _ := d.r.Peek(d.r.Buffered())
	end := blankLine(b)
	return end >= 0 && bytes.Contains(b[:end], dataField)
}

var dataField = []byte("data")

// blankLine is the index of the first blank line in b ("\n\n" or
// "\n\r\n": the decoder splits lines at "\n"), or -1.
func blankLine(b []byte) int {
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
		if i < len(b) && b[i] == '\n' {
			return i
		}
		if i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n' {
			return i
		}
	}
}

// Current is the event Next just read.
func (d *Decoder) Current() Event { return d.cur }

// Err is the read error that ended the stream, nil at a clean EOF.
func (d *Decoder) Err() error { return d.err }

// WriteData writes one "data: ..." event. data must not contain newlines
// (JSON encoded by encoding/json never does).
func WriteData(w io.Writer, data []byte) error {
	_, err := w.Write(AppendData(make([]byte, 0, len(data)+8), data))
	return err
}

// AppendData appends one "data: ..." event to buf, for a writer that
// reuses its buffer from event to event.
func AppendData(buf, data []byte) []byte {
	buf = append(buf, "data: "...)
	buf = append(buf, data...)
	return append(buf, '\n', '\n')
}

// WriteEvent writes an event with a type, as Anthropic streams do.
func WriteEvent(w io.Writer, typ string, data []byte) error {
	buf := make([]byte, 0, len(typ)+len(data)+16)
	buf = append(buf, "event: "...)
	buf = append(buf, typ...)
	buf = append(buf, "\ndata: "...)
	buf = append(buf, data...)
	buf = append(buf, '\n', '\n')
	_, err := w.Write(buf)
	return err
}

// Done is OpenAI's end-of-stream marker.
var Done = []byte("[DONE]")
