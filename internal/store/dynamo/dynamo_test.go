package dynamo_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/store/storetest"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

var tableSeq atomic.Int64

// freshTables names three tables no other test in this process uses.
func freshTables() dynamo.Tables {
	p := fmt.Sprintf("t%d", tableSeq.Add(1))
	return dynamo.Tables{Config: p + "-config", State: p + "-state", Metrics: p + "-metrics"}
}

// newStore creates fresh tables on endpoint and a fail-fast store on them.
func newStore(t *testing.T, endpoint string, optFns ...func(*dynamodb.Options)) *dynamo.Store {
	t.Helper()
	client := testenv.DynamoClient(t, endpoint, append([]func(*dynamodb.Options){dynamo.FailFast}, optFns...)...)
	tables := freshTables()
	if err := dynamo.CreateTables(context.Background(), client, tables); err != nil {
		t.Fatalf("CreateTables: %v", err)
	}
	return dynamo.New(client, tables)
}

func TestConformance(t *testing.T) {
	endpoint := testenv.Dynalite(t)
	storetest.Run(t, func(t *testing.T) store.Store { return newStore(t, endpoint) })
}

func TestConfigRecordIsANativeMap(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, testenv.Dynalite(t))
	doc := map[string]any{
		"strategy": "fallback",
		"targets": []any{
			map[string]any{"model": "openai/gpt-4o-mini", "weight": 3},
			map[string]any{"model": "anthropic/claude", "params": map[string]any{"temperature": 0.2}},
		},
		"sticky": true,
	}
	for i := 0; i < 2; i++ {
		if err := s.PutRecord(ctx, store.Record{Kind: store.KindRouter, Name: "fb", Doc: doc}); err != nil {
			t.Fatalf("PutRecord: %v", err)
		}
	}
	out, err := s.Client().GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.Tables().Config),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "router"},
			"sk": &types.AttributeValueMemberS{Value: "fb"},
		},
	})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	item := out.Item
	docM, ok := item["doc"].(*types.AttributeValueMemberM)
	if !ok {
		t.Fatalf("doc is %T, want a native map (M)", item["doc"])
	}
	targets, ok := docM.Value["targets"].(*types.AttributeValueMemberL)
	if !ok || len(targets.Value) != 2 {
		t.Fatalf("doc.targets is %#v, want a list (L) of 2", docM.Value["targets"])
	}
	first, ok := targets.Value[0].(*types.AttributeValueMemberM)
	if !ok {
		t.Fatalf("doc.targets[0] is %T, want M", targets.Value[0])
	}
	checks := []struct {
		path string
		av   types.AttributeValue
		want types.AttributeValue
	}{
		{"doc.strategy", docM.Value["strategy"], &types.AttributeValueMemberS{Value: "fallback"}},
		{"doc.sticky", docM.Value["sticky"], &types.AttributeValueMemberBOOL{Value: true}},
		{"doc.targets[0].weight", first.Value["weight"], &types.AttributeValueMemberN{Value: "3"}},
		{"version", item["version"], &types.AttributeValueMemberN{Value: "2"}},
	}
	for _, c := range checks {
		t.Run(c.path, func(t *testing.T) {
			if fmt.Sprintf("%#v", c.av) != fmt.Sprintf("%#v", c.want) {
				t.Errorf("%s = %#v, want %#v", c.path, c.av, c.want)
			}
		})
	}
	ts, ok := item["updated_at"].(*types.AttributeValueMemberS)
	if !ok {
		t.Fatalf("updated_at is %T, want S", item["updated_at"])
	}
	if _, err := time.Parse(time.RFC3339, ts.Value); err != nil {
		t.Errorf("updated_at %q is not RFC 3339: %v", ts.Value, err)
	}
}

func TestCreateTables(t *testing.T) {
	ctx := context.Background()
	client := testenv.DynamoClient(t, testenv.Dynalite(t), dynamo.FailFast)
	tables := freshTables()
	for i := 0; i < 2; i++ { // the second run finds them and does nothing
		if err := dynamo.CreateTables(ctx, client, tables); err != nil {
			t.Fatalf("CreateTables run %d: %v", i+1, err)
		}
	}
	for _, spec := range dynamo.TableDefinitions(tables) {
		t.Run(spec.Role, func(t *testing.T) {
			out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: spec.Create.TableName})
			if err != nil {
				t.Fatalf("DescribeTable: %v", err)
			}
			tbl := out.Table
			if tbl.TableStatus != types.TableStatusActive {
				t.Errorf("status %s, want ACTIVE", tbl.TableStatus)
			}
			var schema []string
			for _, k := range tbl.KeySchema {
				schema = append(schema, aws.ToString(k.AttributeName)+":"+string(k.KeyType))
			}
			if fmt.Sprint(schema) != "[pk:HASH sk:RANGE]" {
				t.Errorf("key schema %v, want [pk:HASH sk:RANGE]", schema)
			}
			if tbl.BillingModeSummary == nil || tbl.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
				t.Errorf("billing mode %+v, want PAY_PER_REQUEST", tbl.BillingModeSummary)
			}
			wantTTL := spec.Role != "config"
			if (spec.TTLAttribute == "expires_at") != wantTTL {
				t.Errorf("TTL attribute %q; want expires_at on state and metrics only", spec.TTLAttribute)
			}
		})
	}
}

// TestCallBudget holds the store to the DynamoDB calls doc.go promises:
// one write per sample once a subject is registered, and bucket reads by
// Query per subject, never a Scan.
func TestCallBudget(t *testing.T) {
	ctx := context.Background()
	var calls dynamo.CallCounter
	s := newStore(t, testenv.Dynalite(t), calls.Options)
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	subjects := []store.Sample{
		{Target: "openai/gpt-4o", Router: "fb"},
		{Target: "anthropic/claude", Router: "fb"},
		{Target: "demo/echo"},
	}
	for _, smp := range subjects {
		smp.Time, smp.Success, smp.Final, smp.LatencyMs = at, true, true, 120
		if err := s.AddSample(ctx, smp); err != nil {
			t.Fatalf("AddSample: %v", err)
		}
	}

	steps := []struct {
		name string
		run  func() error
		want map[string]int64
	}{
		{"warm samples are one UpdateItem each", func() error {
			for i := 0; i < 10; i++ {
				smp := subjects[i%len(subjects)]
				smp.Time, smp.Success, smp.LatencyMs = at.Add(time.Duration(i)*time.Minute), true, 80
				if err := s.AddSample(ctx, smp); err != nil {
					return err
				}
			}
			return nil
		}, map[string]int64{"UpdateItem": 10}},
		{"buckets are one GetItem and a Query per subject and shard", func() error {
			bs, err := s.Buckets(ctx, at, at.Add(24*time.Hour))
			if err == nil && len(bs) != 12 {
				err = fmt.Errorf("got %d buckets, want 12", len(bs))
			}
			return err
		}, map[string]int64{"GetItem": 1, "Query": 3 * dynamo.MetricShards}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			calls.Reset()
			if err := st.run(); err != nil {
				t.Fatal(err)
			}
			if got := calls.Snapshot(); fmt.Sprint(got) != fmt.Sprint(st.want) {
				t.Errorf("DynamoDB calls = %v, want %v", got, st.want)
			}
		})
	}
}

func TestNewFromEnv(t *testing.T) {
	endpoint := testenv.Dynalite(t)
	tables := freshTables()
	dir := t.TempDir()
	env := map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB":   endpoint,
		"AWS_REGION":                  "us-east-1",
		"AWS_ACCESS_KEY_ID":           "AKIDTEST",
		"AWS_SECRET_ACCESS_KEY":       "secret",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             dir + "/config",
		"AWS_SHARED_CREDENTIALS_FILE": dir + "/credentials",
		"AWS_EC2_METADATA_DISABLED":   "true",
		dynamo.EnvConfigTable:         tables.Config,
		dynamo.EnvStateTable:          tables.State,
		dynamo.EnvMetricsTable:        "",
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	ctx := context.Background()
	if _, err := dynamo.NewFromEnv(ctx); err == nil {
		t.Fatal("NewFromEnv with SWITCHYARD_METRICS_TABLE unset succeeded; want an error naming it")
	}
	t.Setenv(dynamo.EnvMetricsTable, tables.Metrics)
	s, err := dynamo.NewFromEnv(ctx)
	if err != nil {
		t.Fatalf("NewFromEnv: %v", err)
	}
	if s.Tables() != tables {
		t.Errorf("tables = %+v, want %+v", s.Tables(), tables)
	}
	if err := dynamo.CreateTables(ctx, s.Client(), s.Tables()); err != nil {
		t.Fatalf("CreateTables: %v", err)
	}
	if _, err := s.Reserve(ctx, "monthly#2026-11", 5, 10, time.Time{}); err != nil {
		t.Fatalf("Reserve through the env-built client: %v", err)
	}
}
