package lambdaapi

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// bufferSize matches net/http's response buffer: small writes are
// coalesced until the handler flushes or this much is pending.
const bufferSize = 4 << 10

// head is the status line and headers, fixed at WriteHeader.
type head struct {
	status int
	header http.Header
}

// responseWriter is the http.ResponseWriter a handler writes to. It is
// used by the handler's goroutine only, like net/http's; the head is
// handed to Serve through ready, the body through the pipe.
type responseWriter struct {
	header   http.Header
	method   string
	wrote    bool
	status   int
	buf      *bufio.Writer // over pw; Flush pushes to the reader
	pw       *io.PipeWriter
	ready    chan struct{} // closed once head is set
	head     head
	bodyless bool // status or method forbids a body
}

var (
	_ http.ResponseWriter = (*responseWriter)(nil)
	_ http.Flusher        = (*responseWriter)(nil)
)

func newResponseWriter(pw *io.PipeWriter, method string) *responseWriter {
	return &responseWriter{header: http.Header{}, method: method, pw: pw,
		buf: bufio.NewWriterSize(pw, bufferSize), ready: make(chan struct{})}
}

func (w *responseWriter) Header() http.Header { return w.header }

// WriteHeader fixes the status and a copy of the headers, as net/http
// does: later header changes are not sent. Informational statuses cannot
// be relayed through API Gateway and are dropped.
func (w *responseWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("lambdaapi: invalid WriteHeader code %v", code))
	}
	if code < 200 {
		return
	}
	w.wrote, w.status = true, code
	w.bodyless = code == http.StatusNoContent || code == http.StatusNotModified
	w.head = head{status: code, header: w.header.Clone()}
	close(w.ready)
}

// Write buffers p, sending the headers first (200, and a sniffed
// Content-Type when none is set, as net/http does).
func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		if w.header.Get("Content-Type") == "" && len(p) > 0 {
			w.header.Set("Content-Type", http.DetectContentType(p))
		}
		w.WriteHeader(http.StatusOK)
	}
	if w.bodyless {
		return 0, http.ErrBodyNotAllowed
	}
	if w.method == http.MethodHead {
		return len(p), nil
	}
	return w.buf.Write(p)
}

// FlushError sends what is buffered to the reader; it fails once the
// reader is gone, which is how a handler learns its caller left.
func (w *responseWriter) FlushError() error {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.buf.Flush()
}

// Flush is http.Flusher's form of FlushError.
func (w *responseWriter) Flush() { _ = w.FlushError() }

// finish ends the body once the handler has returned: a handler that wrote
// nothing answers 200 with no body, as under net/http.
func (w *responseWriter) finish() {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if err := w.buf.Flush(); err != nil {
		_ = w.pw.CloseWithError(err)
		return
	}
	_ = w.pw.Close()
}

// hopByHop are connection-level headers. They describe the connection to
// this process, which does not exist under Lambda; API Gateway owns the
// caller's connection.
var hopByHop = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade", "Trailer", "Te"}

// split puts single-valued headers in the prelude's headers map and
// repeated ones in multiValueHeaders (API Gateway merges the two). Names
// are lower-cased, as HTTP/2 sends them and API Gateway passes them on.
func split(h http.Header) (single map[string]string, multi map[string][]string) {
	h = h.Clone()
	for _, k := range hopByHop {
		h.Del(k)
	}
	for k, vs := range h {
		name := strings.ToLower(k)
		switch len(vs) {
		case 0:
		case 1:
			if single == nil {
				single = map[string]string{}
			}
			single[name] = vs[0]
		default:
			if multi == nil {
				multi = map[string][]string{}
			}
			multi[name] = append(multi[name], vs...)
		}
	}
	return single, multi
}
