package statetest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// keyLimitsYAML has one key per limit. The mock counts a request of
// proof's shape as 13 tokens (8 in, 5 out); the gateway holds 16 before
// the call (11 estimated in, max_tokens 5 out) and settles to 13.
const keyLimitsYAML = `
providers:
  m: {type: mock, reply: "Once upon a time."}
routers:
  main: {strategy: fallback, targets: [{model: m/story}]}
keys:
  - {name: rpm, sha256: "%[1]s", limits: {requests_per_minute: 60}}
  - {name: tpm, sha256: "%[1]s", limits: {tokens_per_minute: 800}}
  - {name: conc, sha256: "%[1]s", limits: {max_concurrent: 5}}
`

const (
	tokensHeld   = 16 // per request, before the call
	tokensServed = 13 // per request, settled
)

func keyLimitsConfig(t *testing.T) *config.Config {
	return parse(t, fmt.Sprintf(keyLimitsYAML, "0000000000000000000000000000000000000000000000000000000000000000"))
}

func keyOf(cfg *config.Config, name string) *config.Key {
	for i := range cfg.Keys {
		if cfg.Keys[i].Name == name {
			return &cfg.Keys[i]
		}
	}
	panic("no key " + name)
}

// storm sends perInstance concurrent requests of key through each engine
// at once and returns the served count and the refusals, which must all
// be 429 key_rate_limit_exceeded with a Retry-After.
func storm(t *testing.T, engines []*engine.Engine, key *config.Key) (served, refused int) {
	t.Helper()
	var ok, no atomic.Int64
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, e := range engines {
		for j := 0; j < perInstance; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r := request("router/main", 5)
				r.Key = key
				_, err := e.Complete(context.Background(), r)
				switch {
				case err == nil:
					ok.Add(1)
				case err.Status == http.StatusTooManyRequests && err.Code == engine.CodeKeyRateLimit && err.RetryAfter > 0:
					no.Add(1)
				default:
					t.Errorf("unexpected error: %d %s %s (retry-after %d)", err.Status, err.Code, err.Message, err.RetryAfter)
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	return int(ok.Load()), int(no.Load())
}

// TestKeyLimitsAcrossInstances is the proof of issue 15: four gateway
// instances on one dynalite, 50 concurrent requests each, one key.
// requests_per_minute 60 serves exactly 60; tokens_per_minute never lets
// more tokens through than the limit; every other request is a 429 with
// Retry-After.
func TestKeyLimitsAcrossInstances(t *testing.T) {
	for _, mode := range []struct {
		name string
		// settleEach is Lambda's setting, which turns chunked windows off.
		settleEach bool
	}{{"chunked windows (local server)", false}, {"one write per request (Lambda)", true}} {
		t.Run(mode.name, func(t *testing.T) {
			st := newStore(t, testenv.Dynalite(t))
			cfg := keyLimitsConfig(t)
			clk := newClock()
			var engines []*engine.Engine
			for i := 0; i < instances; i++ {
				e, err := engine.New(cfg, engine.Deps{Store: st, Now: clk.Now, Seed: 11, InstanceID: fmt.Sprintf("instance-%d", i),
					SettleEachRequest: mode.settleEach})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(e.Close)
				engines = append(engines, e)
			}

			served, refused := storm(t, engines, keyOf(cfg, "rpm"))
			t.Logf("requests_per_minute 60: %d served, %d refused", served, refused)
			if served != 60 || refused != instances*perInstance-60 {
				t.Errorf("requests_per_minute 60: %d served, %d refused; want exactly 60 served, %d refused", served, refused, instances*perInstance-60)
			}

			served, refused = storm(t, engines, keyOf(cfg, "tpm"))
			total, err := st.Spent(context.Background(), windowCounter("key#tpm#tpm", clk))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("tokens_per_minute 800: %d served (%d tokens), %d refused; counter %d", served, served*tokensServed, refused, total)
			if served*tokensServed > 800 || total > 800 {
				t.Errorf("tokens_per_minute 800: %d served use %d tokens, counter %d; the limit was passed", served, served*tokensServed, total)
			}
			// Without chunks every unused token goes back to the counter:
			// it holds the served requests' tokens exactly.
			if mode.settleEach && total != int64(served*tokensServed) {
				t.Errorf("counter %d, want %d served × %d", total, served, tokensServed)
			}
			// At least the requests whose estimates fit at once are served
			// (less what chunks strand: at most 3 instances × 25 tokens).
			if min := (800 - 3*800/32) / tokensHeld; served < min || served+refused != instances*perInstance {
				t.Errorf("tokens_per_minute 800: %d served, %d refused; want at least %d served", served, refused, min)
			}
		})
	}
}

// windowCounter is the store counter of the test clock's minute.
func windowCounter(prefix string, clk *clock) string {
	return fmt.Sprintf("%s#%d", prefix, clk.Now().Unix()/60)
}

// held holds every call until release closes, counting calls in flight.
type held struct {
	next     provider.Provider
	release  chan struct{}
	started  chan struct{}
	inFlight atomic.Int64
	peak     atomic.Int64
}

func (h *held) Complete(ctx context.Context, call *provider.Call) (*chat.Response, error) {
	n := h.inFlight.Add(1)
	defer h.inFlight.Add(-1)
	for {
		p := h.peak.Load()
		if n <= p || h.peak.CompareAndSwap(p, n) {
			break
		}
	}
	h.started <- struct{}{}
	<-h.release
	return h.next.Complete(ctx, call)
}

func (h *held) Stream(ctx context.Context, call *provider.Call) (provider.Stream, error) {
	return h.next.Stream(ctx, call)
}

// TestKeyMaxConcurrentAcrossInstances: max_concurrent 5 across four
// instances with upstreams that hold every call: five are in flight, the
// other 195 are refused at once, never more than five reach the upstream;
// once they end, the key's slots are free again.
func TestKeyMaxConcurrentAcrossInstances(t *testing.T) {
	st := newStore(t, testenv.Dynalite(t))
	cfg := keyLimitsConfig(t)
	clk := newClock()
	mock, err := provider.New(config.Provider{Type: "mock", Reply: "ok"}, provider.Env{})
	if err != nil {
		t.Fatal(err)
	}
	up := &held{next: mock, release: make(chan struct{}), started: make(chan struct{}, instances*perInstance)}
	var engines []*engine.Engine
	for i := 0; i < instances; i++ {
		engines = append(engines, newEngine(t, cfg, st, clk, fmt.Sprintf("instance-%d", i), map[string]provider.Provider{"m": up}))
	}
	key := keyOf(cfg, "conc")
	results := make(chan *engine.Error, instances*perInstance)
	var wg sync.WaitGroup
	for _, e := range engines {
		for j := 0; j < perInstance; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := request("router/main", 5)
				r.Key = key
				_, err := e.Complete(context.Background(), r)
				results <- err
			}()
		}
	}
	// Five calls reach the upstream and stay there; the other 195 are
	// refused without one. A sixth call at the upstream fails the test.
	var served, refused int64
	for i := 0; i < 5; i++ {
		<-up.started
	}
	for refused < instances*perInstance-5 {
		select {
		case <-up.started:
			t.Fatalf("a sixth call reached the upstream while five were held (%d refused so far)", refused)
		case err := <-results:
			if err == nil || err.Status != http.StatusTooManyRequests || err.Code != engine.CodeKeyRateLimit || err.RetryAfter <= 0 {
				t.Fatalf("while five were held: %+v; want 429 %s with Retry-After", err, engine.CodeKeyRateLimit)
			}
			refused++
		}
	}
	close(up.release)
	wg.Wait()
	close(results)
	for err := range results {
		if err != nil {
			t.Errorf("a held request failed: %d %s", err.Status, err.Message)
			continue
		}
		served++
	}
	t.Logf("max_concurrent 5: %d served, %d refused, peak %d in flight", served, refused, up.peak.Load())
	if served != 5 || up.peak.Load() != 5 {
		t.Errorf("%d served with a peak of %d in flight; want 5 and 5", served, up.peak.Load())
	}
	// The slots came back: the next five are served.
	for i := 0; i < 5; i++ {
		r := request("router/main", 5)
		r.Key = key
		if _, err := engines[i%instances].Complete(context.Background(), r); err != nil {
			t.Fatalf("after the held calls ended: %d %s", err.Status, err.Message)
		}
	}
	n, err := st.Spent(context.Background(), "key#conc#concurrent")
	if err != nil || n != 0 {
		t.Errorf("concurrency counter %d (%v), want 0 with nothing in flight", n, err)
	}
}

// keyCallsYAML has one key per limit shape whose DynamoDB cost differs.
const keyCallsYAML = `
providers:
  m: {type: mock, reply: "Once upon a time."}
routers:
  main: {strategy: fallback, targets: [{model: m/story}]}
keys:
  - {name: rpm-low, sha256: "%[1]s", limits: {requests_per_minute: 60}}
  - {name: rpm-high, sha256: "%[1]s", limits: {requests_per_minute: 60000}}
  - {name: tpm-high, sha256: "%[1]s", limits: {tokens_per_minute: 1000000}}
  - {name: conc, sha256: "%[1]s", limits: {max_concurrent: 100}}
  - {name: all, sha256: "%[1]s", limits: {requests_per_minute: 60000, tokens_per_minute: 1000000, max_concurrent: 100}}
`

// TestKeyLimitCalls holds the DynamoDB cost of key limits per request
// (writes to the key's counters and leases; reads are only made to
// reclaim a dead instance's slots, never here): one conditional write per
// request for an exact low limit, a fraction for chunked high limits, a
// constant four for max_concurrent (take and return its lease).
func TestKeyLimitCalls(t *testing.T) {
	const n = 40
	cases := []struct {
		key        string
		settleEach bool
		maxWrites  float64
	}{
		{"rpm-low", false, 1},
		{"rpm-high", false, 0.1},
		{"tpm-high", false, 0.1},
		{"rpm-high", true, 1},
		{"tpm-high", true, 2},
		{"conc", false, 4},
		{"all", false, 4.2},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/settle-each=%v", c.key, c.settleEach), func(t *testing.T) {
			calls := &dynamo.CallCounter{}
			st := newStore(t, testenv.Dynalite(t), calls.Options)
			cfg := parse(t, fmt.Sprintf(keyCallsYAML, "0000000000000000000000000000000000000000000000000000000000000000"))
			e, err := engine.New(cfg, engine.Deps{Store: st, Now: newClock().Now, Seed: 1, InstanceID: "i", SettleEachRequest: c.settleEach})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(e.Close)
			key := keyOf(cfg, c.key)
			// A warm instance: its shared-state snapshots are loaded.
			warm := request("router/main", 5)
			if _, err := e.Complete(context.Background(), warm); err != nil {
				t.Fatal(err.Message)
			}
			calls.Reset()
			for i := 0; i < n; i++ {
				r := request("router/main", 5)
				r.Key = key
				if _, err := e.Complete(context.Background(), r); err != nil {
					t.Fatalf("request %d: %s", i, err.Message)
				}
			}
			var writes int64
			for item, w := range calls.KeyWrites() {
				if strings.Contains(item, "key#") {
					writes += w
				}
			}
			per := float64(writes) / n
			t.Logf("%s (settle each %v): %.3f key-limit writes per request; reads %d", c.key, c.settleEach, per, calls.Count("Query")+calls.Count("GetItem"))
			if per > c.maxWrites {
				t.Errorf("%.3f key-limit writes per request, want at most %v", per, c.maxWrites)
			}
			if q := calls.Count("Query"); q != 0 {
				t.Errorf("%d queries: a key with free slots must not list leases", q)
			}
		})
	}
}
