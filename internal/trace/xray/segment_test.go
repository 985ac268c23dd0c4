package xray

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestParseTraceHeader(t *testing.T) {
	long := "Root=" + root + ";" + strings.Repeat("x", 2000)
	cases := []struct {
		in   string
		want traceHeader
	}{
		{"Root=" + root + ";Parent=" + parent + ";Sampled=1", traceHeader{root, parent, sampled}},
		{"Root=" + root + "; Parent=" + parent + "; Sampled=0; Self=1-abc; Lineage=a:1", traceHeader{root, parent, notSampled}},
		{"Root=" + root + ";Sampled=?", traceHeader{root, "", undecided}},
		{"Sampled=1", traceHeader{"", "", sampled}},
		// What a caller may send: none of it reaches a document.
		{`Root=1-5759e988-bd862e3fe1be46a99427279"};Parent=53995c3f42cd8ad8`, traceHeader{}}, // a parent in no trace
		{"Root=1-5759E988-BD862E3FE1BE46A994272793;Sampled=1", traceHeader{"", "", sampled}}, // X-Ray's ids are lower-case
		{"Root=1-5759e988-bd862e3fe1be46a994272793x;Parent=53995c3f42cd8ad", traceHeader{}},
		{"Root=2-5759e988-bd862e3fe1be46a994272793", traceHeader{}},
		{"Root=1-5759e988-bd862e3fe1be46a99427279g", traceHeader{}},
		{"Parent=53995c3f42cd8ad8\";Sampled=yes", traceHeader{}},
		{long, traceHeader{}},
		{"", traceHeader{}},
	}
	for _, c := range cases {
		if got := parseTraceHeader(c.in); got != c.want {
			t.Errorf("parseTraceHeader(%.60q) = %+v, want %+v", c.in, got, c.want)
		}
	}
	if s := (traceHeader{root, parent, sampled}).String(); s != "Root="+root+";Parent="+parent+";Sampled=1" {
		t.Errorf("String() = %q", s)
	}
}

func TestSampler(t *testing.T) {
	clock := time.Unix(1_700_000_000, 0)
	draw := 0.5
	s := &sampler{now: func() time.Time { return clock }, rand: func() float64 { return draw }}
	if !s.sample() {
		t.Fatal("the first request of a second is not sampled")
	}
	if s.sample() {
		t.Fatal("a second request in the same second sampled with a draw of 0.5 (rate 5%)")
	}
	draw = 0.04
	if !s.sample() {
		t.Fatal("a draw under 5% is not sampled")
	}
	draw = 0.5
	clock = clock.Add(time.Second)
	if !s.sample() {
		t.Fatal("the reservoir did not refill in the next second")
	}
}

func TestDaemonAddr(t *testing.T) {
	cases := []struct {
		explicit, env, want string
		bad                 bool
	}{
		{"", "", DefaultDaemonAddr, false},
		{"", "169.254.79.129:2000", "169.254.79.129:2000", false},
		{"127.0.0.1:3000", "169.254.79.129:2000", "127.0.0.1:3000", false},
		{"", "tcp:127.0.0.1:2000 udp:127.0.0.2:2001", "127.0.0.2:2001", false},
		{"", "udp:127.0.0.2:2001 tcp:127.0.0.1:2000", "127.0.0.2:2001", false},
		{"", "xray-daemon", "", true},
		{"", "tcp:127.0.0.1:2000 tcp:127.0.0.1:2001", "", true},
	}
	for _, c := range cases {
		t.Setenv("AWS_XRAY_DAEMON_ADDRESS", c.env)
		got, err := daemonAddr(c.explicit)
		if got != c.want || (err != nil) != c.bad {
			t.Errorf("daemonAddr(%q) with env %q = %q, %v; want %q, error %v", c.explicit, c.env, got, err, c.want, c.bad)
		}
	}
	t.Setenv("AWS_XRAY_DAEMON_ADDRESS", "nonsense")
	if _, err := New(Options{Logger: quietLog}); err == nil {
		t.Error("New accepted a daemon address it cannot use")
	}
}

// checkDoc checks what every document must have for X-Ray to take it.
func checkDoc(t *testing.T, d map[string]any) {
	t.Helper()
	id, _ := d["id"].(string)
	tid, _ := d["trace_id"].(string)
	start, _ := d["start_time"].(float64)
	end, _ := d["end_time"].(float64)
	if !validSegmentID(id) || !validTraceID(tid) || start <= 0 || d["name"] == "" {
		t.Errorf("document lacks a required field: %v", d)
	}
	if d["in_progress"] != true && end < start {
		t.Errorf("document ends before it starts: %v", d)
	}
	if p, _ := d["parent_id"].(string); d["type"] == "subsegment" && !validSegmentID(p) {
		t.Errorf("independent subsegment without parent_id: %v", d)
	}
	for _, s := range subsegments(d) {
		checkDoc(t, s)
	}
}

func subsegments(d map[string]any) []map[string]any {
	var out []map[string]any
	subs, _ := d["subsegments"].([]any)
	for _, s := range subs {
		out = append(out, s.(map[string]any))
	}
	return out
}

// TestLargeRequestIsSplit: a request whose document exceeds a UDP packet
// (64 KiB) goes out in pieces X-Ray joins by parent_id, each under the
// limit, none lost; a single span too large on its own keeps its
// annotations and says its metadata was dropped.
func TestLargeRequestIsSplit(t *testing.T) {
	d := newDaemon(t)
	tr := newTracer(t, d.conn.LocalAddr().String())
	const attempts = 12
	h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rctx, routing := tr.Start(r.Context(), "routing")
		for i := 0; i < attempts; i++ {
			_, a := tr.Start(rctx, "attempt")
			a.Annotate("n", i)
			a.Metadata("body", strings.Repeat("x", 8<<10)) // 12 × 8 KiB: over one packet together
			a.End(nil)
		}
		_, huge := tr.Start(rctx, "huge")
		huge.Annotate("kept", true)
		huge.Metadata("body", strings.Repeat("y", 70<<10))
		huge.End(nil)
		routing.End(nil)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/v1/models", nil).WithContext(lambdaCtx("1")))
	// Each attempt alone, the oversized span, routing and the request
	// without their subsegments.
	docs := d.wait(t, attempts+3)
	var request, routingDoc map[string]any
	seen := map[string]bool{}
	var attemptsSeen int
	var walk func(m map[string]any)
	walk = func(m map[string]any) {
		if seen[m["id"].(string)] && m["name"] == "attempt" {
			t.Errorf("attempt %v sent twice", m["id"])
		}
		seen[m["id"].(string)] = true
		switch m["name"] {
		case DefaultService:
			request = m
		case "routing":
			routingDoc = m
		case "attempt":
			attemptsSeen++
		case "huge":
			if m["annotations"].(map[string]any)["kept"] != true || !strings.Contains(m["metadata"].(map[string]any)[MetadataNamespace].(map[string]any)["dropped"].(string), "over the") {
				t.Errorf("oversized span %v", m)
			}
		}
		for _, s := range subsegments(m) {
			walk(s)
		}
	}
	for _, doc := range docs {
		b, _ := json.Marshal(doc)
		if len(b)+len(packetHeader) > maxPacket {
			t.Errorf("a %d-byte document: over the daemon's packet size", len(b))
		}
		checkDoc(t, doc)
		walk(doc)
	}
	if request == nil || routingDoc == nil || attemptsSeen != attempts || !seen[request["id"].(string)] {
		t.Fatalf("pieces: request %v, routing %v, %d attempts of %d", request != nil, routingDoc != nil, attemptsSeen, attempts)
	}
	if routingDoc["type"] != "subsegment" || routingDoc["parent_id"] != request["id"] {
		t.Errorf("routing sent on its own without its parent: type %v parent %v, request %v", routingDoc["type"], routingDoc["parent_id"], request["id"])
	}
}

// TestSpanOutlivesItsRequest: a span still open when its request ends is
// sent in_progress inside the request, then complete on its own: nothing
// waits for it and nothing is lost.
func TestSpanOutlivesItsRequest(t *testing.T) {
	d := newDaemon(t)
	tr := newTracer(t, d.conn.LocalAddr().String())
	var late interface{ End(error) }
	h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, s := tr.Start(r.Context(), "background")
		_, inner := tr.Start(ctx, "inner")
		inner.End(nil)
		late = s
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/v1/models", nil).WithContext(lambdaCtx("1")))
	req := d.wait(t, 1)[0]
	bg := find(t, req, "background")
	if bg["in_progress"] != true || bg["end_time"] != nil {
		t.Fatalf("open span inside the request document: %v", bg)
	}
	late.End(errors.New("late failure"))
	docs := d.wait(t, 2)
	again := docs[1]
	checkDoc(t, again)
	if again["id"] != bg["id"] || again["type"] != "subsegment" || again["parent_id"] != req["id"] ||
		again["in_progress"] != nil || again["fault"] != true || find(t, again, "inner") == nil {
		t.Errorf("the span's own document %v", again)
	}
	late.End(nil) // twice is harmless
	if d.count() != 2 {
		t.Errorf("%d documents", d.count())
	}
}

// TestLocalSegment: off Lambda a request is a segment of its own (X-Ray's
// default rule samples the first request of a second), named by
// AWS_XRAY_TRACING_NAME when set; a caller's malformed trace header starts
// a new trace instead of reaching the document.
func TestLocalSegment(t *testing.T) {
	d := newDaemon(t)
	tr := newTracer(t, d.conn.LocalAddr().String())
	t.Setenv("AWS_XRAY_TRACING_NAME", "gateway-eu")
	var id string
	h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, s := tr.Start(r.Context(), "routing")
		id = s.TraceID()
		s.End(nil)
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	req := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", nil)
	req.Header.Set("X-Amzn-Trace-Id", `Root=1-5759e988-bd862e3fe1be46a99427279"}, "name": "x`)
	req.Header.Set("User-Agent", "openai-go/1.0")
	h.ServeHTTP(httptest.NewRecorder(), req)
	seg := d.wait(t, 1)[0]
	checkDoc(t, seg)
	if seg["name"] != "gateway-eu" || seg["trace_id"] != id || id == "" || strings.Contains(id, `"`) || seg["parent_id"] != nil || seg["type"] != nil {
		t.Errorf("segment %v, trace id %q", seg, id)
	}
	httpData := seg["http"].(map[string]any)
	if httpData["request"].(map[string]any)["user_agent"] != "openai-go/1.0" || httpData["response"].(map[string]any)["status"] != 429.0 ||
		seg["throttle"] != true || seg["error"] != true || seg["fault"] != nil {
		t.Errorf("429 recorded as %v", seg)
	}
	if aws, _ := seg["aws"].(map[string]any); aws == nil || aws["xray"] == nil || seg["service"] == nil {
		t.Errorf("segment without its sdk and runtime: %v", seg)
	}
}

// TestNotSampledSendsNothing: an unsampled request records nothing, but
// every span reports the trace id and AWS calls pass the decision on.
func TestNotSampledSendsNothing(t *testing.T) {
	d := newDaemon(t)
	tr := newTracer(t, d.conn.LocalAddr().String())
	var header string
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header = r.Header.Get("X-Amzn-Trace-Id")
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer fake.Close()
	client := ddbClient(tr, fake.URL)
	h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, s := tr.Start(r.Context(), "routing")
		s.Annotate("router", "default")
		if s.TraceID() != root || s.(interface{ Recording() bool }).Recording() {
			t.Errorf("unsampled span: id %q recording %v", s.TraceID(), s.(interface{ Recording() bool }).Recording())
		}
		s.End(nil)
		if _, err := getItem(r.Context(), client); err != nil {
			t.Error(err)
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/v1/models", nil).WithContext(lambdaCtx("0")))
	if header != "Root="+root+";Sampled=0" {
		t.Errorf("downstream header %q", header)
	}
	// A sampled request afterwards is the only one the daemon sees.
	serveLikeTheEngine(t, tr, lambdaCtx("1"))
	if docs := d.wait(t, 1); d.count() != 1 || docs[0]["type"] != "subsegment" {
		t.Fatalf("daemon got %d documents", d.count())
	}
}

func ddbClient(tr *Tracer, url string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{Region: "eu-west-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""), APIOptions: tr.AWSAPIOptions()})
}

func getItem(ctx context.Context, c *dynamodb.Client) (*dynamodb.GetItemOutput, error) {
	return c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("switchyard-state"),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}}})
}

// TestAWSCallOutcomes: an AWS call's subsegment carries the answer's
// status and request id and passes the trace on; a 4xx (a failed
// condition, expected by the budget code) is an error, a 5xx a fault.
func TestAWSCallOutcomes(t *testing.T) {
	d := newDaemon(t)
	tr := newTracer(t, d.conn.LocalAddr().String())
	status := http.StatusBadRequest
	var header string
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header = r.Header.Get("X-Amzn-Trace-Id")
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amzn-Requestid", "REQ-"+http.StatusText(status))
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}`))
	}))
	defer fake.Close()
	client := ddbClient(tr, fake.URL)
	for i, want := range []struct {
		status       int
		error, fault bool
	}{{http.StatusBadRequest, true, false}, {http.StatusServiceUnavailable, false, true}} {
		status = want.status
		h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := getItem(r.Context(), client); err == nil {
				t.Errorf("%d: no error", status)
			}
		}))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/v1/models", nil).WithContext(lambdaCtx("1")))
		req := d.wait(t, i+1)[i]
		ddb := find(t, req, "DynamoDB")
		checkDoc(t, ddb)
		a := ddb["aws"].(map[string]any)
		resp := ddb["http"].(map[string]any)["response"].(map[string]any)
		if a["operation"] != "GetItem" || a["region"] != "eu-west-1" || a["request_id"] != "REQ-"+http.StatusText(status) ||
			resp["status"] != float64(status) || (ddb["error"] == true) != want.error || (ddb["fault"] == true) != want.fault || ddb["cause"] == nil {
			t.Errorf("%d: subsegment %v", status, ddb)
		}
		if header != "Root="+root+";Parent="+ddb["id"].(string)+";Sampled=1" {
			t.Errorf("%d: downstream header %q, subsegment %v", status, header, ddb["id"])
		}
	}
}

// TestConcurrentSpans: spans of one request opened and ended on many
// goroutines (hedged attempts) all reach the request's document.
func TestConcurrentSpans(t *testing.T) {
	d := newDaemon(t)
	tr := newTracer(t, d.conn.LocalAddr().String())
	const n = 16
	h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rctx, routing := tr.Start(r.Context(), "routing")
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, a := tr.Start(rctx, "attempt")
				a.Annotate("i", i)
				a.Metadata("i", i)
				a.End(nil)
			}()
		}
		wg.Wait()
		routing.End(nil)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/v1/models", nil).WithContext(lambdaCtx("1")))
	req := d.wait(t, 1)[0]
	checkDoc(t, req)
	if got := len(subsegments(find(t, req, "routing"))); got != n {
		t.Errorf("%d attempts in the document, want %d", got, n)
	}
}

// TestDocumentEdges: what the review of the emitter found. A document of
// exactly the largest size still goes out in one packet; a NaN (a cost
// computed from nothing) or a caller's 70 KB method loses nothing else;
// a Lambda trace header without the facade's id records nothing rather
// than a document X-Ray would reject.
func TestDocumentEdges(t *testing.T) {
	d := newDaemon(t)
	tr := newTracer(t, d.conn.LocalAddr().String())
	doc, _ := json.Marshal(map[string]string{"x": strings.Repeat("a", maxDoc-len(`{"x":""}`))})
	tr.emitter.send(doc)
	if got := d.wait(t, 1); len(got) != 1 || tr.emitter.failures.Load() != 0 {
		t.Fatalf("a %d-byte document did not arrive", len(doc))
	}

	h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, s := tr.Start(r.Context(), "routing")
		s.Annotate("cost_usd", math.NaN())
		s.Annotate("inf", float32(math.Inf(1)))
		s.Metadata("nan", math.NaN())
		s.End(nil)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/v1/models", nil).WithContext(lambdaCtx("1")))
	req := d.wait(t, 2)[1]
	checkDoc(t, req)
	routing := find(t, req, "routing")
	if a := routing["annotations"].(map[string]any); a["cost_usd"] != "NaN" || a["inf"] != "+Inf" {
		t.Errorf("non-finite annotations %v", a)
	}
	if m := routing["metadata"].(map[string]any)[MetadataNamespace].(map[string]any); !strings.Contains(m["dropped"].(string), "JSON") {
		t.Errorf("unencodable metadata %v", m)
	}

	long := httptest.NewRequest(http.MethodGet, "/v1/models", nil)
	long.Method = strings.Repeat("X", 70<<10)
	long.Header.Set(TraceHeader, "Root="+root+";Sampled=1")
	h.ServeHTTP(httptest.NewRecorder(), long)
	seg := d.wait(t, 3)[2]
	checkDoc(t, seg)
	if m := seg["http"].(map[string]any)["request"].(map[string]any)["method"].(string); len(m) > maxMethod {
		t.Errorf("a %d-byte method in the document", len(m))
	}

	for _, hdr := range []string{"Root=" + root + ";Sampled=1", "Root=" + root + ";Parent=53995c3f;Sampled=1", "Sampled=1"} {
		ctx := context.WithValue(context.Background(), LambdaTraceHeaderKey, hdr)
		var id string
		tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, s := tr.Start(r.Context(), "routing")
			id = s.TraceID()
			s.End(nil)
		})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil).WithContext(ctx))
		if !validTraceID(id) {
			t.Errorf("%q: trace id %q", hdr, id)
		}
	}
	serveLikeTheEngine(t, tr, lambdaCtx("1")) // a well-formed invocation afterwards
	if docs := d.wait(t, 4); d.count() != 4 || docs[3]["parent_id"] != parent {
		t.Errorf("Lambda headers without a parent sent documents: %d in all, last %v", d.count(), docs[len(docs)-1])
	}
}

// TestAWSCallRetriesAndThrottling: the answer that ends a call decides its
// flags (a 503 retried into a 200 is no fault), and a throttling error
// code is a throttle even when it comes as HTTP 400, as DynamoDB sends it.
func TestAWSCallRetriesAndThrottling(t *testing.T) {
	d := newDaemon(t)
	tr := newTracer(t, d.conn.LocalAddr().String())
	var answers []string // status:__type, one per call the fake receives
	var mu sync.Mutex
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		next := answers[0]
		answers = answers[1:]
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		code, typ, _ := strings.Cut(next, ":")
		if code == "200" {
			_, _ = w.Write([]byte(`{}`))
			return
		}
		w.WriteHeader(map[string]int{"503": 503, "400": 400}[code])
		_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#` + typ + `","message":"x"}`))
	}))
	defer fake.Close()
	client := dynamodb.New(dynamodb.Options{Region: "eu-west-1", BaseEndpoint: aws.String(fake.URL), RetryMaxAttempts: 2,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""), APIOptions: tr.AWSAPIOptions(),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 2
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			o.RateLimiter = ratelimit.None
		})})
	cases := []struct {
		answers                 []string
		fault, error, throttled bool
	}{
		{[]string{"503:InternalServerError", "200"}, false, false, false},
		{[]string{"400:ProvisionedThroughputExceededException", "400:ProvisionedThroughputExceededException"}, false, true, true},
	}
	for i, c := range cases {
		mu.Lock()
		answers = c.answers
		mu.Unlock()
		tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = getItem(r.Context(), client)
		})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil).WithContext(lambdaCtx("1")))
		ddb := find(t, d.wait(t, i+1)[i], "DynamoDB")
		if (ddb["fault"] == true) != c.fault || (ddb["error"] == true) != c.error || (ddb["throttle"] == true) != c.throttled {
			t.Errorf("%v: fault %v error %v throttle %v", c.answers, ddb["fault"], ddb["error"], ddb["throttle"])
		}
	}
}
