package configsource_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	_ "github.com/switchyard-llm/switchyard/internal/provider/mock"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// backend is a config store to run a test against, and a way to make its
// reads fail.
type backend struct {
	name string
	// open returns a fresh, empty store and a function that makes every
	// later call on it fail (an outage).
	open func(t *testing.T) (store.Store, func())
}

// backends are the memory store and the DynamoDB store on dynalite.
var backends = []backend{
	{"memory", func(t *testing.T) (store.Store, func()) {
		f := &failing{Store: store.NewMemory()}
		return f, func() { f.down.Store(true) }
	}},
	{"dynamo", func(t *testing.T) (store.Store, func()) {
		srv := testenv.StartDynalite(t)
		client := testenv.DynamoClient(t, srv.Endpoint, dynamo.FailFast)
		tables := dynamo.Tables{Config: "cs-config", State: "cs-state", Metrics: "cs-metrics"}
		if err := dynamo.CreateTables(context.Background(), client, tables); err != nil {
			t.Fatalf("CreateTables: %v", err)
		}
		return dynamo.New(client, tables), srv.Kill
	}},
}

// failing is a memory store whose config calls fail once it is down.
type failing struct {
	store.Store
	down atomic.Bool
}

var errDown = fmt.Errorf("store unreachable (test outage)")

func (f *failing) ListRecords(ctx context.Context) ([]store.Record, error) {
	if f.down.Load() {
		return nil, errDown
	}
	return f.Store.ListRecords(ctx)
}

func (f *failing) ConfigVersion(ctx context.Context) (int64, error) {
	if f.down.Load() {
		return 0, errDown
	}
	return f.Store.ConfigVersion(ctx)
}

// clock is a test clock shared by a Source and its engines.
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

// gateway is a Source on a store with a test clock and captured logs.
type gateway struct {
	src   *configsource.Source
	st    store.Store
	clock *clock
	logs  *testenv.SyncBuffer
}

// openGateway pushes yml to st and serves it with the given refresh.
func openGateway(t *testing.T, st store.Store, yml string, refresh time.Duration) *gateway {
	t.Helper()
	ctx := context.Background()
	if _, err := configsource.Push(ctx, st, doc(t, yml)); err != nil {
		t.Fatalf("Push: %v", err)
	}
	g := &gateway{st: st, clock: newClock(), logs: &testenv.SyncBuffer{}}
	deps := engine.Deps{Store: st, Now: g.clock.Now, Seed: 1, Logger: slog.New(slog.NewJSONHandler(g.logs, nil))}
	src, err := configsource.FromStore(ctx, st, deps, refresh)
	if err != nil {
		t.Fatalf("FromStore: %v", err)
	}
	g.src = src
	t.Cleanup(func() {
		src.Wait()
		src.Engine().Close()
	})
	return g
}

// reply sends one request through the current engine and returns the
// answer's text.
func (g *gateway) reply(t *testing.T, model string) string {
	t.Helper()
	text, _ := g.serve(t, model)
	return text
}

// serve sends one request through the current engine and returns the
// answer's text and the target that served it.
func (g *gateway) serve(t *testing.T, model string) (text, target string) {
	t.Helper()
	r := &engine.Request{ID: "t", Headers: http.Header{}, Chat: &chat.Request{Model: model,
		Messages: []chat.Message{{Role: "user", Content: chat.TextContent("hi")}}}}
	res, err := g.src.Engine().Complete(context.Background(), r)
	if err != nil {
		t.Fatalf("request to %s failed: %d %s %s", model, err.Status, err.Code, err.Message)
	}
	return res.Response.Choices[0].Message.Content.String(), res.Target
}

// tick moves the clock by d, lets Engine start a background reload if the
// config is now stale, and waits for that reload to end.
func (g *gateway) tick(d time.Duration) *engine.Engine {
	g.clock.Advance(d)
	g.src.Engine()
	g.src.Wait()
	return g.src.Engine()
}

func doc(t *testing.T, yml string) map[string]any {
	t.Helper()
	d, err := config.ParseDocument([]byte(yml))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return d
}

// records lists st's records with their versions, for before/after checks.
func records(t *testing.T, st store.Configs) string {
	t.Helper()
	recs, err := st.ListRecords(context.Background())
	if err != nil {
		t.Fatalf("ListRecords: %v", err)
	}
	var b bytes.Buffer
	for _, r := range recs {
		fmt.Fprintf(&b, "%s/%s@%d %v\n", r.Kind, r.Name, r.Version, r.Doc)
	}
	return b.String()
}
