package dynamo

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchyard-llm/switchyard/internal/store"
)

const (
	pkBucketPrefix = "m#"
	pkMeta         = "meta"
	skSubjects     = "subjects"
	attrSubjects   = "subjects"
	// minuteLayout is RFC 3339 at fixed width, so sort-key order is time
	// order and BETWEEN selects a time range.
	minuteLayout = "2006-01-02T15:04:05Z"
	// BucketTTL is how long minute buckets live: the aggregator's longest
	// window (24 h) plus a day of slack for a stalled aggregator.
	BucketTTL = 48 * time.Hour
	// queryParallelism bounds the per-subject Queries Buckets runs at once.
	queryParallelism = 4
	// registerRefresh is how often a process re-adds a subject it writes.
	registerRefresh = 10 * time.Minute
)

// Bucket attribute names. Counters are short because every bucket item
// carries them and item size is what DynamoDB bills.
const (
	attrReq      = "req"
	attrOK       = "ok"
	attrFinals   = "fin"
	attrServed   = "srv"
	attrLatency  = "lat_us" // µs sums (integers)
	attrTTFT     = "ttft_us"
	attrTTFTN    = "ttft_n"
	attrTokIn    = "tin"
	attrTokOut   = "tout"
	attrCost     = "cost"
	attrFallback = "fb"
	attrSkips    = "skp"
	attrGenUs    = "gen_us"
	histPrefix   = "lh" // lh<i>: attempts in store.LatencyIndex bucket i, only non-empty ones
	errPrefix    = "e_" // e_<class>
)

// Attributes of buckets written before latencies were kept in
// microseconds; decodeBucket still reads them (buckets live 48 h).
const (
	legacyLatencyMs = "lat" // float ms sums
	legacyTTFTMs    = "ttft"
	legacyGenMs     = "gen"
	legacyHist      = "h" // h00..h25 over legacyBoundsMs (+1 overflow)
)

// legacyBoundsMs are the old histogram's bucket bounds. A legacy bucket's
// count is read as its midpoint (the overflow bucket as its lower bound).
var legacyBoundsMs = []float64{
	5, 10, 20, 35, 50, 75, 100, 150, 200, 300, 500, 750,
	1000, 1500, 2000, 3000, 5000, 7500, 10000, 15000, 20000, 30000, 60000, 120000, 300000,
}

// AddSample adds one sample: AddBuckets of its one-sample bucket.
func (s *Store) AddSample(ctx context.Context, smp store.Sample) error {
	return s.AddBuckets(ctx, []store.Bucket{store.BucketOf(smp)})
}

// AddBuckets is one UpdateItem per bucket that ADDs every non-zero counter
// to the bucket item of its subject, minute and this store's shard (plus,
// once per subject per process, the subject registration in doc.go).
func (s *Store) AddBuckets(ctx context.Context, bs []store.Bucket) error {
	var errs []error
	for _, b := range bs {
		if err := s.addBucket(ctx, b); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Store) addBucket(ctx context.Context, d store.Bucket) error {
	if err := s.register(ctx, d.Subject); err != nil {
		return err
	}
	minute := d.Minute.Truncate(time.Minute).UTC()
	upd := expression.Add(expression.Name(attrReq), expression.Value(d.Requests))
	addInt := func(name string, v int64) {
		if v != 0 {
			upd = upd.Add(expression.Name(name), expression.Value(v))
		}
	}
	addInt(attrOK, d.Successes)
	addInt(attrFinals, d.Finals)
	addInt(attrServed, d.Served)
	addInt(attrLatency, d.LatencyUs)
	addInt(attrTTFT, d.TTFTUs)
	addInt(attrTTFTN, d.TTFTCount)
	addInt(attrTokIn, d.TokensIn)
	addInt(attrTokOut, d.TokensOut)
	addInt(attrCost, d.CostMicros)
	addInt(attrFallback, d.Fallbacks)
	addInt(attrSkips, d.Skips)
	addInt(attrGenUs, d.GenUs)
	for i, n := range d.Hist {
		addInt(histAttr(i), n)
	}
	for class, n := range d.Errors {
		addInt(errPrefix+class, n)
	}
	upd = withExpiry(upd, minute.Add(BucketTTL))

	k := key(bucketPartition(d.Subject, s.shard), minute.Format(minuteLayout))
	if _, err := s.update(ctx, s.tables.Metrics, k, expression.NewBuilder().WithUpdate(upd), nil); err != nil {
		return fmt.Errorf("dynamo: add bucket for %s at %s: %w", d.Subject, minute.Format(minuteLayout), err)
	}
	return nil
}

// MetricShards is how many partitions one subject's buckets are spread
// over. Each process writes to one shard (chosen at random when the store
// is made), so that however many containers write a subject each minute,
// one bucket item gets about 1/MetricShards of their writes; the
// aggregator Queries every shard and sums them. See docs/scale.md.
const MetricShards = 8

// bucketPartition is the partition key of subject's buckets in shard k:
// "m#<subject>" for shard 0 (the only one before sharding, so buckets
// written then are still read), "m<k>#<subject>" for the others. The
// shard sits before the subject, which may contain any character, so two
// (subject, shard) pairs never share a key.
func bucketPartition(subject string, k int) string {
	if k == 0 {
		return pkBucketPrefix + subject
	}
	return "m" + strconv.Itoa(k) + "#" + subject
}

// SetMetricShard makes this store write its buckets to shard k (mod
// MetricShards) instead of the one it drew; for tests and simulations
// that need a known spread. Call it before the store is used.
func (s *Store) SetMetricShard(k int) {
	s.shard = ((k % MetricShards) + MetricShards) % MetricShards
}

func histAttr(i int) string { return histPrefix + strconv.Itoa(i) }

// register adds subject to the subjects item unless this process did so
// within registerRefresh. Registering before writing the bucket means a
// bucket is never invisible to Buckets for want of its subject; the
// refresh repairs the set if the table was emptied under a long-running
// process (an emulator restarted beside `gateway serve`).
func (s *Store) register(ctx context.Context, subject string) error {
	now := s.now()
	if last, ok := s.registered.Load(subject); ok && now.Sub(last.(time.Time)) < registerRefresh {
		return nil
	}
	upd := expression.Add(expression.Name(attrSubjects), expression.Value(stringSet{subject}))
	if _, err := s.update(ctx, s.tables.Metrics, key(pkMeta, skSubjects), expression.NewBuilder().WithUpdate(upd), nil); err != nil {
		return fmt.Errorf("dynamo: register metrics subject %s: %w", subject, err)
	}
	s.registered.Store(subject, now)
	return nil
}

// stringSet marshals as a DynamoDB string set (SS), which ADD unions.
type stringSet []string

func (ss stringSet) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) {
	return &types.AttributeValueMemberSS{Value: ss}, nil
}

// Buckets reads the subjects item, then Queries each subject's partition
// for the minutes in [from, to); see doc.go.
func (s *Store) Buckets(ctx context.Context, from, to time.Time) ([]store.Bucket, error) {
	// Minutes are whole seconds; compare at second resolution as the
	// memory store does.
	lo, hi := from.Unix(), to.Unix()-1
	if hi < lo {
		return nil, nil
	}
	loKey, hiKey := time.Unix(lo, 0).UTC().Format(minuteLayout), time.Unix(hi, 0).UTC().Format(minuteLayout)

	subjects, err := s.subjects(ctx)
	if err != nil {
		return nil, err
	}
	var (
		mu       sync.Mutex
		out      []store.Bucket
		firstErr error
		wg       sync.WaitGroup
		sem      = make(chan struct{}, queryParallelism)
	)
	for _, subject := range subjects {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			bs, err := s.subjectBuckets(ctx, subject, loKey, hiKey)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			out = append(out, bs...)
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Subject != out[j].Subject {
			return out[i].Subject < out[j].Subject
		}
		return out[i].Minute.Before(out[j].Minute)
	})
	return out, nil
}

func (s *Store) subjects(ctx context.Context) ([]string, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.tables.Metrics,
		Key:       key(pkMeta, skSubjects),
	})
	if err != nil {
		return nil, fmt.Errorf("dynamo: read metrics subjects: %w", err)
	}
	ss, _ := out.Item[attrSubjects].(*types.AttributeValueMemberSS)
	if ss == nil {
		return nil, nil
	}
	return ss.Value, nil
}

// subjectBuckets reads subject's buckets in [loKey, hiKey] from every
// shard and sums each minute's.
func (s *Store) subjectBuckets(ctx context.Context, subject, loKey, hiKey string) ([]store.Bucket, error) {
	byMinute := map[time.Time]*store.Bucket{}
	for k := 0; k < MetricShards; k++ {
		bs, err := s.shardBuckets(ctx, subject, bucketPartition(subject, k), loKey, hiKey)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			if cur := byMinute[b.Minute]; cur != nil {
				cur.Merge(b)
				continue
			}
			b := b
			byMinute[b.Minute] = &b
		}
	}
	out := make([]store.Bucket, 0, len(byMinute))
	for _, b := range byMinute {
		out = append(out, *b)
	}
	return out, nil
}

func (s *Store) shardBuckets(ctx context.Context, subject, pk, loKey, hiKey string) ([]store.Bucket, error) {
	expr, err := expression.NewBuilder().WithKeyCondition(
		expression.Key(attrPK).Equal(expression.Value(pk)).
			And(expression.Key(attrSK).Between(expression.Value(loKey), expression.Value(hiKey))),
	).Build()
	if err != nil {
		return nil, fmt.Errorf("dynamo: buckets of %s: build expression: %w", subject, err)
	}
	p := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
		TableName:                 &s.tables.Metrics,
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	var out []store.Bucket
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("dynamo: buckets of %s: %w", subject, err)
		}
		for _, item := range page.Items {
			b, err := decodeBucket(subject, item)
			if err != nil {
				return nil, fmt.Errorf("dynamo: bucket %s@%s: %w", subject, stringAttr(item, attrSK), err)
			}
			out = append(out, b)
		}
	}
	return out, nil
}

func decodeBucket(subject string, item map[string]types.AttributeValue) (store.Bucket, error) {
	minute, err := time.Parse(minuteLayout, stringAttr(item, attrSK))
	if err != nil {
		return store.Bucket{}, fmt.Errorf("sort key: %w", err)
	}
	b := store.Bucket{Subject: subject, Minute: minute.UTC(), Hist: map[int]int64{}}
	ints := map[string]*int64{
		attrReq: &b.Requests, attrOK: &b.Successes, attrFinals: &b.Finals, attrServed: &b.Served,
		attrTTFTN: &b.TTFTCount, attrTokIn: &b.TokensIn, attrTokOut: &b.TokensOut,
		attrCost: &b.CostMicros, attrFallback: &b.Fallbacks, attrSkips: &b.Skips,
		attrLatency: &b.LatencyUs, attrTTFT: &b.TTFTUs, attrGenUs: &b.GenUs,
	}
	// A bucket written across the upgrade has both shapes: add them.
	legacyMs := map[string]*int64{legacyLatencyMs: &b.LatencyUs, legacyTTFTMs: &b.TTFTUs, legacyGenMs: &b.GenUs}
	for name := range item {
		switch {
		case ints[name] != nil:
			n, err := int64Attr(item, name)
			if err != nil {
				return b, err
			}
			*ints[name] += n
		case legacyMs[name] != nil:
			ms, err := float64Attr(item, name)
			if err != nil {
				return b, err
			}
			*legacyMs[name] += store.MsToUs(ms)
		case strings.HasPrefix(name, errPrefix):
			n, err := int64Attr(item, name)
			if err != nil {
				return b, err
			}
			if b.Errors == nil {
				b.Errors = map[string]int64{}
			}
			b.Errors[strings.TrimPrefix(name, errPrefix)] = n
		case strings.HasPrefix(name, histPrefix):
			i, err := strconv.Atoi(name[len(histPrefix):])
			if err != nil || i < 0 || i > store.MaxLatencyIndex {
				continue // not a histogram attribute of this layout
			}
			n, err := int64Attr(item, name)
			if err != nil {
				return b, err
			}
			b.Hist[i] += n
		case len(name) == 3 && strings.HasPrefix(name, legacyHist):
			i, err := strconv.Atoi(name[1:])
			if err != nil || i < 0 || i > len(legacyBoundsMs) {
				continue
			}
			n, err := int64Attr(item, name)
			if err != nil {
				return b, err
			}
			b.Hist[store.LatencyIndex(store.MsToUs(legacyMidMs(i)))] += n
		}
	}
	return b, nil
}

// legacyMidMs is the latency a legacy histogram bucket is read as.
func legacyMidMs(i int) float64 {
	if i >= len(legacyBoundsMs) {
		return legacyBoundsMs[len(legacyBoundsMs)-1]
	}
	lower := 0.0
	if i > 0 {
		lower = legacyBoundsMs[i-1]
	}
	return (lower + legacyBoundsMs[i]) / 2
}
