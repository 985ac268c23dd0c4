package configsource_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// counting is a store that counts full config reads and version reads.
type counting struct {
	store.Store
	lists, versions atomic.Int64
}

func (c *counting) ListRecords(ctx context.Context) ([]store.Record, error) {
	c.lists.Add(1)
	return c.Store.ListRecords(ctx)
}

func (c *counting) ConfigVersion(ctx context.Context) (int64, error) {
	c.versions.Add(1)
	return c.Store.ConfigVersion(ctx)
}

// TestRefreshReadsRecordsOnlyWhenTheVersionMoves: every refresh reads the
// config version, and the records only when it moved (a put, a delete) or
// FullRefresh has passed, so a container's steady cost is one small read
// per refresh, not a Scan of the table with its snapshot. A change is
// still served at the next refresh, and an edit that moves no version
// within FullRefresh.
func TestRefreshReadsRecordsOnlyWhenTheVersionMoves(t *testing.T) {
	ds := dynamoStore(t)
	st := &counting{Store: ds}
	g := openGateway(t, st, baseYAML, 10*time.Second)
	ctx := context.Background()
	steps := []struct {
		name      string
		change    func() error
		advance   time.Duration
		lists     int64 // full reads made by this step
		versions  int64 // version reads made by this step
		wantReply string
	}{
		{"unchanged: one version read, no full read", nil, 11 * time.Second, 0, 1, "one"},
		{"still unchanged", nil, 11 * time.Second, 0, 1, "one"},
		{"a put moves the version: full read, served", func() error {
			return st.PutRecord(ctx, store.Record{Kind: store.KindProvider, Name: "m", Doc: map[string]any{"type": "mock", "reply": "two"}})
		}, 11 * time.Second, 1, 2, "two"},
		{"the snapshot that load stored moves no version", nil, 11 * time.Second, 0, 1, "two"},
		{"an edit that moves no version waits for the full refresh", func() error {
			return consoleEdit(ctx, ds, store.KindProvider, "m", map[string]any{"type": "mock", "reply": "three"})
		}, 11 * time.Second, 0, 1, "two"},
		{"and is served once FullRefresh has passed", nil, configsource.FullRefresh, 1, 2, "three"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.change != nil {
				if err := s.change(); err != nil {
					t.Fatal(err)
				}
			}
			lists, versions := st.lists.Load(), st.versions.Load()
			g.tick(s.advance)
			if got := st.lists.Load() - lists; got != s.lists {
				t.Errorf("%d full reads, want %d", got, s.lists)
			}
			if got := st.versions.Load() - versions; got != s.versions {
				t.Errorf("%d version reads, want %d", got, s.versions)
			}
			if got := g.reply(t, "router/r"); got != s.wantReply {
				t.Errorf("reply %q, want %q", got, s.wantReply)
			}
		})
	}
}

// dynamoStore is a DynamoDB store on a fresh dynalite.
func dynamoStore(t *testing.T) *dynamo.Store {
	t.Helper()
	client := testenv.DynamoClient(t, testenv.Dynalite(t), dynamo.FailFast)
	tables := dynamo.Tables{Config: "v-config", State: "v-state", Metrics: "v-metrics"}
	if err := dynamo.CreateTables(context.Background(), client, tables); err != nil {
		t.Fatalf("CreateTables: %v", err)
	}
	return dynamo.New(client, tables)
}

// consoleEdit replaces a record's doc with a bare PutItem, as an edit in
// the DynamoDB console does: the config version does not move.
func consoleEdit(ctx context.Context, s *dynamo.Store, kind, name string, doc map[string]any) error {
	av, err := attributevalue.Marshal(doc)
	if err != nil {
		return err
	}
	_, err = s.Client().PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Tables().Config), Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: kind}, "sk": &types.AttributeValueMemberS{Value: name},
		"doc": av, "version": &types.AttributeValueMemberN{Value: "7"},
	}})
	return err
}
