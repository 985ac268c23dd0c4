package engine_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/pricing"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// counterWrites counts the writes that land on budget counters (not on
// lease records) per counter key.
type counterWrites struct {
	*store.Memory
	mu     sync.Mutex
	writes map[string]int
}

func newCounterWrites() *counterWrites {
	return &counterWrites{Memory: store.NewMemory(), writes: map[string]int{}}
}

func (c *counterWrites) count(key string) {
	c.mu.Lock()
	c.writes[key]++
	c.mu.Unlock()
}

func (c *counterWrites) Reserve(ctx context.Context, key string, micros, limit int64, expires time.Time) (int64, error) {
	c.count(key)
	return c.Memory.Reserve(ctx, key, micros, limit, expires)
}

func (c *counterWrites) Adjust(ctx context.Context, key string, delta int64, expires time.Time) error {
	c.count(key)
	return c.Memory.Adjust(ctx, key, delta, expires)
}

func (c *counterWrites) TakeLease(ctx context.Context, l store.Lease, limit int64) (int64, error) {
	c.count(l.Counter)
	return c.Memory.TakeLease(ctx, l, limit)
}

func (c *counterWrites) ReturnLease(ctx context.Context, l store.Lease) error {
	c.count(l.Counter)
	return c.Memory.ReturnLease(ctx, l)
}

// worstMicros is what one req("router/main", "", maxTokens) reserves.
func worstMicros(maxTokens int) int64 {
	p := pricing.Price{InputPerMTok: 1000, OutputPerMTok: 1000}
	return pricing.Micros(p.WorstCase(req("router/main", "", maxTokens).Chat))
}

// TestLeasesHoldTheCap: four instances spend one leased budget with
// eight requests in flight each until it refuses them. The limit holds,
// nothing is lost or counted twice once the instances stop (every lease
// returned: spend = served × cost), and the counter is written a few
// times per lease rather than once per request.
func TestLeasesHoldTheCap(t *testing.T) {
	const (
		limit    = 5_000_000
		lease    = 500_000
		engines  = 4
		inFlight = 8
		perGo    = 30
	)
	budget := `{name: b, scope: "router:main", limit_usd: 5, period: day, lease_usd: 0.5}`
	st := newCounterWrites()
	clk := &testClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	var es []*engine.Engine
	for i := 0; i < engines; i++ {
		es = append(es, lifecycleEngine(t, budget, st, clk, fmt.Sprintf("i-%d", i), false))
	}
	var mu sync.Mutex
	served, refused := 0, 0
	var wg sync.WaitGroup
	for _, e := range es {
		for g := 0; g < inFlight; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; k < perGo; k++ {
					_, err := e.Complete(context.Background(), req("router/main", "", 10))
					mu.Lock()
					switch {
					case err == nil:
						served++
					case err.Status == http.StatusTooManyRequests && err.Code == "budget_exceeded":
						refused++
					default:
						t.Errorf("unexpected %d %s: %s", err.Status, err.Code, err.Message)
					}
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	for _, e := range es {
		e.Close()
	}
	spent := spentOn(t, st.Memory)
	worst := worstMicros(10)
	writes := st.writes[lifecycleCounter]
	t.Logf("served %d, refused %d; spent %d of %d µUSD; %d counter writes (worst case %d µUSD)", served, refused, spent, int64(limit), writes, worst)
	if spent > limit {
		t.Errorf("spent %d µUSD past the %d limit", spent, int64(limit))
	}
	if spent != int64(served)*requestMicros {
		t.Errorf("spent %d µUSD, want served %d × %d = %d", spent, served, requestMicros, int64(served)*requestMicros)
	}
	if refused == 0 {
		t.Error("nothing refused: the test did not reach the limit")
	}
	// At a refusal the counter held at most: each instance's unused lease
	// and its pending corrections of requests reserved on the counter
	// (at most inFlight worst cases), plus the refused worst case.
	if floor := int64(limit) - engines*(lease+inFlight*worst) - worst; spent < floor {
		t.Errorf("spent %d µUSD: the budget was left unused below %d", spent, floor)
	}
	// Without leases every request writes the counter once or more; a
	// refusal still costs its one refused write.
	if (writes-refused)*4 > served {
		t.Errorf("%d counter writes for %d served and %d refused requests; leases should cut them several fold", writes, served, refused)
	}
}

// TestLeaseReclaimedAfterContainerDeath: Lambda containers, each killed
// after one request, leave their leases counted as spent (the limit can
// never be passed by a lease nobody returns). Once a lease's grace is
// over, the next instance that runs short reclaims them by their marks,
// which SettleEachRequest lowered to the exact spend: settled spend is
// real spend again.
func TestLeaseReclaimedAfterContainerDeath(t *testing.T) {
	budget := `{name: b, scope: "router:main", limit_usd: 1, period: day, lease_usd: 0.1}`
	st := store.NewMemory()
	clk := &testClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	const containers = 10
	for i := 0; i < containers; i++ {
		e := lifecycleEngine(t, budget, st, clk, fmt.Sprintf("container-%d", i), true)
		if _, err := e.Complete(context.Background(), req("router/main", "", 10)); err != nil {
			t.Fatalf("container %d: %d %s", i, err.Status, err.Message)
		}
	}
	if got := spentOn(t, st); got != 1_000_000 {
		t.Fatalf("spent %d with 10 dead containers' leases out, want 1000000 (leased counts as spent)", got)
	}
	clk.advance(16*time.Minute + time.Second) // lease term + grace
	e := lifecycleEngine(t, budget, st, clk, "container-new", true)
	if _, err := e.Complete(context.Background(), req("router/main", "", 10)); err != nil {
		t.Fatalf("after the dead leases' grace: %d %s, want served", err.Status, err.Message)
	}
	if open, _ := st.OpenLeases(context.Background(), lifecycleCounter); len(open) != 1 {
		t.Errorf("%d open leases, want only the new container's", len(open))
	}
	e.Close()
	if got, want := spentOn(t, st), int64(containers+1)*requestMicros; got != want {
		t.Errorf("spent %d µUSD, want %d: %d requests of %d", got, want, containers+1, requestMicros)
	}
}

// TestLeaseKilledMidRequestNeverUndercounts: a container killed while a
// request is in flight on its lease (never settled) is reclaimed by the
// mark it wrote before the attempt started, so the request's worst case
// stays counted.
func TestLeaseKilledMidRequestNeverUndercounts(t *testing.T) {
	budget := `{name: b, scope: "router:main", limit_usd: 0.15, period: day, lease_usd: 0.1}`
	st := store.NewMemory()
	clk := &testClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	h := &holder{usage: chat.Usage{PromptTokens: 8, CompletionTokens: 5}, held: make(chan struct{}), release: make(chan struct{})}
	dying := lifecycleEngineWith(t, budget, st, clk, "dying", true, h)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = dying.Complete(context.Background(), req("router/main", "mallory", 10))
	}()
	<-h.held
	defer func() { close(h.release); <-done }()
	// Killed now: the attempt never settles, nothing is flushed.
	clk.advance(16*time.Minute + time.Second)
	e := lifecycleEngine(t, budget, st, clk, "next", true)
	if _, err := e.Complete(context.Background(), req("router/main", "", 10)); err != nil {
		t.Fatalf("next container: %d %s, want served", err.Status, err.Message)
	}
	e.Close()
	got, worst := spentOn(t, st), worstMicros(10)
	if got < requestMicros+worst {
		t.Errorf("spent %d µUSD, want at least %d: the served request (%d) and the killed one's worst case (%d)",
			got, requestMicros+worst, requestMicros, worst)
	}
}
