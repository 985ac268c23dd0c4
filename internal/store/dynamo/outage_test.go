package dynamo_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// guard is far longer than FailFast lets a call take. A call that returns
// while the guard is still open failed on its own; one that outlives it
// would hang a gateway request.
const guard = 2 * time.Minute

// operations covers each kind of call the gateway makes.
var operations = []struct {
	name string
	run  func(context.Context, store.Store) error
}{
	{"ListRecords", func(ctx context.Context, s store.Store) error { _, err := s.ListRecords(ctx); return err }},
	{"PutRecord", func(ctx context.Context, s store.Store) error {
		return s.PutRecord(ctx, store.Record{Kind: "router", Name: "fb", Doc: map[string]any{"strategy": "fallback"}})
	}},
	{"Reserve", func(ctx context.Context, s store.Store) error {
		_, err := s.Reserve(ctx, "monthly#2026-11", 1, 10, time.Time{})
		return err
	}},
	{"AddSample", func(ctx context.Context, s store.Store) error {
		return s.AddSample(ctx, store.Sample{Target: "a/m", Router: "fb", Time: time.Unix(1_800_000_000, 0), Success: true, Final: true})
	}},
	{"Buckets", func(ctx context.Context, s store.Store) error {
		_, err := s.Buckets(ctx, time.Unix(1_800_000_000, 0), time.Unix(1_800_003_600, 0))
		return err
	}},
	{"LoadStats", func(ctx context.Context, s store.Store) error { _, err := s.LoadStats(ctx); return err }},
	{"Cooldowns", func(ctx context.Context, s store.Store) error {
		_, err := s.Cooldowns(ctx, time.Unix(1_800_000_000, 0))
		return err
	}},
	{"InFlightCounts", func(ctx context.Context, s store.Store) error {
		_, err := s.InFlightCounts(ctx, time.Unix(1_800_000_000, 0))
		return err
	}},
}

// failsOnItsOwn runs op under the guard and reports whether it returned an
// error before the guard expired.
func failsOnItsOwn(t *testing.T, s store.Store, run func(context.Context, store.Store) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	err := run(ctx, s)
	if ctx.Err() != nil {
		t.Fatalf("call outlived the %s guard (err %v): an outage would hang requests", guard, err)
	}
	if err == nil {
		t.Fatal("call succeeded with DynamoDB unreachable")
	}
}

func TestOutageClosedPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String()
	l.Close() // nothing listens there now: connections are refused
	s := dynamo.New(testenv.DynamoClient(t, endpoint, dynamo.FailFast), dynamo.Tables{Config: "c", State: "s", Metrics: "m"})
	for _, op := range operations {
		t.Run(op.name, func(t *testing.T) { failsOnItsOwn(t, s, op.run) })
	}
}

// TestOutageBlackHole points the store at a server that accepts
// connections and never answers, the failure a network partition looks
// like; only FailFast's timeouts end such a call.
func TestOutageBlackHole(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return // listener closed
			}
			go func() { _, _ = io.Copy(io.Discard, conn) }()
		}
	}()
	s := dynamo.New(testenv.DynamoClient(t, "http://"+l.Addr().String(), dynamo.FailFast), dynamo.Tables{Config: "c", State: "s", Metrics: "m"})
	failsOnItsOwn(t, s, operations[2].run) // Reserve: the call on every request's path
}

func TestOutageDynaliteKilled(t *testing.T) {
	srv := testenv.StartDynalite(t)
	s := newStore(t, srv.Endpoint)
	for _, op := range operations {
		if err := op.run(context.Background(), s); err != nil {
			t.Fatalf("%s before the outage: %v", op.name, err)
		}
	}
	srv.Kill()
	for _, op := range operations {
		t.Run(op.name, func(t *testing.T) { failsOnItsOwn(t, s, op.run) })
	}
}
