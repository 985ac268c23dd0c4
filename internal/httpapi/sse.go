package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/sse"
)

// sseWriter streams chunks to the caller, flushing each at once.
type sseWriter struct {
	w      http.ResponseWriter
	rc     *http.ResponseController
	failed error
	buf    []byte // one event's bytes, reused: a stream writes thousands
}

var (
	_ engine.StreamWriter = (*sseWriter)(nil)
	_ engine.RawRelay     = (*sseWriter)(nil)
)

// RelaysRaw: a chunk's Raw, when it has one, is written as received (a
// chunk translated from another wire format has none and is encoded).
// A writer that embeds sseWriter to translate chunks must override it to
// say false: the engine would otherwise let the stream skip decoding what
// that writer reads.
func (s *sseWriter) RelaysRaw() bool { return true }

// maxKeptEvent bounds the event buffer a stream keeps between chunks.
const maxKeptEvent = 64 << 10

func (s *sseWriter) Commit(res *engine.Result) error {
	// No flush of its own: the first chunk follows at once and the headers
	// go out with it (one write, not two, before the first content).
	commitSSE(s.w, res)
	return nil
}

func (s *sseWriter) Flush() error { return s.rc.Flush() }

func (s *sseWriter) Chunk(c *chat.Chunk, more bool) error {
	data := []byte(c.Raw)
	if data == nil {
		var err error
		if data, err = json.Marshal(c); err != nil {
			return err
		}
	}
	s.buf = sse.AppendData(s.buf[:0], data)
	_, err := s.w.Write(s.buf)
	if cap(s.buf) > maxKeptEvent {
		s.buf = nil // a rare huge event (an image) is not kept for the stream's life
	}
	if err != nil {
		return err
	}
	if more {
		return nil // flushed with the rest of the burst
	}
	return s.rc.Flush()
}

func (s *sseWriter) Fail(e *engine.Error) {
	s.failed = e
	b, _ := json.Marshal(errorBody{Error: fields(e)})
	_ = sse.WriteData(s.w, b)
	_ = s.rc.Flush()
}

func (s *sseWriter) Done() {
	_ = sse.WriteData(s.w, sse.Done)
	_ = s.rc.Flush()
}

// commitSSE writes a committed stream's status and headers: the routing
// headers of the attempts so far, this one included (after commit nothing
// else is tried), and those that keep proxies from buffering the stream.
// Every surface's stream writer commits through it.
func commitSSE(w http.ResponseWriter, res *engine.Result) {
	h := w.Header()
	setRoutingHeaders(h, res, res.Attempts)
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
}
