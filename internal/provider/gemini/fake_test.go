package gemini

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/sse"
)

// testKey is the API key the fake expects; tests assert it never leaks.
const testKey = "AIzaSy-test-key-0123456789"

// fixedNow makes created exact in assertions.
var fixedNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// fakeGemini is an httptest Gemini API. It validates every request the way
// the real API would reject it (path, method, auth, JSON shape) and answers
// with the handler the test installs, usually a testdata fixture.
type fakeGemini struct {
	t   *testing.T
	srv *httptest.Server

	mu    sync.Mutex
	reply http.HandlerFunc
	got   []received
}

// received is one request as the fake saw it.
type received struct {
	Model, Method string
	Header        http.Header
	Body          []byte
}

var pathRE = regexp.MustCompile(`^/v1beta/(?:models|tunedModels)/([^/:]+):(generateContent|streamGenerateContent)$`)

func newFake(t *testing.T, reply http.HandlerFunc) *fakeGemini {
	t.Helper()
	f := &fakeGemini{t: t, reply: reply}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGemini) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec, err := validateRequest(r, body)
	if err != nil {
		f.t.Errorf("fake gemini: invalid request: %v", err)
		writeAPIError(w, http.StatusBadRequest, "INVALID_ARGUMENT", err.Error())
		return
	}
	f.mu.Lock()
	f.got = append(f.got, rec)
	reply := f.reply
	f.mu.Unlock()
	reply(w, r)
}

// validateRequest checks what the real API checks, plus the gateway's own
// rule that the key travels only in x-goog-api-key.
func validateRequest(r *http.Request, body []byte) (received, error) {
	rec := received{Header: r.Header.Clone(), Body: body}
	if r.Method != http.MethodPost {
		return rec, fmt.Errorf("method %s, want POST", r.Method)
	}
	m := pathRE.FindStringSubmatch(r.URL.Path)
	if m == nil {
		return rec, fmt.Errorf("path %q is not /v1beta/models/{model}:generateContent|streamGenerateContent", r.URL.Path)
	}
	rec.Model, rec.Method = m[1], m[2]
	q := r.URL.Query()
	if q.Has("key") {
		return rec, fmt.Errorf("the API key must not be in the URL")
	}
	if rec.Method == "streamGenerateContent" && q.Get("alt") != "sse" {
		return rec, fmt.Errorf("streamGenerateContent without alt=sse")
	}
	if rec.Method == "generateContent" && q.Has("alt") {
		return rec, fmt.Errorf("generateContent with alt=%s", q.Get("alt"))
	}
	if got := r.Header.Get("x-goog-api-key"); got != testKey {
		return rec, fmt.Errorf("x-goog-api-key = %q", got)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		return rec, fmt.Errorf("Content-Type = %q", ct)
	}
	var req struct {
		Contents []struct {
			Role  string            `json:"role"`
			Parts []json.RawMessage `json:"parts"`
		} `json:"contents"`
		SystemInstruction *struct {
			Parts []json.RawMessage `json:"parts"`
		} `json:"systemInstruction"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		return rec, fmt.Errorf("body is not JSON: %v", err)
	}
	if len(req.Contents) == 0 {
		return rec, fmt.Errorf("contents is empty")
	}
	for i, c := range req.Contents {
		if c.Role != "user" && c.Role != "model" {
			return rec, fmt.Errorf("contents[%d].role = %q", i, c.Role)
		}
		if i > 0 && req.Contents[i-1].Role == c.Role {
			return rec, fmt.Errorf("contents[%d]: two %s turns in a row", i, c.Role)
		}
		if err := validateParts(c.Parts); err != nil {
			return rec, fmt.Errorf("contents[%d]: %v", i, err)
		}
	}
	if req.SystemInstruction != nil {
		if err := validateParts(req.SystemInstruction.Parts); err != nil {
			return rec, fmt.Errorf("systemInstruction: %v", err)
		}
	}
	return rec, nil
}

// validateParts: non-empty, each part exactly one data field, no empty text.
func validateParts(parts []json.RawMessage) error {
	if len(parts) == 0 {
		return fmt.Errorf("parts is empty")
	}
	data := map[string]bool{"text": true, "inlineData": true, "fileData": true, "functionCall": true, "functionResponse": true}
	for j, raw := range parts {
		var p map[string]json.RawMessage
		if err := json.Unmarshal(raw, &p); err != nil {
			return fmt.Errorf("parts[%d]: %v", j, err)
		}
		n := 0
		for k, v := range p {
			if data[k] {
				n++
			}
			if k == "text" && string(v) == `""` {
				return fmt.Errorf("parts[%d]: empty text", j)
			}
		}
		if n != 1 {
			return fmt.Errorf("parts[%d]: %d data fields, want 1", j, n)
		}
	}
	return nil
}

func (f *fakeGemini) requests() []received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]received(nil), f.got...)
}

// client returns a provider pointed at the fake.
func (f *fakeGemini) client(t *testing.T, headers map[string]string) *Client {
	t.Helper()
	return newTestClient(t, f.srv.URL, headers)
}

func newTestClient(t *testing.T, baseURL string, headers map[string]string) *Client {
	t.Helper()
	p, err := New(config.Provider{Type: "gemini", APIKey: "env:GEMINI_API_KEY", BaseURL: baseURL, Headers: headers},
		provider.Env{Name: "gemini", Secrets: staticSecrets{"env:GEMINI_API_KEY": testKey}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c := p.(*Client)
	c.now = func() time.Time { return fixedNow }
	return c
}

type staticSecrets map[string]string

func (s staticSecrets) Resolve(_ context.Context, ref string) (string, error) {
	if v, ok := s[ref]; ok {
		return v, nil
	}
	return "", fmt.Errorf("no secret %s", ref)
}

// Reply helpers.

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return b
}

// replyJSON answers status with a testdata file as application/json.
func replyJSON(t *testing.T, status int, fixture string, header http.Header) http.HandlerFunc {
	body := readFixture(t, fixture)
	return func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
}

// replySSE streams a recorded .sse body event by event, flushing each as
// the real API does. With cutAfter >= 0 the connection is aborted after
// that many events, mid-stream, without a clean end.
func replySSE(t *testing.T, fixture string, cutAfter int) http.HandlerFunc {
	events := sseEvents(t, fixture)
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		for i, ev := range events {
			if i == cutAfter {
				panic(http.ErrAbortHandler) // drops the connection mid-body
			}
			fmt.Fprintf(w, "data: %s\r\n\r\n", ev) // Gemini frames events with CRLF
			w.(http.Flusher).Flush()
		}
		if cutAfter >= len(events) {
			panic(http.ErrAbortHandler)
		}
	}
}

// sseEvents splits a recorded .sse file into its data payloads.
func sseEvents(t *testing.T, fixture string) [][]byte {
	t.Helper()
	dec := sse.NewDecoder(bytes.NewReader(readFixture(t, fixture)))
	var out [][]byte
	for dec.Next() {
		out = append(out, append([]byte(nil), dec.Current().Data...))
	}
	if len(out) == 0 {
		t.Fatalf("fixture %s has no events", fixture)
	}
	return out
}

func writeAPIError(w http.ResponseWriter, code int, status, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": msg, "status": status}})
}

// userRequest is a minimal one-message request.
func userRequest(text string) *chat.Request {
	return &chat.Request{Model: "gemini-2.5-flash", Messages: []chat.Message{{Role: "user", Content: chat.TextContent(text)}}}
}

func mustNotLeakKey(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(fmt.Sprintf("%v %+v", err, err), testKey) {
		t.Errorf("error contains the API key: %v", err)
	}
}
