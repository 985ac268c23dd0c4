package statetest

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// throttler is a DynamoDB endpoint on 127.0.0.1 that forwards every call
// to dynalite until it is switched to throttling; from then on it answers
// each call as DynamoDB does when a table is throttled: HTTP 400, an
// application/x-amz-json-1.0 body naming the exception in __type (with
// the ThrottlingReasons DynamoDB adds), a request id and the x-amz-crc32
// of the body, which the SDK checks. While throttling it counts the HTTP
// attempts per operation and table, and can hold metric writes
// (UpdateItem on the metrics table) until released.
type throttler struct {
	srv       *httptest.Server
	fwd       *httputil.ReverseProxy
	exception string // ThrottlingException or ProvisionedThroughputExceededException

	throttled atomic.Bool
	ids       atomic.Int64

	mu       sync.Mutex
	roles    map[string]string // table name → config, state, metrics
	attempts map[string]int64  // "<operation> <role>" → HTTP attempts while throttled
	hold     chan struct{}     // non-nil: metric writes wait until it is closed
	released bool

	held      chan struct{} // gets a value when a metric write starts being held
	abandoned atomic.Int64  // held metric writes whose caller gave up waiting
}

func startThrottler(t *testing.T, dynalite, exception string) *throttler {
	t.Helper()
	u, err := url.Parse(dynalite)
	if err != nil {
		t.Fatal(err)
	}
	th := &throttler{fwd: httputil.NewSingleHostReverseProxy(u), exception: exception,
		attempts: map[string]int64{}, held: make(chan struct{}, 1)}
	th.srv = httptest.NewServer(th)
	t.Cleanup(func() {
		th.release() // a held write must not keep Close waiting
		th.srv.Close()
	})
	return th
}

func (th *throttler) URL() string { return th.srv.URL }

// throttle starts answering every call throttled, holding metric writes
// until release when holdMetrics.
func (th *throttler) throttle(tables dynamo.Tables, holdMetrics bool) {
	th.mu.Lock()
	th.roles = map[string]string{tables.Config: "config", tables.State: "state", tables.Metrics: "metrics"}
	if holdMetrics {
		th.hold = make(chan struct{})
	}
	th.mu.Unlock()
	th.throttled.Store(true)
}

// release lets held metric writes (and later ones) be answered.
func (th *throttler) release() {
	th.mu.Lock()
	defer th.mu.Unlock()
	if th.hold != nil && !th.released {
		close(th.hold)
		th.released = true
	}
}

func (th *throttler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !th.throttled.Load() {
		th.fwd.ServeHTTP(w, r)
		return
	}
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	raw, _ := io.ReadAll(r.Body)
	var in struct{ TableName string }
	_ = json.Unmarshal(raw, &in) // batch calls name no single table
	th.mu.Lock()
	role := th.roles[in.TableName]
	th.attempts[op+" "+role]++
	hold := th.hold
	th.mu.Unlock()

	if hold != nil && op == "UpdateItem" && role == "metrics" {
		select {
		case th.held <- struct{}{}:
		default:
		}
		select {
		case <-hold:
		case <-r.Context().Done():
			th.abandoned.Add(1)
			return
		}
	}
	th.refuse(w, op, in.TableName)
}

// refuse writes DynamoDB's throttling answer.
func (th *throttler) refuse(w http.ResponseWriter, op, table string) {
	kind := "Write"
	switch op {
	case "GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems":
		kind = "Read"
	}
	limit, msg := "ProvisionedThroughputExceeded",
		"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."
	if th.exception == "ThrottlingException" {
		limit, msg = "MaxOnDemandThroughputExceeded", "Throughput exceeds the maximum OnDemandThroughput configured on the table."
	}
	body, _ := json.Marshal(map[string]any{
		"__type":  "com.amazonaws.dynamodb.v20120810#" + th.exception,
		"message": msg,
		"ThrottlingReasons": []map[string]string{{
			"reason":   "Table" + kind + limit,
			"resource": "arn:aws:dynamodb:us-east-1:123456789012:table/" + table,
		}},
	})
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("x-amzn-RequestId", fmt.Sprintf("THROTTLED%020d", th.ids.Add(1)))
	h.Set("x-amz-crc32", fmt.Sprint(crc32.ChecksumIEEE(body)))
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write(body)
}

// waitHeld returns once a metric write is being held.
func (th *throttler) waitHeld(t *testing.T) {
	t.Helper()
	select {
	case <-th.held:
	case <-time.After(guard):
		t.Fatalf("no metric write reached the store within %s", guard)
	}
}

// snapshot returns the attempts counted while throttled.
func (th *throttler) snapshot() map[string]int64 {
	th.mu.Lock()
	defer th.mu.Unlock()
	out := make(map[string]int64, len(th.attempts))
	for k, v := range th.attempts {
		out[k] = v
	}
	return out
}

// TestServingWhileThrottled: DynamoDB throttles every call of a gateway
// that has loaded its config (both exceptions DynamoDB throttles with, in
// its wire format). The gateway serves with the cached config; the SDK
// retries each call exactly up to FailFast's attempt budget and no
// further; metric writes fail off the request path and are counted, never
// failing or holding up a request; on_store_error decides between serving
// (allow) and 503 budget_unavailable (reject). Once throttling ends the
// gateway writes again.
//
// Metric samples are summed and written every
// engine.DefaultMetricsFlushEvery (20 s), not per request: the test clock
// moves 11 s in all, so no write falls due on its own and the test
// triggers each write with the recorder's Flush where a request used to
// write its sample.
func TestServingWhileThrottled(t *testing.T) {
	endpoint := testenv.Dynalite(t)
	for _, exception := range []string{"ThrottlingException", "ProvisionedThroughputExceededException"} {
		t.Run(exception, func(t *testing.T) {
			ctx := context.Background()
			th := startThrottler(t, endpoint, exception)
			calls := &dynamo.CallCounter{}
			st := newStore(t, th.URL(), calls.Options)
			push(t, st, outageYAML)
			clk := newClock()
			g := startGateway(t, st, clk, "instance-a", nil)
			eng := g.src.Engine()
			for _, r := range []string{"plain", "lenient", "strict"} {
				if code, errCode := g.chat(t, "router/"+r); code != http.StatusOK {
					t.Fatalf("before throttling: %s answered %d %s", r, code, errCode)
				}
			}
			rec := eng.Recorder()
			if err := rec.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			written := rec.Written.Load()

			calls.Reset()
			th.throttle(st.Tables(), true)

			// The cached config goes stale; its re-read is throttled.
			clk.Advance(11 * time.Second)
			g.src.Engine()
			g.src.Wait()
			if g.src.Engine() != eng {
				t.Fatal("a throttled config read replaced the engine")
			}
			if n := g.src.Failures.Load(); n != 1 {
				t.Errorf("config Failures = %d, want 1", n)
			}
			// Snapshots too: the refresh fails and they keep their values
			// (and back off, so no request starts another in the background).
			if err := eng.RefreshSharedState(ctx); err == nil {
				t.Error("RefreshSharedState succeeded while every call was throttled")
			}

			t.Run("served while its metric write is held", func(t *testing.T) {
				if code, errCode := g.chat(t, "router/plain"); code != http.StatusOK {
					t.Fatalf("plain answered %d %s", code, errCode)
				}
				if n := th.snapshot()["UpdateItem metrics"]; n != 0 {
					t.Errorf("%d metric write attempts before the flush: the request wrote its sample itself", n)
				}
				// The flush the recorder would make when the interval
				// ends, now: its write is held until release. It cannot
				// finish before release, so an answer that had waited for
				// it could only have come after giving it up (its 2 s
				// bound), leaving it abandoned here and one attempt short
				// in the count below.
				flushed := make(chan error, 1)
				go func() { flushed <- rec.Flush(ctx) }()
				th.waitHeld(t)
				if n := th.abandoned.Load(); n != 0 {
					t.Errorf("%d held metric writes abandoned before the answer: the request waited for its metric", n)
				}
				th.release()
				if err := <-flushed; err != nil {
					t.Fatal(err)
				}
			})
			budgetCases := []struct {
				router    string
				status    int
				code, typ string
			}{
				{"lenient", http.StatusOK, "", ""},
				{"strict", http.StatusServiceUnavailable, "budget_unavailable", "upstream_error"},
			}
			for _, c := range budgetCases {
				t.Run(c.router, func(t *testing.T) {
					status, env, raw := g.send(t, http.MethodPost, "/v1/chat/completions", "", chatBody("router/"+c.router))
					if status != c.status || env.code() != c.code || env.typ() != c.typ {
						t.Errorf("answered %d %s, want %d %s/%s", status, raw, c.status, c.typ, c.code)
					}
				})
			}

			// lenient's sum, written now as plain's was above.
			if err := rec.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			// plain and lenient made one attempt each; strict made none.
			if rec.Failed.Load() != 2 || rec.Written.Load() != written || rec.Dropped.Load() != 0 {
				t.Errorf("samples written %d (before %d), failed %d, dropped %d; want the 2 made while throttled failed",
					rec.Written.Load(), written, rec.Failed.Load(), rec.Dropped.Load())
			}

			t.Run("each call stops at the SDK's attempt budget", func(t *testing.T) {
				attempts, ops := th.snapshot(), calls.Snapshot()
				byOp := map[string]int64{}
				for k, n := range attempts {
					op, _, _ := strings.Cut(k, " ")
					byOp[op] += n
				}
				var names []string
				for op := range byOp {
					names = append(names, op)
				}
				for op := range ops {
					if _, ok := byOp[op]; !ok {
						names = append(names, op)
					}
				}
				sort.Strings(names)
				for _, op := range names {
					if want := int64(dynamo.MaxAttempts) * ops[op]; byOp[op] != want {
						t.Errorf("%s: %d HTTP attempts for %d calls, want %d (%d per call)", op, byOp[op], ops[op], want, dynamo.MaxAttempts)
					}
				}
				want := map[string]int64{
					// The refresh polls the config version item; unreadable,
					// it falls back to the full re-read, which reads the
					// version again before the records: two GetItems.
					"GetItem config": 2 * int64(dynamo.MaxAttempts),
					// The full re-read's Scan, which reports the outage.
					"Scan config": 1 * int64(dynamo.MaxAttempts),
					// RefreshSharedState's read of the shared-state digest.
					"GetItem metrics":  1 * int64(dynamo.MaxAttempts),
					"UpdateItem state": 2 * int64(dynamo.MaxAttempts), // the lenient and strict reservations
					// The plain and lenient sums, one bucket write per
					// Flush above (one per sample before the sums).
					"UpdateItem metrics": 2 * int64(dynamo.MaxAttempts),
				}
				for k, n := range want {
					if attempts[k] != n {
						t.Errorf("%s: %d attempts, want %d; all attempts %v", k, attempts[k], n, attempts)
					}
				}
				logs := g.logs.String()
				for _, w := range []string{
					"config reload failed; serving the last good config",
					"shared-state digest read failed; reading the partitions",
					"metric write failed",
					"budget store unavailable; allowing request",
					fmt.Sprintf("exceeded maximum number of attempts, %d", dynamo.MaxAttempts),
					exception,
				} {
					if !strings.Contains(logs, w) {
						t.Errorf("logs lack %q:\n%s", w, logs)
					}
				}
			})

			t.Run("writes again once throttling ends", func(t *testing.T) {
				th.throttled.Store(false)
				for _, r := range []string{"plain", "strict"} {
					if code, errCode := g.chat(t, "router/"+r); code != http.StatusOK {
						t.Errorf("%s answered %d %s after throttling ended", r, code, errCode)
					}
				}
				if err := rec.Flush(ctx); err != nil {
					t.Fatal(err)
				}
				if got := rec.Written.Load(); got != written+2 {
					t.Errorf("samples written %d, want %d", got, written+2)
				}
			})
		})
	}
}
