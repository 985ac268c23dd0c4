package openaifake

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

//go:embed testdata/completion.json
var completionBody []byte

//go:embed testdata/stream.sse
var streamBody []byte

//go:embed testdata/tools.json
var toolsBody []byte

//go:embed testdata/tools_stream.sse
var toolsStreamBody []byte

// Fault is what the fake does with one request.
type Fault struct {
	Kind    Kind
	Status  int
	Body    string
	Headers map[string]string
	// After is how many stream events are sent before a cut or pause.
	After int
	// Release ends a Pause.
	Release chan struct{}
}

// Kind names a fault.
type Kind int

const (
	// OK answers normally.
	OK Kind = iota
	// Status answers Status with Body (an OpenAI error envelope by default).
	Status
	// Reset closes the connection without answering.
	Reset
	// Hang never answers until the caller gives up.
	Hang
	// Malformed answers 200 with a body that is not JSON.
	Malformed
	// CutStream sends After events of the stream, then closes the connection.
	CutStream
	// NoDone sends the whole stream but not the [DONE] marker.
	NoDone
	// NoDoneNoFinish sends content chunks only and ends the body cleanly.
	NoDoneNoFinish
	// Tools answers with a tool call.
	Tools
	// ErrorEvent sends After events, then an error object as a data line.
	ErrorEvent
	// Pause sends After events, then waits for Release to close before
	// sending the rest; a caller that gives up meanwhile is counted in
	// Canceled and signalled on HangEnded, as for Hang.
	Pause
)

// Fake is a running fake upstream.
type Fake struct {
	*httptest.Server
	t testing.TB

	mu       sync.Mutex
	scripts  map[string][]Fault
	hits     map[string]int
	requests []map[string]any
	raw      [][]byte
	headers  []http.Header
	canceled int
	// APIKey, when set, is required as the bearer token.
	APIKey string
	// HangStarted receives a value when a Hang request arrives (if non-nil).
	HangStarted chan struct{}
	// HangEnded receives a value when a Hang (or paused stream) request's
	// caller gives up.
	HangEnded chan struct{}
}

// Canceled is how many hanging requests were abandoned by the caller.
func (f *Fake) Canceled() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.canceled
}

// New starts a fake on 127.0.0.1, closed when the test ends.
func New(t testing.TB) *Fake {
	f := &Fake{t: t, scripts: map[string][]Fault{}, hits: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// URL is the base URL to configure (…/v1).
func (f *Fake) BaseURL() string { return f.Server.URL + "/v1" }

// Script queues faults for a model: request n gets faults[n]; requests
// after the script runs out are answered normally.
func (f *Fake) Script(model string, faults ...Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scripts[model] = append(f.scripts[model], faults...)
}

// Hits is how many requests a model received.
func (f *Fake) Hits(model string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[model]
}

// Requests returns the decoded request bodies received, in order.
func (f *Fake) Requests() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.requests...)
}

// RawRequests returns the request bodies received, byte for byte, in the
// order of Requests.
func (f *Fake) RawRequests() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte(nil), f.raw...)
}

// Headers returns the request headers received, in order.
func (f *Fake) Headers() []http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]http.Header(nil), f.headers...)
}

func openAIError(w http.ResponseWriter, status int, msg, typ, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"message":%q,"type":%q,"param":null,"code":%q}}`, msg, typ, code)
}

// record counts a request for model and takes its scripted fault.
func (f *Fake) record(r *http.Request, model string, body map[string]any, raw []byte) Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hits[model]++
	f.requests = append(f.requests, body)
	f.raw = append(f.raw, raw)
	f.headers = append(f.headers, r.Header.Clone())
	fault := Fault{}
	if s := f.scripts[model]; len(s) > 0 {
		fault, f.scripts[model] = s[0], s[1:]
	}
	return fault
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == "/v1/embeddings" {
		f.embed(w, r)
		return
	}
	if r.Method == http.MethodPost && r.URL.Path == "/v1/responses" {
		f.responses(w, r)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		openAIError(w, 404, "Unknown request URL: "+r.Method+" "+r.URL.Path, "invalid_request_error", "unknown_url")
		return
	}
	if f.APIKey != "" && r.Header.Get("Authorization") != "Bearer "+f.APIKey {
		openAIError(w, 401, "Incorrect API key provided", "invalid_request_error", "invalid_api_key")
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		openAIError(w, 400, "We could not parse the JSON body of your request.", "invalid_request_error", "")
		return
	}
	model, _ := body["model"].(string)
	if model == "" {
		openAIError(w, 400, "you must provide a model parameter", "invalid_request_error", "")
		return
	}
	if msgs, _ := body["messages"].([]any); len(msgs) == 0 {
		openAIError(w, 400, "'messages' is a required property", "invalid_request_error", "")
		return
	}
	stream, _ := body["stream"].(bool)
	if _, ok := body["stream_options"]; ok && !stream {
		openAIError(w, 400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.", "invalid_request_error", "")
		return
	}
	fault, answered := f.begin(w, r, model, body, raw)
	if answered {
		return
	}
	switch fault.Kind {
	case Malformed:
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id": "chatcmpl-broken", "choices": [`)
		return
	case Tools:
		if stream {
			f.stream(r.Context(), w, fault)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(toolsBody)
		return
	}
	if !stream {
		w.Header().Set("Content-Type", "application/json")
		w.Write(bytes.Replace(completionBody, []byte(`"gpt-4.1-2025-04-14"`), []byte(fmt.Sprintf("%q", model)), 1))
		return
	}
	f.stream(r.Context(), w, fault)
}

// events are a recorded stream's data events (without [DONE]).
func events(body []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "data: ") && line != "data: [DONE]" {
			out = append(out, line)
		}
	}
	return out
}

func (f *Fake) stream(ctx context.Context, w http.ResponseWriter, fault Fault) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fl := w.(http.Flusher)
	body := streamBody
	if fault.Kind == Tools {
		body = toolsStreamBody
	}
	evs := events(body)
	for i, ev := range evs {
		if fault.Kind == Pause && i == fault.After {
			select {
			case <-fault.Release:
			case <-ctx.Done():
				// The caller gave up mid-stream: counted like an abandoned Hang.
				f.mu.Lock()
				f.canceled++
				f.mu.Unlock()
				if f.HangEnded != nil {
					f.HangEnded <- struct{}{}
				}
				return
			}
		}
		if (fault.Kind == CutStream || fault.Kind == ErrorEvent) && i == fault.After {
			if fault.Kind == ErrorEvent {
				io.WriteString(w, `data: {"error":{"message":"The server had an error while processing your request.","type":"server_error"}}`+"\n\n")
				fl.Flush()
				return
			}
			fl.Flush()
			hijackClose(w)
			return
		}
		if fault.Kind == NoDoneNoFinish && strings.Contains(ev, `"finish_reason":"stop"`) {
			return
		}
		io.WriteString(w, ev+"\n\n")
		fl.Flush()
	}
	if fault.Kind == NoDone {
		return
	}
	io.WriteString(w, "data: [DONE]\n\n")
	fl.Flush()
}

// hijackClose drops the connection abruptly. With chunked encoding
// already started, the client sees an unexpected EOF, as with a real cut.
func hijackClose(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("openaifake: connection cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

// begin records a request and applies the faults every endpoint answers
// alike: the fake's request id and the fault's headers on every answer
// (rate-limit headers ride on successes too), then a Status, Reset or Hang
// fault answered here (answered true). Other faults are the endpoint's.
func (f *Fake) begin(w http.ResponseWriter, r *http.Request, model string, body map[string]any, raw []byte) (fault Fault, answered bool) {
	fault = f.record(r, model, body, raw)
	w.Header().Set("x-request-id", fmt.Sprintf("req_fake_%s_%d", model, f.Hits(model)))
	for k, v := range fault.Headers {
		w.Header().Set(k, v)
	}
	switch fault.Kind {
	case Status:
		if fault.Body != "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(fault.Status)
			io.WriteString(w, fault.Body)
			return fault, true
		}
		openAIError(w, fault.Status, http.StatusText(fault.Status), "server_error", "")
		return fault, true
	case Reset:
		hijackClose(w)
		return fault, true
	case Hang:
		f.hang(r.Context())
		return fault, true
	}
	return fault, false
}

// hang holds a request until its caller gives up, counted as canceled.
func (f *Fake) hang(ctx context.Context) {
	if f.HangStarted != nil {
		f.HangStarted <- struct{}{}
	}
	<-ctx.Done()
	f.mu.Lock()
	f.canceled++
	f.mu.Unlock()
	if f.HangEnded != nil {
		f.HangEnded <- struct{}{}
	}
}
