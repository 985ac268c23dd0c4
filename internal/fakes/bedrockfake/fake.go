package bedrockfake

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/fakes/script"
)

const (
	// AccessKeyID and SecretAccessKey are the credentials SetAWSEnv gives
	// the SDK; the fake checks requests are signed with AccessKeyID.
	AccessKeyID     = "AKIDFAKEFAKEFAKE"
	SecretAccessKey = "fake/secret/key"
	// Region is the signing region the fake expects.
	Region = "us-east-1"
	// RequestID is the x-amzn-RequestId of every answer.
	RequestID = "5d3a1b0e-7d27-4c39-8f5c-2b7a8c1f0e11"
)

//go:embed testdata
var fixtures embed.FS

// Fixture returns a recorded body from testdata/ (e.g. "converse/text.json").
func Fixture(name string) ([]byte, error) { return fixtures.ReadFile("testdata/" + name) }

// Fake is a running Bedrock Runtime endpoint on 127.0.0.1.
type Fake struct {
	*httptest.Server
	t testing.TB

	*script.Book[Reply, Request]
}

// Request is one request as the fake received it.
type Request struct {
	Model string // path-unescaped model id
	// Op is "converse", "converse-stream", "invoke",
	// "invoke-with-response-stream" or "count-tokens".
	Op     string
	Path   string // escaped path as sent
	Header http.Header
	Body   []byte
}

var routeRE = regexp.MustCompile(`^/model/([^/]+)/(converse|converse-stream|invoke|invoke-with-response-stream|count-tokens)$`)

// credentialRE checks the SigV4 credential scope: the fake key, a date,
// the region and Bedrock's signing name.
var credentialRE = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=` + AccessKeyID + `/\d{8}/` + Region +
	`/bedrock/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$`)

// New starts a fake, closed when the test ends. Point the provider at it
// with endpoint_url: f.URL (or AWS_ENDPOINT_URL_BEDROCK_RUNTIME), after
// SetAWSEnv.
func New(t testing.TB) *Fake {
	t.Helper()
	f := &Fake{t: t, Book: script.NewBook[Reply, Request](Reply{})}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	rec, problem := validate(r)
	f.Record(rec)
	if problem != "" {
		// A request Bedrock would refuse is a bug in the code under test:
		// fail the test, and answer as Bedrock does.
		f.t.Errorf("bedrockfake: %s %s: %s", r.Method, r.URL.EscapedPath(), problem)
		writeError(w, http.StatusBadRequest, "ValidationException", problem)
		return
	}
	reply := f.Next(rec.Model)

	for k, v := range reply.Header {
		w.Header().Set(k, v)
	}
	w.Header().Set("x-amzn-RequestId", RequestID)
	status := reply.Status
	if status == 0 {
		status = http.StatusOK
	}
	if reply.ErrorCode != "" {
		writeError(w, status, reply.ErrorCode, reply.Message)
		return
	}
	switch rec.Op {
	case "invoke", "invoke-with-response-stream", "count-tokens":
		f.serveInvoke(w, r, rec, reply, status)
		return
	}
	stream := rec.Op == "converse-stream"
	file := reply.File
	if (stream && reply.StreamFile != "") || file == "" {
		file = reply.StreamFile
	}
	if file == "" {
		file = map[bool]string{false: "converse/text.json", true: "stream/text.jsonl"}[stream]
	}
	data, err := Fixture(file)
	if err != nil {
		f.t.Errorf("bedrockfake: %v", err)
		writeError(w, http.StatusInternalServerError, "InternalServerException", err.Error())
		return
	}
	if stream && filepath.Ext(file) == ".jsonl" {
		lines, err := parseScript(data)
		if err != nil {
			f.t.Errorf("bedrockfake: %s: %v", file, err)
		}
		f.stream(w, r, reply, status, lines)
		return
	}
	if reply.StopReason != "" {
		if data, err = withStopReason(data, reply.StopReason); err != nil {
			f.t.Errorf("bedrockfake: %s: %v", file, err)
		}
	}
	ct := reply.ContentType
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	if reply.Cut {
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		w.WriteHeader(status)
		_, _ = w.Write(data[:len(data)/2])
		panic(http.ErrAbortHandler)
	}
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// validate checks the request is what Bedrock Runtime accepts; an empty
// problem means it passes.
func validate(r *http.Request) (Request, string) {
	var body bytes.Buffer
	_, _ = body.ReadFrom(r.Body)
	rec := Request{Path: r.URL.EscapedPath(), Header: r.Header.Clone(), Body: body.Bytes()}
	if r.Method != http.MethodPost {
		return rec, "method must be POST"
	}
	m := routeRE.FindStringSubmatch(rec.Path)
	if m == nil {
		return rec, "path must be /model/{modelId}/ followed by converse, converse-stream, invoke, invoke-with-response-stream or count-tokens"
	}
	model, err := url.PathUnescape(m[1])
	if err != nil {
		return rec, "model id is not path-escaped: " + err.Error()
	}
	rec.Model, rec.Op = model, m[2]
	if auth := r.Header.Get("Authorization"); !credentialRE.MatchString(auth) {
		return rec, "Authorization is not a SigV4 header for bedrock in " + Region + ": " + auth
	}
	if _, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date")); err != nil {
		return rec, "X-Amz-Date missing or malformed"
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		return rec, "Content-Type must be application/json, got " + ct
	}
	if err := validateOpBody(rec); err != nil {
		return rec, err.Error()
	}
	return rec, ""
}

// writeError answers the way Bedrock reports an error: the status, the
// code in X-Amzn-ErrorType (with the service namespace suffix it really
// sends) and {"message": ...}.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code+":http://internal.amazon.com/coral/com.amazon.bedrock/")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"message": message})
	_, _ = w.Write(b)
}

// clearedEnv are the AWS variables SetAWSEnv clears so nothing on the
// machine (profiles, IMDS, endpoint overrides, Bedrock API keys, SDK
// retries) changes what a test sends.
var clearedEnv = []string{"AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL",
	"AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_BEARER_TOKEN_BEDROCK", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE",
	"AWS_CA_BUNDLE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"}

// SetAWSEnv gives the SDK the fake credentials and region through the
// environment, as the Lambda runtime does, and shuts out anything on the
// machine. Like t.Setenv it cannot be used in parallel tests.
func SetAWSEnv(t testing.TB) {
	t.Helper()
	dir := t.TempDir()
	set := map[string]string{
		"AWS_ACCESS_KEY_ID":           AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":       SecretAccessKey,
		"AWS_REGION":                  Region,
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
	}
	for k, v := range set {
		t.Setenv(k, v)
	}
	for _, k := range clearedEnv {
		t.Setenv(k, "") // registers the restore
		_ = os.Unsetenv(k)
	}
}
