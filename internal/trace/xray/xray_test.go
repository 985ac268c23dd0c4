package xray

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchyard-llm/switchyard/internal/trace"
)

// daemon captures what the tracer sends to the X-Ray daemon: UDP packets of
// a header line and one segment document.
type daemon struct {
	conn *net.UDPConn
	mu   sync.Mutex
	docs []map[string]any
	got  chan struct{}
}

func newDaemon(t *testing.T) *daemon {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	d := &daemon{conn: conn, got: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 64<<10)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			head, doc, _ := bytes.Cut(buf[:n], []byte("\n"))
			var m map[string]any
			if string(head) != `{"format": "json", "version": 1}` || json.Unmarshal(doc, &m) != nil {
				t.Errorf("malformed packet %q", buf[:n])
				continue
			}
			d.mu.Lock()
			d.docs = append(d.docs, m)
			d.mu.Unlock()
			select {
			case d.got <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() { _ = conn.Close(); <-done })
	return d
}

// wait returns the first n documents, failing after a bounded wait.
func (d *daemon) wait(t *testing.T, n int) []map[string]any {
	t.Helper()
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	for {
		d.mu.Lock()
		if len(d.docs) >= n {
			out := append([]map[string]any(nil), d.docs...)
			d.mu.Unlock()
			return out
		}
		d.mu.Unlock()
		select {
		case <-d.got:
		case <-deadline.C:
			t.Fatalf("got %d segment documents, want %d", len(d.docs), n)
		}
	}
}

// count returns how many documents arrived so far.
func (d *daemon) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.docs)
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func newTracer(t *testing.T, addr string) *Tracer {
	t.Helper()
	tr, err := New(Options{DaemonAddr: addr, Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

const (
	root   = "1-5759e988-bd862e3fe1be46a994272793"
	parent = "53995c3f42cd8ad8"
)

// lambdaCtx is the context aws-lambda-go gives a handler.
func lambdaCtx(sampled string) context.Context {
	// The string key is the one aws-lambda-go and the X-Ray SDKs agreed on.
	return context.WithValue(context.Background(), LambdaTraceHeaderKey, "Root="+root+";Parent="+parent+";Sampled="+sampled)
}

// serveLikeTheEngine runs a request through Handler, opening the spans the
// engine opens: a routing decision with one failed and one served attempt.
func serveLikeTheEngine(t *testing.T, tr *Tracer, ctx context.Context) (traceID string, status int) {
	t.Helper()
	h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rctx, routing := tr.Start(r.Context(), "routing")
		routing.Annotate("router", "default")
		routing.Annotate("strategy", "fallback")
		routing.Metadata("candidates", []string{"openai/gpt-4o-mini", "anthropic/claude-haiku-4-5"})
		routing.Metadata("scores", []map[string]any{{"target": "openai/gpt-4o-mini", "score": 0.8}})
		for _, a := range []struct {
			provider, model string
			status          int
			err             error
		}{
			{"openai", "gpt-4o-mini", 503, errors.New("openai: 503 overloaded")},
			{"anthropic", "claude-haiku-4-5", 200, nil},
		} {
			_, att := tr.Start(rctx, "attempt")
			att.Annotate("provider", a.provider)
			att.Annotate("model", a.model)
			att.Annotate("target", a.provider+"/"+a.model)
			if a.err != nil {
				att.Annotate("error_class", "server_error")
			}
			att.Annotate("status", a.status)
			att.End(a.err)
		}
		routing.Annotate("attempts", 2)
		routing.Annotate("fallback", true)
		routing.Annotate("target", "anthropic/claude-haiku-4-5")
		traceID = routing.TraceID()
		routing.End(nil)
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flush through the tracing wrapper: %v", err)
		}
	}))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "https://gw.example.com/v1/chat/completions", nil).WithContext(ctx)
	h.ServeHTTP(rec, req)
	return traceID, rec.Code
}

func find(t *testing.T, seg map[string]any, path ...string) map[string]any {
	t.Helper()
	cur := seg
	for _, name := range path {
		var next map[string]any
		subs, _ := cur["subsegments"].([]any)
		for _, s := range subs {
			if m := s.(map[string]any); m["name"] == name && next == nil {
				next = m
			}
		}
		if next == nil {
			t.Fatalf("no subsegment %q under %q: %v", name, cur["name"], cur)
		}
		cur = next
	}
	return cur
}

func TestLambdaRequestTree(t *testing.T) {
	d := newDaemon(t)
	tr := newTracer(t, d.conn.LocalAddr().String())
	id, status := serveLikeTheEngine(t, tr, lambdaCtx("1"))
	if id != root || status != http.StatusOK {
		t.Fatalf("TraceID %q status %d, want the invocation's root %s", id, status, root)
	}
	docs := d.wait(t, 1)
	req := docs[0]
	// A subsegment of the invocation's facade segment, sent on its own.
	if req["name"] != DefaultService || req["type"] != "subsegment" || req["trace_id"] != root || req["parent_id"] != parent {
		t.Fatalf("request subsegment %v", req)
	}
	http_ := req["http"].(map[string]any)
	if http_["request"].(map[string]any)["method"] != "POST" || http_["response"].(map[string]any)["status"] != 200.0 {
		t.Errorf("http %v", http_)
	}
	routing := find(t, req, "routing")
	wantAnn := map[string]any{"router": "default", "strategy": "fallback", "attempts": 2.0, "fallback": true, "target": "anthropic/claude-haiku-4-5"}
	for k, v := range wantAnn {
		if got := routing["annotations"].(map[string]any)[k]; got != v {
			t.Errorf("routing annotation %s = %#v, want %#v", k, got, v)
		}
	}
	meta := routing["metadata"].(map[string]any)[MetadataNamespace].(map[string]any)
	if meta["candidates"] == nil || meta["scores"] == nil {
		t.Errorf("routing metadata %v", meta)
	}
	subs := routing["subsegments"].([]any)
	if len(subs) != 2 {
		t.Fatalf("%d attempt subsegments", len(subs))
	}
	var failed, served map[string]any
	for _, s := range subs {
		a := s.(map[string]any)
		switch a["annotations"].(map[string]any)["provider"] {
		case "openai":
			failed = a
		case "anthropic":
			served = a
		}
	}
	if failed == nil || served == nil {
		t.Fatalf("attempts %v", subs)
	}
	fa := failed["annotations"].(map[string]any)
	if fa["model"] != "gpt-4o-mini" || fa["status"] != 503.0 || fa["error_class"] != "server_error" || failed["fault"] != true {
		t.Errorf("failed attempt %v", failed)
	}
	if sa := served["annotations"].(map[string]any); sa["status"] != 200.0 || sa["error_class"] != nil || served["fault"] == true {
		t.Errorf("served attempt %v", served)
	}
}

// TestNotSampled: Lambda decided not to trace; the id is still reported
// (callers can quote it) and nothing is sent.
func TestNotSampled(t *testing.T) {
	d := newDaemon(t)
	tr := newTracer(t, d.conn.LocalAddr().String())
	if id, _ := serveLikeTheEngine(t, tr, lambdaCtx("0")); id != root {
		t.Fatalf("TraceID %q", id)
	}
	// A sampled request afterwards is the only one the daemon sees.
	serveLikeTheEngine(t, tr, lambdaCtx("1"))
	if docs := d.wait(t, 1); len(docs) != 1 || d.count() != 1 {
		t.Fatalf("daemon got %d documents, want only the sampled request's", d.count())
	}
}

// TestOutsideLambda: a request without a segment gets one of its own,
// continuing the caller's trace header when it has one.
func TestOutsideLambda(t *testing.T) {
	d := newDaemon(t)
	tr := newTracer(t, d.conn.LocalAddr().String())
	h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, sp := tr.Start(r.Context(), "routing")
		sp.Annotate("router", "default")
		w.Header().Set("X-Trace", sp.TraceID())
		sp.End(nil)
	}))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/v1/models", nil)
	req.Header.Set("X-Amzn-Trace-Id", "Root="+root+";Sampled=1")
	h.ServeHTTP(rec, req)
	seg := d.wait(t, 1)[0]
	if seg["name"] != DefaultService || seg["type"] != nil || seg["trace_id"] != root || rec.Header().Get("X-Trace") != root {
		t.Fatalf("segment %v, trace id header %q", seg, rec.Header().Get("X-Trace"))
	}
	if find(t, seg, "routing")["annotations"].(map[string]any)["router"] != "default" {
		t.Errorf("routing subsegment %v", seg)
	}

	// A span with no request segment at all opens its own segment.
	_, sp := tr.Start(context.Background(), "routing")
	if id := sp.TraceID(); !strings.HasPrefix(id, "1-") {
		t.Errorf("standalone span trace id %q", id)
	}
	sp.End(nil)
	sp.End(nil) // twice is harmless
}

// TestNeverFailsARequest: no daemon listening, the SDK disabled, odd
// annotation values — spans still work and report what they can.
func TestNeverFailsARequest(t *testing.T) {
	closed, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	addr := closed.LocalAddr().String()
	_ = closed.Close()
	tr := newTracer(t, addr)
	tests := []struct {
		name     string
		disabled bool
		ctx      context.Context
		wantID   string
	}{
		{"daemon unreachable, Lambda", false, lambdaCtx("1"), root},
		{"daemon unreachable, local", false, context.Background(), "1-"},
		{"SDK disabled keeps the gateway's own id", true, trace.WithTraceID(context.Background(), "1-local-id"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.disabled {
				t.Setenv("AWS_XRAY_SDK_DISABLED", "true")
			}
			for i := 0; i < 3; i++ { // repeated sends to a closed port come back as errors
				id, status := serveLikeTheEngine(t, tr, tt.ctx)
				if status != http.StatusOK || !strings.HasPrefix(id, tt.wantID) || (tt.wantID == "" && id != "") {
					t.Fatalf("TraceID %q status %d", id, status)
				}
			}
			_, sp := tr.Start(tt.ctx, "attempt")
			sp.Annotate("weird key!", struct{ A int }{1})
			sp.Annotate("big", int64(1)<<40)
			sp.End(errors.New("boom"))
		})
	}
}

// TestAWSCallsInstrumented: SDK calls made while serving a request are
// subsegments of it; calls made off any request neither fail nor log.
func TestAWSCallsInstrumented(t *testing.T) {
	d := newDaemon(t)
	tr := newTracer(t, d.conn.LocalAddr().String())
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amzn-Requestid", "REQ123")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer fake.Close()
	client := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(fake.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""), APIOptions: tr.AWSAPIOptions()})
	get := func(ctx context.Context) error {
		_, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("switchyard-state"),
			Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "cooldown"}, "sk": &types.AttributeValueMemberS{Value: "x"}}})
		return err
	}
	if err := get(context.Background()); err != nil { // no segment: a background write
		t.Fatalf("untraced call failed: %v", err)
	}
	h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := get(r.Context()); err != nil {
			t.Errorf("traced call failed: %v", err)
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/v1/models", nil).WithContext(lambdaCtx("1")))
	req := d.wait(t, 1)[0]
	ddb := find(t, req, "DynamoDB")
	aws_ := ddb["aws"].(map[string]any)
	if ddb["namespace"] != "aws" || aws_["operation"] != "GetItem" || aws_["request_id"] != "REQ123" {
		t.Errorf("DynamoDB subsegment %v", ddb)
	}
}

// TestMarkAWSCall: a hand-made AWS call (internal/secrets) marked with
// trace.MarkAWSCall is recorded as the SDK's instrumentor records one, so
// X-Ray's service map shows the service; other annotations mark nothing.
func TestMarkAWSCall(t *testing.T) {
	d := newDaemon(t)
	tr := newTracer(t, d.conn.LocalAddr().String())
	h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, sp := tr.Start(r.Context(), "Secrets Manager")
		trace.MarkAWSCall(sp, "GetSecretValue", "eu-west-1")
		sp.End(nil)
		_, other := tr.Start(r.Context(), "routing")
		other.Annotate("operation", "chat")
		other.End(nil)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/v1/models", nil).WithContext(lambdaCtx("1")))
	req := d.wait(t, 1)[0]
	sm := find(t, req, "Secrets Manager")
	aws_, _ := sm["aws"].(map[string]any)
	if sm["namespace"] != "aws" || aws_["operation"] != "GetSecretValue" || aws_["region"] != "eu-west-1" ||
		sm["annotations"].(map[string]any)["aws_operation"] != "GetSecretValue" {
		t.Errorf("Secrets Manager subsegment %v", sm)
	}
	if r := find(t, req, "routing"); r["namespace"] != nil || r["aws"] != nil {
		t.Errorf("routing subsegment marked as an AWS call: %v", r)
	}
}
