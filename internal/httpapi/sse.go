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
}

var _ engine.StreamWriter = (*sseWriter)(nil)

func (s *sseWriter) Commit(res *engine.Result) error {
	h := s.w.Header()
	// Attempts so far, this one included: after commit nothing else is tried.
	setRoutingHeaders(h, res, res.Attempts)
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no")
	s.w.WriteHeader(http.StatusOK)
	return s.rc.Flush()
}

func (s *sseWriter) Chunk(c *chat.Chunk, more bool) error {
	data := []byte(c.Raw)
	if data == nil {
		var err error
		if data, err = json.Marshal(c); err != nil {
			return err
		}
	}
	if err := sse.WriteData(s.w, data); err != nil {
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
