package anthropic

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const (
	fakeKey     = "sk-ant-test-0123456789"
	fakeVersion = "2023-06-01"
)

// fakeAPI is an httptest stand-in for POST /v1/messages. It checks each
// request the way Anthropic does (headers, required fields, alternating
// roles, tool_result placement, no unknown top-level keys) and answers from a
// testdata fixture, so a translation bug shows up as the 400 the real API
// would send, and is reported as a test failure too.
type fakeAPI struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	reply    fakeReply
	requests []fakeRequest
	version  string // expected anthropic-version
}

// fakeReply is what the fake answers with.
type fakeReply struct {
	status      int               // default 200
	file        string            // path under testdata/; .sse files are streamed event by event
	header      map[string]string // extra response headers
	contentType string            // overrides the type derived from file
	// hold, when set, pauses an .sse reply after its first event until it is
	// closed (or the client goes away).
	hold chan struct{}
	// abort drops the connection after the body (or half of a JSON body)
	// instead of ending the response cleanly.
	abort bool
}

// fakeRequest is what the fake received.
type fakeRequest struct {
	header http.Header
	body   map[string]any
}

func newFakeAPI(t *testing.T) *fakeAPI {
	t.Helper()
	f := &fakeAPI{t: t, version: fakeVersion, reply: fakeReply{file: "responses/text.json"}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) setReply(r fakeReply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reply = r
}

func (f *fakeAPI) received() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeRequest(nil), f.requests...)
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	reply, version := f.reply, f.version
	f.mu.Unlock()

	raw := new(bytes.Buffer)
	_, _ = raw.ReadFrom(r.Body)
	var body map[string]any
	_ = json.Unmarshal(raw.Bytes(), &body)
	f.mu.Lock()
	f.requests = append(f.requests, fakeRequest{header: r.Header.Clone(), body: body})
	f.mu.Unlock()

	if status, typ, msg := checkHTTP(r, version); status != 0 {
		f.t.Errorf("fake Messages API rejected the request: %d %s", status, msg)
		writeError(w, status, typ, msg)
		return
	}
	if err := validateBody(raw.Bytes()); err != nil {
		f.t.Errorf("fake Messages API rejected the body: %v\n%s", err, raw.String())
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	if stream, _ := body["stream"].(bool); stream != strings.HasSuffix(reply.file, ".sse") && reply.status < 300 && reply.contentType == "" {
		f.t.Errorf("request stream=%v but the fixture is %s", stream, reply.file)
	}
	f.answer(w, r, reply)
}

// checkHTTP validates method, path and headers as the API would.
func checkHTTP(r *http.Request, version string) (int, string, string) {
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/v1/messages":
		return http.StatusNotFound, "not_found_error", "Not Found: " + r.Method + " " + r.URL.Path
	case r.Header.Get("x-api-key") != fakeKey:
		return http.StatusUnauthorized, "authentication_error", "invalid x-api-key"
	case r.Header.Get("anthropic-version") != version:
		return http.StatusBadRequest, "invalid_request_error", "anthropic-version: unexpected " + r.Header.Get("anthropic-version")
	case r.Header.Get("content-type") != "application/json":
		return http.StatusBadRequest, "invalid_request_error", "content-type must be application/json"
	}
	return 0, "", ""
}

func (f *fakeAPI) answer(w http.ResponseWriter, r *http.Request, reply fakeReply) {
	data, err := os.ReadFile(filepath.Join("testdata", reply.file))
	if err != nil {
		f.t.Errorf("fake: %v", err)
		writeError(w, http.StatusInternalServerError, "api_error", err.Error())
		return
	}
	ct := reply.contentType
	switch {
	case ct != "":
	case strings.HasSuffix(reply.file, ".sse"):
		ct = "text/event-stream"
	case strings.HasSuffix(reply.file, ".json"):
		ct = "application/json"
	default:
		ct = "text/html"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("request-id", "req_fake_0001")
	for k, v := range reply.header {
		w.Header().Set(k, v)
	}
	status := reply.status
	if status == 0 {
		status = http.StatusOK
	}
	if !strings.HasSuffix(reply.file, ".sse") {
		if reply.abort {
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
	for i, ev := range splitEvents(data) {
		_, _ = w.Write(ev)
		flusher.Flush()
		if i == 0 && reply.hold != nil {
			select {
			case <-reply.hold:
			case <-r.Context().Done():
				return
			}
		}
	}
	if reply.abort {
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

// knownKeys are the top-level Messages parameters; Anthropic rejects others
// ("Extra inputs are not permitted").
var knownKeys = map[string]bool{
	"model": true, "messages": true, "system": true, "max_tokens": true, "temperature": true,
	"top_p": true, "top_k": true, "stop_sequences": true, "stream": true, "tools": true,
	"tool_choice": true, "metadata": true, "thinking": true, "service_tier": true,
	"output_config": true, "context_management": true, "container": true, "mcp_servers": true,
}

// validateBody checks a Messages request body the way the API would.
func validateBody(raw []byte) error {
	var body struct {
		Model     *string          `json:"model"`
		MaxTokens *int             `json:"max_tokens"`
		Messages  []wireMessage    `json:"messages"`
		System    json.RawMessage  `json:"system"`
		Tools     []map[string]any `json:"tools"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return fmt.Errorf("body: %v", err)
	}
	var all map[string]json.RawMessage
	_ = json.Unmarshal(raw, &all)
	for k := range all {
		if !knownKeys[k] {
			return fmt.Errorf("%s: Extra inputs are not permitted", k)
		}
	}
	switch {
	case body.Model == nil || *body.Model == "":
		return fmt.Errorf("model: Field required")
	case body.MaxTokens == nil || *body.MaxTokens < 1:
		return fmt.Errorf("max_tokens: Field required and must be >= 1")
	case len(body.Messages) == 0:
		return fmt.Errorf("messages: at least one message is required")
	}
	if len(body.System) > 0 && body.System[0] != '"' && body.System[0] != '[' {
		return fmt.Errorf("system: must be a string or a list of text blocks")
	}
	for i, t := range body.Tools {
		if _, ok := t["input_schema"]; !ok || t["name"] == "" {
			return fmt.Errorf("tools.%d: name and input_schema are required", i)
		}
	}
	return validateMessages(body.Messages)
}

type wireMessage struct {
	Role    string      `json:"role"`
	Content []wireBlock `json:"content"`
}

type wireBlock struct {
	Type      string          `json:"type"`
	Text      *string         `json:"text"`
	ID        string          `json:"id"`
	Input     json.RawMessage `json:"input"`
	ToolUseID string          `json:"tool_use_id"`
	Source    json.RawMessage `json:"source"`
}

func validateMessages(msgs []wireMessage) error {
	prevToolUses := map[string]bool{}
	for i, m := range msgs {
		switch {
		case i == 0 && m.Role != "user":
			return fmt.Errorf("messages.0.role: first message must use the user role")
		case m.Role != "user" && m.Role != "assistant":
			return fmt.Errorf("messages.%d.role: unexpected role %q", i, m.Role)
		case i > 0 && m.Role == msgs[i-1].Role:
			return fmt.Errorf("messages: roles must alternate between \"user\" and \"assistant\", but found multiple %q roles in a row", m.Role)
		case len(m.Content) == 0:
			return fmt.Errorf("messages.%d: all messages must have non-empty content", i)
		}
		toolUses := map[string]bool{}
		seenOther := false
		for j, b := range m.Content {
			where := fmt.Sprintf("messages.%d.content.%d", i, j)
			switch b.Type {
			case "text":
				if b.Text == nil || *b.Text == "" {
					return fmt.Errorf("%s: text content blocks must be non-empty", where)
				}
				seenOther = true
			case "image":
				if m.Role != "user" || len(b.Source) == 0 {
					return fmt.Errorf("%s: image blocks need a source and a user turn", where)
				}
				seenOther = true
			case "tool_use":
				if m.Role != "assistant" || b.ID == "" || len(b.Input) == 0 || b.Input[0] != '{' {
					return fmt.Errorf("%s: tool_use needs an assistant turn, an id and an object input", where)
				}
				toolUses[b.ID] = true
			case "tool_result":
				if m.Role != "user" || seenOther {
					return fmt.Errorf("%s: tool_result blocks must come first in a user turn", where)
				}
				if !prevToolUses[b.ToolUseID] {
					return fmt.Errorf("%s: unexpected tool_use_id %q (no tool_use in the previous message)", where, b.ToolUseID)
				}
			default:
				return fmt.Errorf("%s.type: unknown block type %q", where, b.Type)
			}
		}
		prevToolUses = toolUses
	}
	return nil
}
