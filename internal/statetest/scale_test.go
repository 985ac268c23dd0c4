package statetest

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/aggregate"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// hotItemYAML has one router of each kind whose shared state differs: a
// fallback router (metrics only), an optimized one (reads stats) and a
// least_loaded one (writes and reads in-flight counts). Budgets are left
// out: their counters are measured with the budget leases.
const hotItemYAML = `
providers:
  m: {type: mock, reply: "ok"}
routers:
  fb: {strategy: fallback, targets: [{model: m/a}, {model: m/b}]}
  opt: {strategy: optimized, metric: latency, targets: [{model: m/a}, {model: m/b}]}
  ll: {strategy: least_loaded, targets: [{model: m/a}, {model: m/b}]}
`

// hotItemRun is what one simulation measured.
type hotItemRun struct {
	containers int
	seconds    int
	requests   int
	// writes counts writes per item (table, pk, sk) by every container.
	writes map[dynamo.ItemKey]int64
	// reads is each container's reads (GetItem, Query, Scan, BatchGetItem),
	// by operation and partition.
	reads []map[dynamo.ItemKey]int64
	// aggregator counts the aggregator's calls.
	aggregator map[string]int64
	// pending is the samples recorded but not yet written at the end: what
	// would be lost if every container were reaped then without a final
	// flush.
	pending int64
}

// simulate runs containers gateway instances on one dynalite for seconds
// of simulated time (one shared clock, advanced a second at a time). Each
// container serves one request every period seconds, through the routers
// in turn, and after each request flushes as the Lambda handler does
// (Engine.Flush, PublishInFlight): one container stands for one Lambda
// execution environment. The aggregator runs once a simulated minute, as
// the scheduled function does. Every container's DynamoDB client has its
// own call counter, so reads are per container and writes per item.
func simulateHotItems(t *testing.T, containers, seconds, period int) hotItemRun {
	t.Helper()
	ctx := context.Background()
	endpoint := testenv.Dynalite(t)
	setup := newStore(t, endpoint)
	push(t, setup, hotItemYAML)
	tables := setup.Tables()
	clk := newClock()

	type container struct {
		calls *dynamo.CallCounter
		src   *configsource.Source
	}
	cs := make([]container, containers)
	for i := range cs {
		calls := &dynamo.CallCounter{}
		client := testenv.DynamoClient(t, endpoint, dynamo.FailFast, calls.Options)
		st := dynamo.New(client, tables)
		st.SetMetricShard(i) // spread as evenly as chance would on average
		deps := engine.Deps{Store: st, Now: clk.Now, Seed: uint64(i + 1), InstanceID: fmt.Sprintf("c%03d", i),
			Logger: slog.New(slog.DiscardHandler)}
		src, err := configsource.FromStore(ctx, st, deps, 0)
		if err != nil {
			t.Fatalf("container %d: FromStore: %v", i, err)
		}
		t.Cleanup(func() { src.Wait(); src.Engine().Close() })
		cs[i] = container{calls: calls, src: src}
	}
	aggCalls := &dynamo.CallCounter{}
	aggStore := dynamo.New(testenv.DynamoClient(t, endpoint, dynamo.FailFast, aggCalls.Options), tables)

	if _, err := aggregate.BuildDigest(ctx, aggStore, clk.Now()); err != nil {
		t.Fatal(err)
	}
	// Start counting after start-up (the first config read and the first
	// shared-state loads happen once per container, not per request).
	for _, c := range cs {
		c.calls.Reset()
	}
	routers := []string{"fb", "opt", "ll"}
	run := hotItemRun{containers: containers, seconds: seconds}
	for sec := 0; sec < seconds; sec++ {
		for i, c := range cs {
			if (sec+i)%period != 0 {
				continue
			}
			eng := c.src.Engine()
			router := routers[run.requests%len(routers)]
			if _, err := eng.Complete(ctx, request("router/"+router, 5)); err != nil {
				t.Fatalf("container %d, %s at %ds: %+v", i, router, sec, err)
			}
			run.requests++
			if err := eng.Flush(ctx, false); err != nil {
				t.Fatalf("flush: %v", err)
			}
			eng.PublishInFlight(ctx)
			c.src.Wait() // a config re-read the request started is counted now
		}
		clk.Advance(time.Second)
		if (sec+1)%60 == 0 {
			if _, err := aggregate.Run(ctx, aggStore, clk.Now()); err != nil {
				t.Fatalf("aggregate at %ds: %v", sec+1, err)
			}
		}
		// The scheduled aggregator's invocation rebuilds the digest every
		// DigestEvery.
		if (sec+1)%int(aggregate.DigestEvery/time.Second) == 0 {
			if _, err := aggregate.BuildDigest(ctx, aggStore, clk.Now()); err != nil {
				t.Fatalf("digest at %ds: %v", sec+1, err)
			}
		}
	}
	for _, c := range cs {
		run.pending += c.src.Engine().Recorder().Pending()
	}
	run.writes = map[dynamo.ItemKey]int64{}
	for _, c := range cs {
		perContainer := map[dynamo.ItemKey]int64{}
		for k, n := range c.calls.Keys() {
			switch k.Op {
			case "GetItem", "Query", "Scan", "BatchGetItem":
				perContainer[k] += n
			default:
				run.writes[dynamo.ItemKey{Table: k.Table, PK: k.PK, SK: k.SK}] += n
			}
		}
		run.reads = append(run.reads, perContainer)
	}
	run.aggregator = aggCalls.Snapshot()
	return run
}

// hottest returns the items with the most writes, most first.
func (r hotItemRun) hottest(n int) []dynamo.ItemKey {
	keys := make([]dynamo.ItemKey, 0, len(r.writes))
	for k := range r.writes {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if r.writes[keys[i]] != r.writes[keys[j]] {
			return r.writes[keys[i]] > r.writes[keys[j]]
		}
		return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j])
	})
	return keys[:min(n, len(keys))]
}

// readsPerContainerMinute is the mean reads one container made per
// simulated minute, by operation and partition (tables' prefixes cut).
func (r hotItemRun) readsPerContainerMinute() map[string]float64 {
	out := map[string]float64{}
	minutes := float64(r.seconds) / 60
	for _, m := range r.reads {
		for k, n := range m {
			table := k.Table[strings.LastIndex(k.Table, "-")+1:]
			label := k.Op + " " + table
			if k.PK != "" {
				label += " pk=" + k.PK
			}
			if k.SK != "" {
				label += " sk=" + k.SK
			}
			out[label] += float64(n) / float64(len(r.reads)) / minutes
		}
	}
	return out
}

func (r hotItemRun) report(t *testing.T) {
	t.Helper()
	rps := float64(r.requests) / float64(r.seconds)
	var writes int64
	for _, n := range r.writes {
		writes += n
	}
	t.Logf("%d containers, %d simulated s, %d requests (%.1f/s); %d writes (%.3f per request), on %d items",
		r.containers, r.seconds, r.requests, rps, writes, float64(writes)/float64(r.requests), len(r.writes))
	for _, k := range r.hottest(8) {
		table := k.Table[strings.LastIndex(k.Table, "-")+1:]
		perSec := float64(r.writes[k]) / float64(r.seconds)
		t.Logf("  hot item %s pk=%s sk=%s: %d writes, %.3f/s = %.4f per request/s", table, k.PK, k.SK, r.writes[k], perSec, perSec/rps)
	}
	var hotBucket dynamo.ItemKey
	for k, n := range r.writes {
		if isBucketItem(k) && n > r.writes[hotBucket] {
			hotBucket = k
		}
	}
	t.Logf("  hottest metric bucket item %s/%s: %d writes in its minute", hotBucket.PK, hotBucket.SK, r.writes[hotBucket])
	reads := r.readsPerContainerMinute()
	labels := make([]string, 0, len(reads))
	var total float64
	for l, n := range reads {
		labels = append(labels, l)
		total += n
	}
	sort.Strings(labels)
	t.Logf("reads per container per simulated minute: %.2f", total)
	for _, l := range labels {
		t.Logf("  %-70s %.2f", l, reads[l])
	}
	t.Logf("aggregator calls: %v", r.aggregator)
	t.Logf("samples unwritten at the end (lost if every container were reaped now): %d = %.1f s of traffic",
		r.pending, float64(r.pending)/rps)
}

// isBucketItem reports whether k is a metric bucket item (one subject,
// minute and shard: pk "m#<subject>" or "m<k>#<subject>").
func isBucketItem(k dynamo.ItemKey) bool {
	return strings.HasSuffix(k.Table, "-metrics") && strings.HasPrefix(k.PK, "m") && k.PK != "meta"
}

// TestScaleSimulation runs 50 containers for three simulated minutes, one
// request per container every 2 s (25 requests/s), and holds the design
// of docs/scale.md to its figures: a metric bucket item takes one write per
// container of its shard per flush interval, not one per request, and a
// container reads only the small digest and config version items, never
// a partition. docs/scale.md extrapolates the figures it logs.
func TestScaleSimulation(t *testing.T) {
	const containers, seconds, period = 50, 180, 2
	run := simulateHotItems(t, containers, seconds, period)
	run.report(t)

	// Per bucket item (one subject, one minute, one shard): each of the
	// shard's containers flushes at most once per interval, plus once at
	// the minute's turn (its sum for the minute just ended).
	perShard := (containers + dynamo.MetricShards - 1) / dynamo.MetricShards
	flushesPerMinute := int64(time.Minute/engine.DefaultMetricsFlushEvery) + 1
	maxBucketWrites := int64(perShard) * flushesPerMinute
	for k, n := range run.writes {
		if isBucketItem(k) && n > maxBucketWrites {
			t.Errorf("bucket item %s/%s took %d writes in its minute, want at most %d (%d containers per shard × %d flushes)",
				k.PK, k.SK, n, maxBucketWrites, perShard, flushesPerMinute)
		}
	}
	// Reads: the digest every 5 s and the config version every 10 s, a
	// GetItem each; no Query or Scan.
	reads := run.readsPerContainerMinute()
	var gets float64
	for label, n := range reads {
		if !strings.HasPrefix(label, "GetItem ") {
			t.Errorf("containers read %s %.2f times a minute, want no read but GetItem of the digest and the config version", label, n)
			continue
		}
		gets += n
	}
	if want := float64(time.Minute/(5*time.Second) + time.Minute/configsource.DefaultRefresh); gets > want {
		t.Errorf("%.2f GetItems per container per minute, want at most %.0f (digest every 5 s, version every 10 s)", gets, want)
	}
}
