package geminifake

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/fakes/script"
	"github.com/switchyard-llm/switchyard/internal/sse"
)

// APIKey is the x-goog-api-key the fake accepts; configure the provider
// with it. Tests also assert it never appears in an error.
const APIKey = "AIzaSy-test-key-0123456789"

//go:embed testdata
var fixtures embed.FS

// Fixture returns a recorded body from testdata/ (e.g. "responses/text.json").
func Fixture(name string) ([]byte, error) { return fixtures.ReadFile("testdata/" + name) }

// Fake is a running Gemini API on 127.0.0.1.
type Fake struct {
	*httptest.Server
	t testing.TB

	*script.Book[Reply, Request]
}

// Request is one valid request as the fake received it.
type Request struct {
	// Model is the model id from the path, without models/.
	Model string
	// Method is generateContent, streamGenerateContent or
	// batchEmbedContents.
	Method string
	Header http.Header
	Body   []byte
}

// New starts a fake, closed when the test ends.
func New(t testing.TB) *Fake {
	t.Helper()
	f := &Fake{t: t, Book: script.NewBook[Reply, Request](Reply{})}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// BaseURL is the provider's base_url (the client appends /v1beta/models/...).
func (f *Fake) BaseURL() string { return f.URL }

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec, err := validateRequest(r, body)
	if err != nil {
		f.t.Errorf("geminifake: invalid request: %v", err)
		writeAPIError(w, http.StatusBadRequest, "INVALID_ARGUMENT", err.Error())
		return
	}
	f.Record(rec)
	reply := f.Next(rec.Model)
	status := reply.Status
	if status == 0 {
		status = http.StatusOK
	}
	if rec.Method == "batchEmbedContents" && reply.File == "" && reply.StreamFile == "" {
		if err := writeEmbed(w, reply, status, body); err != nil {
			f.t.Errorf("geminifake: %v", err)
			writeAPIError(w, http.StatusInternalServerError, "INTERNAL", err.Error())
		}
		return
	}

	stream := rec.Method == "streamGenerateContent"
	file := reply.File
	if (stream && reply.StreamFile != "") || file == "" {
		file = reply.StreamFile
	}
	if file == "" {
		file = map[bool]string{false: "responses/text.json", true: "streams/text.sse"}[stream]
	}
	data, err := Fixture(file)
	if err != nil {
		f.t.Errorf("geminifake: %v", err)
		writeAPIError(w, http.StatusInternalServerError, "INTERNAL", err.Error())
		return
	}
	for k, v := range reply.Header {
		w.Header().Set(k, v)
	}
	if !strings.HasSuffix(file, ".sse") {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		if reply.Cut {
			w.Header().Set("Content-Length", fmt.Sprint(len(data)))
			w.WriteHeader(status)
			_, _ = w.Write(data[:len(data)/2])
			panic(http.ErrAbortHandler)
		}
		w.WriteHeader(status)
		_, _ = w.Write(data)
		return
	}
	f.stream(w, r, reply, status, data)
}

// stream re-frames a recorded .sse body event by event, flushing each as
// the real API does.
func (f *Fake) stream(w http.ResponseWriter, r *http.Request, reply Reply, status int, data []byte) {
	events, err := Events(data)
	if err != nil {
		f.t.Errorf("geminifake: %v", err)
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(status)
	flusher := w.(http.Flusher)
	flusher.Flush()
	for i, ev := range events {
		if reply.Cut && i == reply.After {
			break
		}
		fmt.Fprintf(w, "data: %s\r\n\r\n", ev) // Gemini frames events with CRLF
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
		panic(http.ErrAbortHandler) // drops the connection mid-body
	}
}

// Events splits a recorded .sse body into its data payloads.
func Events(data []byte) ([][]byte, error) {
	dec := sse.NewDecoder(bytes.NewReader(data))
	var out [][]byte
	for dec.Next() {
		out = append(out, append([]byte(nil), dec.Current().Data...))
	}
	if err := dec.Err(); err != nil {
		return out, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no events in the fixture")
	}
	return out, nil
}

// writeAPIError answers with Gemini's error envelope.
func writeAPIError(w http.ResponseWriter, code int, status, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": msg, "status": status}})
}
