package dynamo_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// TestBucketItemShapes: a bucket written by this version holds integer
// microsecond sums and one lh<i> counter per non-empty latency bucket; a
// bucket written before (float ms sums, h00..h25 over fixed bounds) still
// reads, its sums in µs and each old histogram count at its bucket's
// midpoint, so an upgrade does not blank the last 48 h of figures.
func TestBucketItemShapes(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, testenv.Dynalite(t))
	s.SetMetricShard(0) // the partition buckets were written to before sharding
	minute := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

	if err := s.AddSample(ctx, store.Sample{Target: "new/m", Router: "r", Time: minute, Success: true, Final: true, LatencyMs: 0.3}); err != nil {
		t.Fatalf("AddSample: %v", err)
	}
	item := getItem(t, s.Client(), s.Tables().Metrics, "m#new/m|r", minute.Format(time.RFC3339))
	wantAttrs := map[string]string{"lat_us": "300", "gen_us": "300", "lh" + strconv.Itoa(store.LatencyIndex(300)): "1", "req": "1"}
	for name, want := range wantAttrs {
		n, ok := item[name].(*types.AttributeValueMemberN)
		if !ok || n.Value != want {
			t.Errorf("item %s = %#v, want N %s", name, item[name], want)
		}
	}
	for name := range item {
		if name == "lat" || (len(name) == 3 && name[0] == 'h') {
			t.Errorf("new item carries legacy attribute %s", name)
		}
	}

	// A legacy item, as the previous version wrote it: 40.5 ms and
	// 900.25 ms, in h04 (35–50 ms) and h12 (750–1000 ms).
	legacy := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "m#old/m|r"}, "sk": &types.AttributeValueMemberS{Value: minute.Format(time.RFC3339)},
		"req": num("2"), "ok": num("2"), "fin": num("2"), "srv": num("2"),
		"lat": num("940.75"), "gen": num("940.75"), "ttft": num("12.5"), "ttft_n": num("1"),
		"h04": num("1"), "h12": num("1"),
	}
	if _, err := s.Client().PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Tables().Metrics), Item: legacy}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	if _, err := s.Client().UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.Tables().Metrics),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "meta"}, "sk": &types.AttributeValueMemberS{Value: "subjects"}},
		UpdateExpression:          aws.String("ADD subjects :s"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberSS{Value: []string{"old/m|r"}}},
	}); err != nil {
		t.Fatalf("register legacy subject: %v", err)
	}
	got, err := s.Buckets(ctx, minute, minute.Add(time.Minute))
	if err != nil {
		t.Fatalf("Buckets: %v", err)
	}
	var old *store.Bucket
	for i := range got {
		if got[i].Subject == "old/m|r" {
			old = &got[i]
		}
	}
	if old == nil {
		t.Fatalf("legacy bucket not read back: %+v", got)
	}
	if old.LatencyUs != 940750 || old.GenUs != 940750 || old.TTFTUs != 12500 || old.Requests != 2 {
		t.Errorf("legacy sums = lat %d gen %d ttft %d µs, req %d; want 940750, 940750, 12500, 2", old.LatencyUs, old.GenUs, old.TTFTUs, old.Requests)
	}
	want := map[int]int64{store.LatencyIndex(42500): 1, store.LatencyIndex(875000): 1}
	if len(old.Hist) != len(want) || old.Hist[store.LatencyIndex(42500)] != 1 || old.Hist[store.LatencyIndex(875000)] != 1 {
		t.Errorf("legacy histogram = %v, want %v (counts at the old buckets' midpoints, 42.5 and 875 ms)", old.Hist, want)
	}
}

func num(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

// TestBucketShards: containers writing the same subject and minute from
// different shards write different items (so no one item takes every
// container's writes), and Buckets sums the shards back into one bucket.
func TestBucketShards(t *testing.T) {
	ctx := context.Background()
	endpoint := testenv.Dynalite(t)
	reader := newStore(t, endpoint)
	minute := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	shards := []int{0, 3, 7, 3}
	for i, k := range shards {
		w := dynamo.New(reader.Client(), reader.Tables())
		w.SetMetricShard(k)
		b := store.BucketOf(store.Sample{Target: "p/m", Router: "r", Time: minute.Add(time.Duration(i) * time.Second),
			Success: true, Final: true, LatencyMs: float64(10 * (i + 1)), TokensOut: 5})
		if err := w.AddBuckets(ctx, []store.Bucket{b}); err != nil {
			t.Fatalf("AddBuckets (shard %d): %v", k, err)
		}
	}
	for _, pk := range []string{"m#p/m|r", "m3#p/m|r", "m7#p/m|r"} {
		item := getItem(t, reader.Client(), reader.Tables().Metrics, pk, minute.Format(time.RFC3339))
		if item == nil {
			t.Errorf("no bucket item %s", pk)
		}
	}
	if item := getItem(t, reader.Client(), reader.Tables().Metrics, "m3#p/m|r", minute.Format(time.RFC3339)); item != nil {
		if n, _ := item["req"].(*types.AttributeValueMemberN); n == nil || n.Value != "2" {
			t.Errorf("shard 3 holds req %#v, want 2 (two writers)", item["req"])
		}
	}
	got, err := reader.Buckets(ctx, minute, minute.Add(time.Minute))
	if err != nil {
		t.Fatalf("Buckets: %v", err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d buckets, want the shards summed into 1: %+v", len(got), got)
	}
	b := got[0]
	if b.Requests != 4 || b.Served != 4 || b.TokensOut != 20 || b.LatencyUs != 100_000 {
		t.Errorf("summed bucket %+v, want 4 requests, 4 served, 20 tokens out, 100 ms of latency", b)
	}
}

func getItem(t *testing.T, c *dynamodb.Client, table, pk, sk string) map[string]types.AttributeValue {
	t.Helper()
	out, err := c.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk}}})
	if err != nil {
		t.Fatalf("GetItem %s/%s: %v", pk, sk, err)
	}
	if out.Item == nil {
		t.Fatalf("no item %s/%s", pk, sk)
	}
	return out.Item
}
