package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
	"github.com/switchyard-llm/switchyard/internal/lambdaapi"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/testenv"
	"github.com/switchyard-llm/switchyard/internal/trace/xray"
	"github.com/switchyard-llm/switchyard/internal/tracing"
)

const (
	callerKey = "sk-switchyard-test"
	target    = "fake/gpt-4o-mini"
)

// rig is one gateway container, in process, as Lambda runs it: its
// adapter's Serve is what aws-lambda-go calls per invocation (and, under
// Lambda Managed Instances, from several goroutines at once).
type rig struct {
	g        *lambdaGateway
	store    *dynamo.Store
	upstream *openaifake.Fake
	logs     *testenv.SyncBuffer
}

func newRig(t testing.TB, opts gatewayOptions) *rig {
	// The engine's clock stands still: in-flight counts are then written
	// on a target's first request and by the flushes, never on a timer.
	if opts.Now == nil {
		start := time.Now()
		opts.Now = func() time.Time { return start }
	}
	t.Helper()
	ctx := context.Background()
	client := testenv.DynamoClient(t, testenv.Dynalite(t))
	tables := dynamo.Tables{Config: "gw-config", State: "gw-state", Metrics: "gw-metrics"}
	if err := dynamo.CreateTables(ctx, client, tables); err != nil {
		t.Fatal(err)
	}
	r := &rig{store: dynamo.New(client, tables), upstream: openaifake.New(t), logs: &testenv.SyncBuffer{}}
	t.Setenv("FAKE_API_KEY", "sk-fake")
	sum := sha256.Sum256([]byte(callerKey))
	doc := map[string]any{
		"providers": map[string]any{"fake": map[string]any{"type": "openai", "base_url": r.upstream.BaseURL(),
			"api_key": "env:FAKE_API_KEY", "models": []any{"gpt-4o-mini"}}},
		"models":  map[string]any{target: map[string]any{"input_per_mtok": 0.15, "output_per_mtok": 0.60}},
		"routers": map[string]any{"default": map[string]any{"strategy": "least_loaded", "targets": []any{map[string]any{"model": target}}}},
		"keys":    []any{map[string]any{"name": "test", "sha256": hex.EncodeToString(sum[:])}},
	}
	if _, err := configsource.Push(ctx, r.store, doc); err != nil {
		t.Fatal(err)
	}
	if opts.EMF == nil {
		opts.EMF = io.Discard
	}
	log := slog.New(slog.NewJSONHandler(r.logs, nil))
	noTracing := tracing.Off()
	r.g = newLambdaGateway(log, noTracing, r.store, opts)
	return r
}

// chatEvent is a REST proxy event for POST /v1/chat/completions.
func chatEvent(id string, stream bool, content string) events.APIGatewayProxyRequest {
	body, _ := json.Marshal(map[string]any{"model": "router/default", "stream": stream,
		"messages": []any{map[string]any{"role": "user", "content": content}}})
	return events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/v1/chat/completions", Body: string(body),
		Headers: map[string]string{"Authorization": "Bearer " + callerKey, "Content-Type": "application/json", "Host": "gw.example.com"},
		RequestContext: events.APIGatewayProxyRequestContext{RequestID: id, Stage: "prod",
			Identity: events.APIGatewayRequestIdentity{SourceIP: "203.0.113.9"}}}
}

// invocation is one started invocation: its head, and its body as the
// runtime reads it.
type invocation struct {
	resp *events.APIGatewayProxyStreamingResponse
	body *bufio.Reader
}

func (r *rig) start(t testing.TB, ctx context.Context, ev events.APIGatewayProxyRequest) *invocation {
	t.Helper()
	resp, err := r.g.adapter.Serve(ctx, ev)
	if err != nil {
		t.Fatalf("Serve: %v", err)
	}
	return &invocation{resp: resp, body: bufio.NewReader(resp.Body)}
}

// rest reads the body to its end and closes it, as aws-lambda-go does.
func (inv *invocation) rest() (string, error) {
	b, err := io.ReadAll(inv.body)
	_ = inv.resp.Body.(io.Closer).Close()
	return string(b), err
}

// firstData reads up to the first SSE data line with content.
func (inv *invocation) firstData(t testing.TB) string {
	t.Helper()
	for {
		line, err := inv.body.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended before any content: %v", err)
		}
		if strings.HasPrefix(line, "data: ") && strings.Contains(line, `"content"`) {
			return line
		}
	}
}

func (r *rig) inFlight(t testing.TB) int64 {
	t.Helper()
	counts, err := r.store.InFlightCounts(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return counts[target]
}

// TestConcurrentInvocations runs many invocations at once through one
// container, as Lambda Managed Instances does (AWS_LAMBDA_MAX_CONCURRENCY
// goroutines in aws-lambda-go, each calling Serve): every answer is its
// own (status, request id, sampling header, and the invocation's trace id: the rig runs without a tracer), the config loads once, and
// after the last one nothing is left counted in flight and every request's
// metric sample is written by the first invocation that ends once the
// metric flush interval has passed (the recorder writes per-bucket sums
// every engine.DefaultMetricsFlushEvery, not a write per request).
func TestConcurrentInvocations(t *testing.T) {
	start := time.Now()
	var elapsed atomic.Int64 // the engine's clock, moved by the test alone
	r := newRig(t, gatewayOptions{Now: func() time.Time { return start.Add(time.Duration(elapsed.Load())) }})
	const n = 24
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("req-%02d", i)
			sampled := i%3 == 0
			flag := map[bool]string{true: "1", false: "0"}[sampled]
			root := fmt.Sprintf("1-5759e988-bd862e3fe1be46a9942727%02d", i)
			ctx := context.WithValue(context.Background(), xray.LambdaTraceHeaderKey, //nolint:staticcheck // aws-lambda-go's key
				fmt.Sprintf("Root=%s;Parent=53995c3f42cd8ad8;Sampled=%s", root, flag))
			resp, err := r.g.adapter.Serve(ctx, chatEvent(id, i%2 == 0, "hello "+id))
			if err != nil {
				errs <- fmt.Errorf("%s: %w", id, err)
				return
			}
			b, err := io.ReadAll(resp.Body)
			_ = resp.Body.(io.Closer).Close()
			switch {
			case err != nil || resp.StatusCode != 200:
				errs <- fmt.Errorf("%s: status %d, %v: %s", id, resp.StatusCode, err, b)
			case resp.Headers["x-request-id"] != id:
				errs <- fmt.Errorf("%s: answered with x-request-id %q", id, resp.Headers["x-request-id"])
			case resp.Headers[SampledHeader] != fmt.Sprint(sampled):
				errs <- fmt.Errorf("%s: %s = %q, want %v", id, SampledHeader, resp.Headers[SampledHeader], sampled)
			case resp.Headers["x-switchyard-trace-id"] != root:
				// No tracer (the rig's): the id is the invocation's X-Ray
				// trace, the one the sampling header speaks of.
				errs <- fmt.Errorf("%s: x-switchyard-trace-id = %q, want the invocation's trace %s", id, resp.Headers["x-switchyard-trace-id"], root)
			case !strings.Contains(string(b), "Hello"):
				errs <- fmt.Errorf("%s: no content in %s", id, b)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := r.upstream.Hits("gpt-4o-mini"); got != n {
		t.Errorf("upstream saw %d requests, want %d", got, n)
	}
	if got := r.inFlight(t); got != 0 {
		t.Errorf("%d requests still counted in flight after all %d ended", got, n)
	}
	// The first invocation's flush wrote its sums; the others' wait for
	// the interval. The next invocation ending after it writes them all,
	// its own included.
	elapsed.Store(int64(engine.DefaultMetricsFlushEvery))
	resp, err := r.g.adapter.Serve(context.Background(), chatEvent("req-last", false, "hello last"))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != 200 {
		t.Fatalf("last invocation: status %d: %s", resp.StatusCode, b)
	}
	_ = resp.Body.(io.Closer).Close()
	now := time.Now()
	buckets, err := r.store.Buckets(context.Background(), now.Add(-2*time.Minute), now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var requests int64
	var subjects []string
	for _, b := range buckets {
		subjects = append(subjects, fmt.Sprintf("%s=%d", b.Subject, b.Requests))
		if strings.HasPrefix(b.Subject, target+"|") {
			requests += b.Requests
		}
	}
	if requests != n+1 {
		t.Errorf("metric buckets count %d attempts on %s, want %d (a due flush writes every sum): %v", requests, target, n+1, subjects)
	}
	if c := strings.Count(r.logs.String(), "config loaded"); c > 1 {
		t.Errorf("config loaded %d times by one container", c)
	}
}

// gatedStore holds the second in-flight write until gate closes. With the
// engine's clock frozen, the first is the first request's "1" (due at
// once), the second the first invocation's flush and the third the second
// one's: the gate holds a flush that has taken its snapshot but not yet
// written it, when a concurrent invocation finishes.
type gatedStore struct {
	store.Store
	mu     sync.Mutex
	calls  int
	first  chan struct{} // closed when the first write is held
	gate   chan struct{}
	second chan struct{} // closed after a second write went through
}

func (s *gatedStore) SetInFlight(ctx context.Context, instance, target string, count int64, expires time.Time) error {
	s.mu.Lock()
	s.calls++
	n := s.calls
	s.mu.Unlock()
	switch n {
	case 2:
		close(s.first)
		<-s.gate
	case 3:
		defer close(s.second)
	}
	return s.Store.SetInFlight(ctx, instance, target, count, expires)
}

// TestFlushesDoNotReorderInFlight: two invocations of one container end
// close together. The first one's flush writes "1 in flight" (the other is
// still running) but is slow to land; the second one's flush must not
// write "0" before it, or the stale 1 stays for the counts' TTL.
func TestFlushesDoNotReorderInFlight(t *testing.T) {
	gs := &gatedStore{first: make(chan struct{}), gate: make(chan struct{}), second: make(chan struct{})}
	waited := make(chan struct{}, 1)
	r := newRig(t, gatewayOptions{Wrap: func(st store.Store) store.Store { gs.Store = st; return gs }})
	r.g.flushes.waited = func() { waited <- struct{}{} }
	relA, relB := make(chan struct{}), make(chan struct{})
	r.upstream.Script("gpt-4o-mini",
		openaifake.Fault{Kind: openaifake.Pause, After: 2, Release: relA},
		openaifake.Fault{Kind: openaifake.Pause, After: 2, Release: relB})

	a := r.start(t, context.Background(), chatEvent("req-a", true, "a"))
	a.firstData(t) // A holds the first scripted stream
	b := r.start(t, context.Background(), chatEvent("req-b", true, "b"))
	b.firstData(t)

	aDone, bDone := make(chan error, 1), make(chan error, 1)
	close(relA)
	go func() { _, err := a.rest(); aDone <- err }()
	<-gs.first // A's flush wrote nothing yet; it snapshotted 1 in flight (B)
	close(relB)
	go func() { _, err := b.rest(); bDone <- err }()
	select {
	case <-waited: // B's flush waits for A's: the fix
	case <-gs.second: // B's "0" landed first; A's "1" will overwrite it
	}
	close(gs.gate)
	for _, done := range []chan error{aDone, bDone} {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if got := r.inFlight(t); got != 0 {
		t.Errorf("after both invocations ended, %d still counted in flight", got)
	}
}

// TestAbandonedStreamCancelsUpstream: when the runtime stops taking the
// response (the caller went away and the response POST failed, after
// which aws-lambda-go closes the body) the handler's writes fail, its
// context is cancelled and the upstream request ends at once, instead of
// the function streaming on to nobody, billed, until the model finishes.
func TestAbandonedStreamCancelsUpstream(t *testing.T) {
	r := newRig(t, gatewayOptions{})
	r.upstream.HangEnded = make(chan struct{}, 1)
	never := make(chan struct{})
	r.upstream.Script("gpt-4o-mini", openaifake.Fault{Kind: openaifake.Pause, After: 2, Release: never})
	inv := r.start(t, context.Background(), chatEvent("req-gone", true, "tell me a long story"))
	inv.firstData(t)
	closed := make(chan struct{})
	go func() { _ = inv.resp.Body.(io.Closer).Close(); close(closed) }()
	<-r.upstream.HangEnded // the upstream saw its request context end
	<-closed
	if r.upstream.Canceled() != 1 {
		t.Errorf("upstream cancellations %d, want 1", r.upstream.Canceled())
	}
	// The handler finished its bookkeeping before Close returned.
	if got := r.inFlight(t); got != 0 {
		t.Errorf("abandoned request still counted in flight (%d)", got)
	}
}

// TestBodyLimitUnderLambda: a body over what Lambda's invoke payload can
// carry is refused 413 naming the real limit (not the 10 MiB default of
// server.max_body_bytes, which Lambda cannot deliver); one at the limit
// passes.
func TestBodyLimitUnderLambda(t *testing.T) {
	r := newRig(t, gatewayOptions{})
	pad := func(size int) string {
		ev := chatEvent("", false, "")
		return strings.Repeat("x", size-len(ev.Body))
	}
	for _, tt := range []struct {
		name   string
		size   int
		status int
	}{
		{"at the limit", lambdaapi.MaxBody, 200},
		{"one byte over", lambdaapi.MaxBody + 1, 413},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ev := chatEvent("req-big", false, pad(tt.size))
			if len(ev.Body) != tt.size {
				t.Fatalf("built a %d-byte body, want %d", len(ev.Body), tt.size)
			}
			inv := r.start(t, context.Background(), ev)
			body, err := inv.rest()
			if err != nil || inv.resp.StatusCode != tt.status {
				t.Fatalf("status %d (%v), want %d: %.300s", inv.resp.StatusCode, err, tt.status, body)
			}
			if tt.status == 413 && !strings.Contains(body, fmt.Sprint(lambdaapi.MaxBody)) {
				t.Errorf("413 does not name the limit %d: %s", lambdaapi.MaxBody, body)
			}
		})
	}
}
