package engine_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// countingStore counts in-flight writes.
type countingStore struct {
	store.Store
	mu     sync.Mutex
	writes []int64 // the counts written, in order
}

func (c *countingStore) SetInFlight(ctx context.Context, instance, target string, n int64, expires time.Time) error {
	c.mu.Lock()
	c.writes = append(c.writes, n)
	c.mu.Unlock()
	return c.Store.SetInFlight(ctx, instance, target, n, expires)
}

func (c *countingStore) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.writes)
}

// TestInFlightWritesCoalesced: least_loaded's in-flight counts cost at
// most one store write per target per second, not two per request: a
// request to a quiet target is published at once (others see it), a
// busy target's changes wait for the next write, and Flush publishes the
// last count once it is due (or at once when final).
func TestInFlightWritesCoalesced(t *testing.T) {
	const yml = `
server: {cooldown: {failures: -1}}
providers:
  m: {type: mock}
routers:
  ll: {strategy: least_loaded, targets: [{model: m/a}]}
`
	clk := &testClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	st := &countingStore{Store: store.NewMemory()}
	e := newClockedEngineOn(t, yml, clk, st)
	ctx := context.Background()
	serve := func(n int) {
		for i := 0; i < n; i++ {
			if _, err := e.Complete(ctx, req("router/ll", "", 10)); err != nil {
				t.Fatal(err)
			}
		}
	}
	serve(10)
	if n := st.count(); n != 1 {
		t.Fatalf("%d in-flight writes for 10 requests within a second, want 1 (the first request's +1)", n)
	}
	if err := e.Flush(ctx, false); err != nil {
		t.Fatal(err)
	}
	if n := st.count(); n != 1 {
		t.Errorf("Flush wrote a count last written under a second ago (%d writes)", n)
	}
	clk.advance(time.Second)
	if err := e.Flush(ctx, false); err != nil {
		t.Fatal(err)
	}
	if n := st.count(); n != 2 || st.writes[1] != 0 {
		t.Errorf("writes %v: Flush should publish the settled count 0 once due", st.writes)
	}
	counts, err := st.InFlightCounts(ctx, clk.Now())
	if err != nil || counts["m/a"] != 0 {
		t.Errorf("shared count %v (%v), want 0", counts["m/a"], err)
	}
	// A quiet target's next request is published at once.
	clk.advance(5 * time.Second)
	serve(1)
	if n := st.count(); n != 3 || st.writes[2] != 1 {
		t.Errorf("writes %v: a request after a quiet spell should publish its +1 at once", st.writes)
	}
	// PublishInFlight (Lambda, after each invocation) publishes what is
	// pending at once, due or not.
	serve(1)
	before := st.count()
	e.PublishInFlight(ctx)
	if n := st.count(); n != before+1 || st.writes[n-1] != 0 {
		t.Errorf("writes %v: PublishInFlight should publish the pending 0 at once", st.writes)
	}
	serve(1)
	// A final flush publishes whatever is pending, due or not.
	if err := e.Flush(ctx, true); err != nil {
		t.Fatal(err)
	}
	// (That request found its target forgotten once idle, so its +1 was
	// written at once; the final flush writes its release.)
	if n := st.count(); st.writes[n-1] != 0 || n != before+3 {
		t.Errorf("writes %v: a final flush should publish the pending 0", st.writes)
	}
}

var _ provider.Provider = (*slowFailing)(nil)

// TestRetiredEngineWritesItsLastCounts: a request still in flight when a
// config reload retires its engine writes its release itself, since
// nothing flushes a retired engine: no phantom count is left for the
// other instances.
func TestRetiredEngineWritesItsLastCounts(t *testing.T) {
	const yml = `
server: {cooldown: {failures: -1}}
providers:
  m: {type: mock}
routers:
  ll: {strategy: least_loaded, targets: [{model: m/a}]}
`
	clk := &testClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	st := &countingStore{Store: store.NewMemory()}
	g := &gate{started: make(chan string, 1), release: make(chan struct{})}
	e := newEngineWith(t, yml, clk, st, map[string]provider.Provider{"m": g})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = e.Complete(context.Background(), req("router/ll", "", 10))
	}()
	<-g.started // in flight: its +1 is written
	e.Close()   // a reload retires the engine mid-request
	close(g.release)
	<-done
	counts, err := st.InFlightCounts(context.Background(), clk.Now())
	if err != nil || counts["m/a"] != 0 {
		t.Errorf("shared count %d after the request ended on a retired engine (writes %v)", counts["m/a"], st.writes)
	}
}
