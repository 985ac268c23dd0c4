package aggregate_test

import (
	"context"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/aggregate"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// TestRunOnDynalite runs the same fixture through the DynamoDB store: what
// the aggregator Lambda reads and writes in production.
func TestRunOnDynalite(t *testing.T) {
	ctx := context.Background()
	client := testenv.DynamoClient(t, testenv.Dynalite(t), dynamo.FailFast)
	tables := dynamo.Tables{Config: "agg-config", State: "agg-state", Metrics: "agg-metrics"}
	if err := dynamo.CreateTables(ctx, client, tables); err != nil {
		t.Fatalf("CreateTables: %v", err)
	}
	s := dynamo.New(client, tables)
	load(t, s)
	got, err := aggregate.Run(ctx, s, now)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	compareStats(t, got, expected, now)
	stored, err := s.LoadStats(ctx)
	if err != nil {
		t.Fatalf("LoadStats: %v", err)
	}
	compareStats(t, stored, sortedLikeStore(expected), now)
}
