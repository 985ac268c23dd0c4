package httpapi

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/engine"
)

// requestBody is a request's body as the handlers see it. It notes whether
// the body was read to its end (an answer sent before that closes the
// connection: see guardedWriter) and holds the bytes reserved for the body
// in the server's budget until the request ends. (The body read deadline
// needs no clearing: net/http clears it when the body ends, as it starts
// watching the connection for the caller hanging up.)
type requestBody struct {
	rc       io.ReadCloser
	eof      bool
	budget   *byteBudget
	limit    int64 // the budget's size for this request
	reserved int64
}

func (b *requestBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

func (b *requestBody) Close() error { return b.rc.Close() }

// reserve takes n more bytes from the budget for this request.
func (b *requestBody) reserve(n int64) bool {
	if !b.budget.take(n, b.limit) {
		return false
	}
	b.reserved += n
	return true
}

// release gives back what this request reserved.
func (b *requestBody) release() {
	b.budget.give(b.reserved)
	b.reserved = 0
}

// unread reports whether the body may still hold bytes nobody read.
func (b *requestBody) unread(r *http.Request) bool { return r.ContentLength != 0 && !b.eof }

// readBody reads a request body of at most limit bytes into one buffer
// sized from Content-Length (no growing copies when the length is known),
// reserving its bytes in the server's body budget first: a body declared
// too large is refused before a byte of it is read, one that does not fit
// the budget gets 503 overloaded.
func readBody(r *http.Request, limit int64) ([]byte, *engine.Error) {
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	b, ok := r.Body.(*requestBody)
	if !ok { // a handler called without Server.ServeHTTP (never in production)
		b = &requestBody{rc: r.Body, budget: &byteBudget{}, limit: math.MaxInt64}
		defer b.release()
	}
	if r.ContentLength >= 0 {
		if !b.reserve(r.ContentLength) {
			return nil, bodyOverload()
		}
		buf := make([]byte, r.ContentLength)
		if _, err := io.ReadFull(b, buf); err != nil {
			return nil, unreadable(err)
		}
		// Note the end (net/http returns it with the last bytes, other
		// bodies on the next read).
		if !b.eof {
			if n, err := b.Read(make([]byte, 1)); n > 0 {
				return nil, tooLarge(limit)
			} else if err != nil && err != io.EOF {
				return nil, unreadable(err)
			}
		}
		return buf, nil
	}
	// Unknown length (chunked): read into chunks, each reserved before it
	// is allocated, then join them once (no doubling copies).
	var chunks [][]byte
	total, size := int64(0), int64(32<<10)
	for {
		n := min(size, limit-total)
		if n == 0 {
			// At the cap: one more byte is too many.
			var probe [1]byte
			switch m, err := io.ReadFull(b, probe[:]); {
			case m > 0:
				return nil, tooLarge(limit)
			case err != io.EOF:
				return nil, unreadable(err)
			}
			break
		}
		if !b.reserve(n) {
			return nil, bodyOverload()
		}
		c := make([]byte, n)
		m, err := io.ReadFull(b, c)
		chunks = append(chunks, c[:m])
		total += int64(m)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, unreadable(err)
		}
		size = min(2*size, 1<<20)
	}
	if len(chunks) == 1 {
		return chunks[0], nil
	}
	// The join briefly doubles the body; the budget counts it once (the
	// chunks are garbage after it), so a body of max_body_bytes always fits
	// a budget of max_body_bytes.
	buf := make([]byte, 0, total)
	for _, c := range chunks {
		buf = append(buf, c...)
	}
	return buf, nil
}

func tooLarge(limit int64) *engine.Error {
	return errf(http.StatusRequestEntityTooLarge, engine.TypeInvalidRequest, "request_too_large",
		fmt.Sprintf("request body exceeds %d bytes", limit))
}

func bodyOverload() *engine.Error {
	return overloaded("the gateway is holding as many request bodies as server.max_body_memory allows; retry shortly")
}

func unreadable(err error) *engine.Error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return errf(http.StatusRequestTimeout, engine.TypeInvalidRequest, "request_timeout",
			"the request body did not arrive within server.timeouts.read_body")
	}
	return errf(http.StatusBadRequest, engine.TypeInvalidRequest, "unreadable_body", "cannot read request body: "+err.Error())
}

// decodeChat decodes a chat request body. A body the caller got wrong is
// a 400 invalid_json (or chat.Decode's own code, as for a number out of
// range) whose message and param are chat.Decode's: that is the one place
// a decode error is put in the caller's terms.
func decodeChat(body []byte) (*chat.Request, *engine.Error) {
	req, err := chat.Decode(body)
	if err == nil {
		return req, nil
	}
	e := errf(http.StatusBadRequest, engine.TypeInvalidRequest, "invalid_json", "the request body is not a chat completion request")
	var fe *chat.FieldError
	if errors.As(err, &fe) {
		e.Message, e.Param = fe.Msg, fe.Param
		if fe.Code != "" {
			e.Code = fe.Code
		}
	}
	return nil, e
}
