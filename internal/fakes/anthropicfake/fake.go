package anthropicfake

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/fakes/script"
)

// APIKey is the x-api-key the fake accepts; configure the provider with it.
const APIKey = "sk-ant-test-0123456789"

// Version is the anthropic-version the fake expects unless SetVersion
// changes it.
const Version = "2023-06-01"

// CountTokensPath is the token counting endpoint.
const CountTokensPath = "/v1/messages/count_tokens"

// RequestID is the request-id header of every answer.
const RequestID = "req_fake_0001"

//go:embed testdata
var fixtures embed.FS

// Fixture returns a recorded body from testdata/ (e.g. "responses/text.json").
func Fixture(name string) ([]byte, error) { return fixtures.ReadFile("testdata/" + name) }

// Fake is a running Messages API on 127.0.0.1.
type Fake struct {
	*httptest.Server
	t testing.TB

	*script.Book[Reply, Request]

	mu      sync.Mutex
	version string
}

// Request is one request as the fake received it.
type Request struct {
	Model  string
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

// New starts a fake, closed when the test ends.
func New(t testing.TB) *Fake {
	t.Helper()
	f := &Fake{t: t, version: Version, Book: script.NewBook[Reply, Request](Reply{})}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// BaseURL is the provider's base_url (the client appends /v1/messages).
func (f *Fake) BaseURL() string { return f.URL }

// SetVersion changes the anthropic-version the fake requires.
func (f *Fake) SetVersion(v string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.version = v
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	model, _ := body["model"].(string)
	f.mu.Lock()
	version := f.version
	f.mu.Unlock()
	f.Record(Request{Model: model, Header: r.Header.Clone(), Body: body, Raw: raw})

	if status, typ, msg := checkHTTP(r, version); status != 0 {
		f.t.Errorf("anthropicfake: rejected the request: %d %s", status, msg)
		writeError(w, status, typ, msg)
		return
	}
	if r.URL.Path == CountTokensPath {
		f.countTokens(w, r, raw, model)
		return
	}
	if err := ValidateBody(raw); err != nil {
		f.t.Errorf("anthropicfake: rejected the body: %v\n%s", err, raw)
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}

	reply := f.Next(model)

	stream, _ := body["stream"].(bool)
	file := reply.File
	if (stream && reply.StreamFile != "") || file == "" {
		file = reply.StreamFile
	}
	if file == "" {
		file = map[bool]string{false: "responses/text.json", true: "streams/text.sse"}[stream]
	}
	if stream != strings.HasSuffix(file, ".sse") && reply.Status < 300 && reply.ContentType == "" {
		f.t.Errorf("anthropicfake: request stream=%v but the reply is %s", stream, file)
	}
	f.answer(w, r, reply, file)
}

func (f *Fake) answer(w http.ResponseWriter, r *http.Request, reply Reply, file string) {
	data, err := Fixture(file)
	if err != nil {
		f.t.Errorf("anthropicfake: %v", err)
		writeError(w, http.StatusInternalServerError, "api_error", err.Error())
		return
	}
	ct := reply.ContentType
	switch {
	case ct != "":
	case strings.HasSuffix(file, ".sse"):
		ct = "text/event-stream"
	case strings.HasSuffix(file, ".json"):
		ct = "application/json"
	default:
		ct = "text/html"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("request-id", RequestID)
	for k, v := range reply.Header {
		w.Header().Set(k, v)
	}
	status := reply.Status
	if status == 0 {
		status = http.StatusOK
	}
	if !strings.HasSuffix(file, ".sse") {
		if reply.Cut {
			// Promise the whole body, send half, drop the connection.
			w.Header().Set("Content-Length", fmt.Sprint(len(data)))
			w.WriteHeader(status)
			_, _ = w.Write(data[:len(data)/2])
			panic(http.ErrAbortHandler)
		}
		w.WriteHeader(status)
		_, _ = w.Write(data)
		return
	}
	w.WriteHeader(status)
	flusher := w.(http.Flusher)
	flusher.Flush()
	for i, ev := range splitEvents(data) {
		if reply.Cut && i == reply.After {
			break
		}
		_, _ = w.Write(ev)
		flusher.Flush()
		if i == 0 && reply.Hold != nil {
			select {
			case <-reply.Hold:
			case <-r.Context().Done():
				return
			}
		}
	}
	if reply.Cut {
		// The client sees the body end without its terminating chunk, as
		// when a connection is really cut.
		panic(http.ErrAbortHandler)
	}
}

// splitEvents cuts a recorded stream after each blank line, keeping the
// bytes exactly (a trailing cut-off event stays cut off).
func splitEvents(data []byte) [][]byte {
	var out [][]byte
	for len(data) > 0 {
		i := bytes.Index(data, []byte("\n\n"))
		if i < 0 {
			return append(out, data)
		}
		out = append(out, data[:i+2])
		data = data[i+2:]
	}
	return out
}

// writeError answers with Anthropic's error envelope.
func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("request-id", "req_fake_error")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type":       "error",
		"error":      map[string]string{"type": typ, "message": msg},
		"request_id": "req_fake_error",
	})
}

// countTokens answers POST /v1/messages/count_tokens: the documented
// {"input_tokens": 2095} unless the script says otherwise (a File, or an
// error Status).
func (f *Fake) countTokens(w http.ResponseWriter, r *http.Request, raw []byte, model string) {
	if err := ValidateCountBody(raw); err != nil {
		f.t.Errorf("anthropicfake: rejected the count_tokens body: %v\n%s", err, raw)
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	reply := f.Next(model)
	file := reply.File
	if file == "" || reply.Status == 0 && !strings.HasPrefix(file, "count") {
		file = "count/tokens.json"
	}
	f.answer(w, r, reply, file)
}
