package trace

import "net/http"

// StatusWriter records the status a handler answered with, for the
// request spans of the tracer handlers. It unwraps to the writer it wraps,
// so http.ResponseController flushes reach the real writer: a wrapper that
// hid Flush would turn a stream into one buffered answer.
type StatusWriter struct {
	http.ResponseWriter
	// Status is the status written: 0 until the handler writes, then the
	// first final status (an implicit 200 for a body without WriteHeader).
	Status int
}

func (w *StatusWriter) WriteHeader(code int) {
	if w.Status == 0 && code >= 200 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *StatusWriter) Write(p []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Flush serves callers that assert http.Flusher rather than use a
// ResponseController.
func (w *StatusWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Unwrap lets http.ResponseController reach the wrapped writer.
func (w *StatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
