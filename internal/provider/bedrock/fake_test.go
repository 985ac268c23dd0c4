package bedrock

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// fakeRequestID is what the fake sends as x-amzn-RequestId.
const fakeRequestID = "5d3a1b0e-7d27-4c39-8f5c-2b7a8c1f0e11"

// fixedNow is the clock of test clients, so responses compare exactly.
var fixedNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// recorded is one request the fake received, after validation.
type recorded struct {
	model  string // path-unescaped model id
	op     string // "converse" or "converse-stream"
	path   string // escaped path as sent
	header http.Header
	body   []byte
}

// fakeBedrock is a Bedrock Runtime endpoint on loopback. It checks what the
// real SDK client sends (route, SigV4 headers, JSON body) and answers with
// the responder a test sets: Converse JSON, an event stream in the real
// binary framing, or an error the way the service shapes it.
type fakeBedrock struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	requests  []recorded
	responder func(w http.ResponseWriter, r *http.Request, rec recorded)
	// gate holds a stream at a {"gate":true} line until the test closes it.
	gate chan struct{}
}

var routeRE = regexp.MustCompile(`^/model/([^/]+)/(converse|converse-stream)$`)

// credentialRE checks the SigV4 credential scope: fake key, a date, the
// region and Bedrock's signing name.
var credentialRE = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=AKIDFAKEFAKEFAKE/\d{8}/us-east-1/bedrock/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$`)

func newFake(t *testing.T) *fakeBedrock {
	t.Helper()
	f := &fakeBedrock{t: t, gate: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeBedrock) serve(w http.ResponseWriter, r *http.Request) {
	rec, problem := f.validate(r)
	f.mu.Lock()
	f.requests = append(f.requests, rec)
	respond := f.responder
	f.mu.Unlock()
	if problem != "" {
		f.t.Errorf("fake bedrock: %s %s: %s", r.Method, r.URL.EscapedPath(), problem)
		http.Error(w, problem, http.StatusTeapot)
		return
	}
	if respond == nil {
		f.t.Errorf("fake bedrock: no responder set")
		http.Error(w, "no responder", http.StatusTeapot)
		return
	}
	respond(w, r, rec)
}

// validate checks the request is what Bedrock Runtime accepts.
func (f *fakeBedrock) validate(r *http.Request) (recorded, string) {
	var body bytes.Buffer
	_, _ = body.ReadFrom(r.Body)
	rec := recorded{path: r.URL.EscapedPath(), header: r.Header.Clone(), body: body.Bytes()}
	if r.Method != http.MethodPost {
		return rec, "method must be POST"
	}
	m := routeRE.FindStringSubmatch(rec.path)
	if m == nil {
		return rec, "path must be /model/{modelId}/converse or /converse-stream"
	}
	model, err := url.PathUnescape(m[1])
	if err != nil {
		return rec, "model id is not path-escaped: " + err.Error()
	}
	rec.model, rec.op = model, m[2]
	if auth := r.Header.Get("Authorization"); !credentialRE.MatchString(auth) {
		return rec, "Authorization is not a SigV4 header for bedrock in us-east-1: " + auth
	}
	if _, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date")); err != nil {
		return rec, "X-Amz-Date missing or malformed"
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		return rec, "Content-Type must be application/json, got " + ct
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(rec.body, &obj); err != nil {
		return rec, "body is not a JSON object: " + err.Error()
	}
	if _, ok := obj["modelId"]; ok {
		return rec, "modelId belongs in the path, not the body"
	}
	var msgs []struct {
		Role    string            `json:"role"`
		Content []json.RawMessage `json:"content"`
	}
	if err := json.Unmarshal(obj["messages"], &msgs); err != nil || len(msgs) == 0 {
		return rec, "messages must be a non-empty array"
	}
	for _, msg := range msgs {
		if msg.Role != "user" && msg.Role != "assistant" {
			return rec, "message role must be user or assistant, got " + msg.Role
		}
		if len(msg.Content) == 0 {
			return rec, "message content must not be empty"
		}
	}
	return rec, ""
}

func (f *fakeBedrock) respond(fn func(w http.ResponseWriter, r *http.Request, rec recorded)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.responder = fn
}

func (f *fakeBedrock) received() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

// converseFixture answers with testdata/converse/<name>.json.
func converseFixture(t *testing.T, name string) func(http.ResponseWriter, *http.Request, recorded) {
	body := readFile(t, filepath.Join("testdata", "converse", name+".json"))
	return func(w http.ResponseWriter, _ *http.Request, _ recorded) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-amzn-RequestId", fakeRequestID)
		_, _ = w.Write(body)
	}
}

// apiError answers the way Bedrock reports an error: the status, the code
// in X-Amzn-ErrorType (with the service namespace suffix it really sends)
// and {"message": ...}.
func apiError(status int, code, message string, extra http.Header) func(http.ResponseWriter, *http.Request, recorded) {
	return func(w http.ResponseWriter, _ *http.Request, _ recorded) {
		for k, v := range extra {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-amzn-RequestId", fakeRequestID)
		w.Header().Set("X-Amzn-ErrorType", code+":http://internal.amazon.com/coral/com.amazon.bedrock/")
		w.WriteHeader(status)
		b, _ := json.Marshal(map[string]string{"message": message})
		_, _ = w.Write(b)
	}
}

// streamLine is one line of a testdata/stream/*.jsonl fixture: an event,
// an exception, a gate (wait for the test), or a cut connection.
type streamLine struct {
	Event     string          `json:"event"`
	Exception string          `json:"exception"`
	Payload   json.RawMessage `json:"payload"`
	Gate      bool            `json:"gate"`
	Cut       bool            `json:"cut"`
}

// streamFixture answers ConverseStream with testdata/stream/<name>.jsonl
// encoded in the AWS event-stream binary framing, flushing every message.
func (f *fakeBedrock) streamFixture(t *testing.T, name string) func(http.ResponseWriter, *http.Request, recorded) {
	lines := readStreamFixture(t, name)
	return func(w http.ResponseWriter, r *http.Request, _ recorded) {
		w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
		w.Header().Set("x-amzn-RequestId", fakeRequestID)
		w.WriteHeader(http.StatusOK)
		flusher := w.(http.Flusher)
		enc := eventstream.NewEncoder()
		for _, l := range lines {
			var frame bytes.Buffer
			switch {
			case l.Gate:
				flusher.Flush()
				select {
				case <-f.gate:
				case <-r.Context().Done():
					return
				}
				continue
			case l.Cut:
				// Half a frame, then the connection drops.
				_ = enc.Encode(&frame, eventMessage("contentBlockDelta", []byte(`{"contentBlockIndex":0,"delta":{"text":"never arrives"}}`)))
				_, _ = w.Write(frame.Bytes()[:frame.Len()/2])
				flusher.Flush()
				panic(http.ErrAbortHandler)
			case l.Exception != "":
				var msg eventstream.Message
				msg.Headers.Set(":exception-type", eventstream.StringValue(l.Exception))
				msg.Headers.Set(":content-type", eventstream.StringValue("application/json"))
				msg.Headers.Set(":message-type", eventstream.StringValue("exception"))
				msg.Payload = l.Payload
				_ = enc.Encode(&frame, msg)
			default:
				_ = enc.Encode(&frame, eventMessage(l.Event, l.Payload))
			}
			_, _ = w.Write(frame.Bytes())
			flusher.Flush()
		}
	}
}

func eventMessage(typ string, payload []byte) eventstream.Message {
	var msg eventstream.Message
	msg.Headers.Set(":event-type", eventstream.StringValue(typ))
	msg.Headers.Set(":content-type", eventstream.StringValue("application/json"))
	msg.Headers.Set(":message-type", eventstream.StringValue("event"))
	msg.Payload = payload
	return msg
}

func readStreamFixture(t *testing.T, name string) []streamLine {
	t.Helper()
	data := readFile(t, filepath.Join("testdata", "stream", name+".jsonl"))
	var lines []streamLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var l streamLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s.jsonl: %v", name, err)
		}
		lines = append(lines, l)
	}
	return lines
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// awsTestEnv gives the SDK fake credentials and a region through the
// environment, as the Lambda runtime does, and shuts out anything on the
// machine (shared config files, IMDS, endpoint overrides, Bedrock API keys).
func awsTestEnv(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	set := map[string]string{
		"AWS_ACCESS_KEY_ID":           "AKIDFAKEFAKEFAKE",
		"AWS_SECRET_ACCESS_KEY":       "fake/secret/key",
		"AWS_REGION":                  "us-east-1",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
	}
	for k, v := range set {
		t.Setenv(k, v)
	}
	for _, k := range []string{"AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL",
		"AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_BEARER_TOKEN_BEDROCK", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE",
		"AWS_CA_BUNDLE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
		t.Setenv(k, "") // registers the restore
		os.Unsetenv(k)
	}
}

// newTestClient is a real provider built by New, pointed at the fake.
func newTestClient(t *testing.T, f *fakeBedrock, env provider.Env) *Client {
	t.Helper()
	awsTestEnv(t)
	p, err := New(config.Provider{Type: "bedrock", EndpointURL: f.srv.URL}, env)
	if err != nil {
		t.Fatal(err)
	}
	c := p.(*Client)
	c.now = func() time.Time { return fixedNow }
	c.newID = func() string { return "generated" }
	return c
}

// golden compares got with testdata/<path>, rewriting it under -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	path = filepath.Join("testdata", path)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update after checking):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// canonicalJSON re-indents JSON with sorted keys and exact numbers, so a
// golden file does not depend on the order the SDK writes map keys in.
func canonicalJSON(t *testing.T, b []byte) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}
