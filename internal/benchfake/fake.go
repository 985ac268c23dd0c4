package benchfake

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// DefaultChunks is the number of content chunks in a stream when
// Options.Chunks is 0.
const DefaultChunks = 20

// Options shape the fixed answers.
type Options struct {
	// Chunks is how many content chunks a stream carries (one word each),
	// between the role chunk and the finish chunk; default DefaultChunks.
	Chunks int
	// Model is the model the answers name; default "gpt-4o-mini-2024-07-18".
	Model string
}

// Upstream is the fake. It is safe for concurrent use.
type Upstream struct {
	completion []byte
	clen       []string // Content-Length of completion
	events     [][]byte // each a whole SSE event, "data: ...\n\n"
}

var _ http.Handler = (*Upstream)(nil)

// New renders the answers once.
func New(o Options) *Upstream {
	if o.Chunks <= 0 {
		o.Chunks = DefaultChunks
	}
	if o.Model == "" {
		o.Model = "gpt-4o-mini-2024-07-18"
	}
	words := strings.Fields(answer)
	u := &Upstream{completion: []byte(fmt.Sprintf(completionTmpl, o.Model, jsonString(answer),
		promptTokens, len(words), promptTokens+len(words)))}
	u.clen = []string{strconv.Itoa(len(u.completion))}
	add := func(delta, finish string, withChoice bool) {
		var data string
		if withChoice {
			data = fmt.Sprintf(chunkTmpl, o.Model, delta, finish)
		} else {
			data = fmt.Sprintf(usageTmpl, o.Model, promptTokens, o.Chunks, promptTokens+o.Chunks)
		}
		u.events = append(u.events, []byte("data: "+data+"\n\n"))
	}
	add(`{"role":"assistant","content":"","refusal":null}`, "null", true)
	for i := 0; i < o.Chunks; i++ {
		w := words[i%len(words)]
		if i > 0 {
			w = " " + w
		}
		add(`{"content":`+jsonString(w)+`}`, "null", true)
	}
	add(`{}`, `"stop"`, true)
	add("", "", false)
	u.events = append(u.events, []byte("data: [DONE]\n\n"))
	return u
}

// Completion is the non-streamed body the fake answers.
func (u *Upstream) Completion() []byte { return u.completion }

// StreamBody is the whole SSE body of a streamed answer.
func (u *Upstream) StreamBody() []byte { return bytes.Join(u.events, nil) }

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// ServeHTTP answers POST .../chat/completions; anything else is 404 or 405.
func (u *Upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	bp := bufPool.Get().(*[]byte)
	body, err := readAll(r.Body, (*bp)[:0])
	stream := wantsStream(body)
	*bp = body[:0]
	bufPool.Put(bp)
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	h := w.Header()
	h["X-Request-Id"] = requestID
	if !stream {
		h["Content-Type"] = contentJSON
		h["Content-Length"] = u.clen
		_, _ = w.Write(u.completion)
		return
	}
	h["Content-Type"] = contentSSE
	h["Cache-Control"] = noCache
	f, _ := w.(http.Flusher)
	for _, ev := range u.events {
		if _, err := w.Write(ev); err != nil {
			return
		}
		// Each event is flushed on its own, as a real upstream sends them.
		if f != nil {
			f.Flush()
		}
	}
}

// Header values are shared, never modified: net/http only reads them.
var (
	requestID   = []string{"req_benchfake"}
	contentJSON = []string{"application/json"}
	contentSSE  = []string{"text/event-stream"}
	noCache     = []string{"no-cache"}
)

// readAll is io.ReadAll into a reused buffer.
func readAll(r io.Reader, b []byte) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

var streamKey = []byte(`"stream"`)

// wantsStream reports whether a JSON body has "stream": true, without
// decoding it. A key "stream" cannot occur inside a JSON string (its quotes
// would be escaped) and a string value "stream" is not followed by ':'.
func wantsStream(body []byte) bool {
	for {
		i := bytes.Index(body, streamKey)
		if i < 0 {
			return false
		}
		rest := skipSpace(body[i+len(streamKey):])
		if len(rest) > 0 && rest[0] == ':' {
			return bytes.HasPrefix(skipSpace(rest[1:]), []byte("true"))
		}
		body = body[i+len(streamKey):]
	}
}

func skipSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}
