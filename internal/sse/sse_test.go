package sse

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestDecoder(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  []Event
		isErr bool
	}{
		{"data lines", "data: a\n\ndata: b\n\n", []Event{{Data: []byte("a")}, {Data: []byte("b")}}, false},
		{"event type and id", "event: message_start\nid: 7\ndata: {}\n\n", []Event{{Type: "message_start", ID: "7", Data: []byte("{}")}}, false},
		{"multi-line data joined with newline", "data: a\ndata: b\n\n", []Event{{Data: []byte("a\nb")}}, false},
		{"comments and keep-alives skipped", ": ping\n\ndata: x\n\n", []Event{{Data: []byte("x")}}, false},
		{"CRLF line ends", "data: x\r\n\r\n", []Event{{Data: []byte("x")}}, false},
		{"no space after colon", "data:x\n\n", []Event{{Data: []byte("x")}}, false},
		{"an event cut off without its blank line is not dispatched", "data: a\n\ndata: {\"partial", []Event{{Data: []byte("a")}}, false},
		{"empty stream", "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(strings.NewReader(tt.in))
			var got []Event
			for d.Next() {
				e := d.Current()
				e.Data = append([]byte(nil), e.Data...)
				got = append(got, e)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d events %q, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				if got[i].Type != tt.want[i].Type || got[i].ID != tt.want[i].ID || !bytes.Equal(got[i].Data, tt.want[i].Data) {
					t.Errorf("event %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
			if (d.Err() != nil) != tt.isErr {
				t.Errorf("err %v", d.Err())
			}
		})
	}
}

func TestDecoderLongLine(t *testing.T) {
	long := strings.Repeat("x", 100_000)
	d := NewDecoder(strings.NewReader("data: " + long + "\n\n"))
	if !d.Next() || string(d.Current().Data) != long {
		t.Fatal("a line longer than the buffer was not read whole")
	}
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

func TestDecoderReadError(t *testing.T) {
	boom := errors.New("connection reset")
	d := NewDecoder(io.MultiReader(strings.NewReader("data: a\n\n"), failingReader{boom}))
	if !d.Next() {
		t.Fatal("first event")
	}
	if d.Next() || !errors.Is(d.Err(), boom) {
		t.Fatalf("err = %v, want %v", d.Err(), boom)
	}
}

func TestWriters(t *testing.T) {
	var b bytes.Buffer
	_ = WriteData(&b, []byte(`{"a":1}`))
	_ = WriteEvent(&b, "ping", []byte(`{}`))
	_ = WriteData(&b, Done)
	want := "data: {\"a\":1}\n\nevent: ping\ndata: {}\n\ndata: [DONE]\n\n"
	if b.String() != want {
		t.Fatalf("got %q", b.String())
	}
	d := NewDecoder(&b)
	n := 0
	for d.Next() {
		n++
	}
	if n != 3 {
		t.Errorf("round trip read %d events", n)
	}
}
