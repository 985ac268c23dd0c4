package dynamo

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// TestSubjectsSetRepairs empties the subjects item under a running store,
// as restarting an emulator beside `gateway serve` does, and checks that
// the store's buckets become visible again within registerRefresh.
func TestSubjectsSetRepairs(t *testing.T) {
	ctx := context.Background()
	client := testenv.DynamoClient(t, testenv.Dynalite(t), FailFast)
	tables := Tables{Config: "reg-config", State: "reg-state", Metrics: "reg-metrics"}
	if err := CreateTables(ctx, client, tables); err != nil {
		t.Fatalf("CreateTables: %v", err)
	}
	clock := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	s := New(client, tables)
	s.now = func() time.Time { return clock }

	sample := func() {
		t.Helper()
		err := s.AddSample(ctx, store.Sample{Target: "a/m", Router: "fb", Time: clock, Success: true, Final: true, LatencyMs: 10})
		if err != nil {
			t.Fatalf("AddSample: %v", err)
		}
	}
	visible := func() int {
		t.Helper()
		bs, err := s.Buckets(ctx, clock.Add(-time.Hour), clock.Add(time.Hour))
		if err != nil {
			t.Fatalf("Buckets: %v", err)
		}
		return len(bs)
	}

	sample()
	if _, err := client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &tables.Metrics, Key: key(pkMeta, skSubjects)}); err != nil {
		t.Fatalf("DeleteItem: %v", err)
	}
	steps := []struct {
		name    string
		advance time.Duration
		want    int
	}{
		{"within the refresh period the lost subject stays unseen", time.Minute, 0},
		{"after it the next sample registers it again", registerRefresh, 3},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			clock = clock.Add(st.advance)
			sample()
			if n := visible(); n != st.want {
				t.Errorf("Buckets found %d buckets, want %d", n, st.want)
			}
		})
	}
}
