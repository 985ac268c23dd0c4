// Package statetest proves, against dynalite, that several gateway
// instances sharing one DynamoDB store act as one gateway (DESIGN §6,
// issue 5): budgets that hold under concurrency, cooldowns and in-flight
// counts seen across instances, metrics from requests to GET /v1/metrics,
// serving through a DynamoDB outage, and the DynamoDB calls a warm request
// costs. It has only tests.
package statetest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/provider"
	_ "github.com/switchyard-llm/switchyard/internal/provider/mock"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// guard is far longer than any store call may take under FailFast; a
// request still running when it expires would hang a real caller.
const guard = 2 * time.Minute

var tableSeq atomic.Int64

// newStore creates fresh tables on endpoint and returns a fail-fast store
// on them; optFns are added to the client (a call counter).
func newStore(t testing.TB, endpoint string, optFns ...func(*dynamodb.Options)) *dynamo.Store {
	t.Helper()
	client := testenv.DynamoClient(t, endpoint, append([]func(*dynamodb.Options){dynamo.FailFast}, optFns...)...)
	p := fmt.Sprintf("st%d", tableSeq.Add(1))
	tables := dynamo.Tables{Config: p + "-config", State: p + "-state", Metrics: p + "-metrics"}
	if err := dynamo.CreateTables(context.Background(), client, tables); err != nil {
		t.Fatalf("CreateTables: %v", err)
	}
	return dynamo.New(client, tables)
}

// clock is the test clock every instance of a test shares.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func parse(t testing.TB, yml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(yml))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

// newEngine is one gateway instance on st.
func newEngine(t testing.TB, cfg *config.Config, st store.Store, clk *clock, id string, providers map[string]provider.Provider) *engine.Engine {
	t.Helper()
	e, err := engine.New(cfg, engine.Deps{Store: st, Now: clk.Now, Seed: 11, InstanceID: id,
		Logger: slog.New(slog.DiscardHandler), Providers: providers})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	t.Cleanup(e.Close)
	return e
}

// request is a chat request for model with a short prompt.
func request(model string, maxTokens int) *engine.Request {
	r := &chat.Request{Model: model, Messages: []chat.Message{{Role: "user", Content: chat.TextContent("Tell me a story.")}}}
	if maxTokens > 0 {
		r.MaxTokens = chat.Ptr(maxTokens)
	}
	return &engine.Request{Chat: r, ID: "t", Headers: http.Header{}}
}

// targets lists the targets a request attempted, in order.
func targets(attempts []engine.Attempt) string {
	var out []string
	for _, a := range attempts {
		out = append(out, a.Target)
	}
	return strings.Join(out, ",")
}

// gateway is one instance as deployed: config from the store through
// configsource, the HTTP API in front.
type gateway struct {
	src  *configsource.Source
	srv  *httptest.Server
	logs *testenv.SyncBuffer
}

// startGateway serves the config records in st (push them first) over
// HTTP on 127.0.0.1.
func startGateway(t testing.TB, st store.Store, clk *clock, id string, providers map[string]provider.Provider) *gateway {
	t.Helper()
	g := &gateway{logs: &testenv.SyncBuffer{}}
	log := slog.New(slog.NewJSONHandler(g.logs, nil))
	deps := engine.Deps{Store: st, Now: clk.Now, Seed: 5, InstanceID: id, Logger: log, Providers: providers}
	src, err := configsource.FromStore(context.Background(), st, deps, 10*time.Second)
	if err != nil {
		t.Fatalf("FromStore: %v", err)
	}
	g.src = src
	g.srv = httptest.NewServer(httpapi.New(src, httpapi.Options{Logger: log, Store: st, Admin: src, Now: clk.Now}))
	t.Cleanup(func() {
		g.srv.Close()
		src.Wait()
		src.Engine().Close()
	})
	return g
}

// push validates yml and writes it to st.
func push(t testing.TB, st store.Configs, yml string) {
	t.Helper()
	doc, err := config.ParseDocument([]byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := configsource.Push(context.Background(), st, doc); err != nil {
		t.Fatalf("Push: %v", err)
	}
}

var guardClient = &http.Client{Timeout: guard}

// chat posts a chat request for model and returns the status and the
// body's error code ("" on success).
func (g *gateway) chat(t testing.TB, model string) (int, string) {
	t.Helper()
	body := fmt.Sprintf(`{"model": %q, "max_tokens": 5, "messages": [{"role": "user", "content": "Tell me a story."}]}`, model)
	resp, err := guardClient.Post(g.srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v (a request that outlives %s hangs)", model, err, guard)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(raw, &e)
	if resp.StatusCode == http.StatusOK && e.Error.Code != "" {
		t.Fatalf("200 with an error body: %s", raw)
	}
	return resp.StatusCode, e.Error.Code
}

// get fetches path as JSON into out.
func (g *gateway) get(t testing.TB, path string, out any) {
	t.Helper()
	resp, err := guardClient.Get(g.srv.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, raw)
	}
}

// proxy forwards TCP connections to a target until closed; then its port
// refuses connections, as a DynamoDB endpoint that went away does.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  map[net.Conn]bool
	closed bool
}

func startProxy(t testing.TB, targetURL string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: strings.TrimPrefix(targetURL, "http://"), conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(p.Close)
	return p
}

func (p *proxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		if !p.track(in, out) {
			continue
		}
		go func() { _, _ = io.Copy(out, in); out.Close() }()
		go func() { _, _ = io.Copy(in, out); in.Close() }()
	}
}

func (p *proxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = true
	}
	return true
}

// Close stops listening and cuts every open connection.
func (p *proxy) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	p.ln.Close()
	for c := range p.conns {
		c.Close()
	}
}
