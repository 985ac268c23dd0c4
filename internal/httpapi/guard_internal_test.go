package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// deadlineRecorder is a ResponseWriter whose connection takes write
// deadlines, as net/http's does, and records them.
type deadlineRecorder struct {
	*httptest.ResponseRecorder
	deadlines []time.Time
}

func (d *deadlineRecorder) SetWriteDeadline(t time.Time) error {
	d.deadlines = append(d.deadlines, t)
	return nil
}

// TestEachWriteGetsItsOwnDeadline: the write timeout bounds each write and
// flush, not the response: a stream that keeps moving is never cut, while
// a caller that stops reading fails the next write. Each write starts with
// at least write and at most write + write/deadlineSlack before the
// deadline in force; the deadline is set again only when less than write
// is left, not on every write.
func TestEachWriteGetsItsOwnDeadline(t *testing.T) {
	rec := &deadlineRecorder{ResponseRecorder: httptest.NewRecorder()}
	r := httptest.NewRequest(http.MethodGet, "/v1/models", nil)
	const write = 40 * time.Second
	clock := time.Date(2026, 12, 7, 4, 0, 0, 0, time.UTC)
	gw := &guardedWriter{ResponseWriter: rec, ctl: http.NewResponseController(rec), write: write, r: r,
		body: &requestBody{rc: http.NoBody}, now: func() time.Time { return clock }}
	ctl := http.NewResponseController(gw) // as sseWriter flushes
	steps := []struct {
		advance time.Duration // of the clock before the step
		do      func()
		set     int // deadlines set so far
	}{
		{0, func() { gw.WriteHeader(http.StatusOK) }, 1},
		{time.Millisecond, func() { _, _ = gw.Write([]byte("data: 1\n\n")) }, 1},
		{time.Millisecond, func() { _ = ctl.Flush() }, 1},
		// 5s in, more than write is still left: no new deadline.
		{5*time.Second - 2*time.Millisecond, func() { _, _ = gw.Write([]byte("data: 2\n\n")) }, 1},
		// 6s in, less than write would be left: a new one.
		{time.Second, func() { _ = ctl.Flush() }, 2},
		// A caller who stopped reading for a long time: the next write
		// still gets write ahead of it.
		{time.Hour, func() { _, _ = gw.Write([]byte("data: 3\n\n")) }, 3},
	}
	for i, st := range steps {
		clock = clock.Add(st.advance)
		st.do()
		if len(rec.deadlines) != st.set {
			t.Fatalf("after step %d: %d deadlines set, want %d", i, len(rec.deadlines), st.set)
		}
		left := rec.deadlines[len(rec.deadlines)-1].Sub(clock)
		if left < write || left > write+write/deadlineSlack {
			t.Errorf("step %d: the write starts %v before its deadline, want %v to %v", i, left, write, write+write/deadlineSlack)
		}
	}
	if got := rec.Body.String(); got != "data: 1\n\ndata: 2\n\ndata: 3\n\n" || !rec.Flushed {
		t.Errorf("body %q, flushed %v", got, rec.Flushed)
	}
	if c := rec.Header().Get("Connection"); strings.EqualFold(c, "close") {
		t.Error("a request without a body closes its connection")
	}
}

// TestBodyBudgetHeldUntilTheRequestEnds: a body's bytes count against
// max_body_memory from before they are read until release, read with a
// Content-Length or chunked; a chunked body of the largest allowed size
// fits a budget of that size.
func TestBodyBudgetHeldUntilTheRequestEnds(t *testing.T) {
	const size = 100 << 10 // several chunks when chunked
	for _, tc := range []struct {
		name   string
		length int64
	}{{"content-length", size}, {"chunked", -1}} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(strings.Repeat("a", size)))
			r.ContentLength = tc.length
			body := &requestBody{rc: r.Body, budget: &byteBudget{}, limit: size}
			r.Body = body
			got, err := readBody(r, size)
			if err != nil || len(got) != size {
				t.Fatalf("readBody = %d bytes, %v", len(got), err)
			}
			if body.unread(r) {
				t.Error("a body read to its end counts as unread")
			}
			if used := body.budget.inUse(); used != size {
				t.Errorf("budget holds %d bytes while the request runs, want %d", used, size)
			}
			body.release()
			if used := body.budget.inUse(); used != 0 {
				t.Errorf("budget holds %d bytes after the request, want 0", used)
			}
		})
	}
}
