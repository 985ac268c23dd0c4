package dynamo

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchyard-llm/switchyard/internal/store"
)

const (
	pkStats = "stats"
	// StatsTTL drops the stats of a subject the aggregator stopped
	// updating (a removed target), so routing does not use them forever.
	StatsTTL = 48 * time.Hour
	// batchSize is BatchWriteItem's limit.
	batchSize = 25
	// maxBatchRounds bounds resubmitting unprocessed items (throttling).
	maxBatchRounds = 5
)

// jsonTags makes attribute names the Stats JSON field names, so the items
// read the same as GET /v1/metrics.
func jsonTags(o *attributevalue.EncoderOptions) { o.TagKey = "json" }

// PutStats writes each stats item whole (replacing the previous one) with
// BatchWriteItem, 25 at a time. Within one call the last stats for a
// subject and window wins.
func (s *Store) PutStats(ctx context.Context, stats []store.Stats) error {
	byKey := map[string]int{}
	var reqs []types.WriteRequest
	for _, st := range stats {
		item, err := attributevalue.MarshalMapWithOptions(st, jsonTags)
		if err != nil {
			return fmt.Errorf("dynamo: encode stats %s/%s: %w", st.Subject, st.Window, err)
		}
		sk := st.Subject + "#" + st.Window
		item[attrPK] = &types.AttributeValueMemberS{Value: pkStats}
		item[attrSK] = &types.AttributeValueMemberS{Value: sk}
		anchor := st.UpdatedAt
		if now := s.now(); anchor.Before(now) {
			anchor = now // old test or replayed stats must not expire at once
		}
		item[attrExpires] = &types.AttributeValueMemberN{Value: fmt.Sprint(ttlSeconds(anchor.Add(StatsTTL)))}
		req := types.WriteRequest{PutRequest: &types.PutRequest{Item: item}}
		// BatchWriteItem rejects duplicate keys in one request.
		if i, dup := byKey[sk]; dup {
			reqs[i] = req
			continue
		}
		byKey[sk] = len(reqs)
		reqs = append(reqs, req)
	}
	for len(reqs) > 0 {
		n := min(batchSize, len(reqs))
		if err := s.batchWrite(ctx, reqs[:n]); err != nil {
			return err
		}
		reqs = reqs[n:]
	}
	return nil
}

func (s *Store) batchWrite(ctx context.Context, reqs []types.WriteRequest) error {
	pending := map[string][]types.WriteRequest{s.tables.Metrics: reqs}
	for round := 0; ; round++ {
		out, err := s.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
		if err != nil {
			return fmt.Errorf("dynamo: write stats: %w", err)
		}
		if len(out.UnprocessedItems[s.tables.Metrics]) == 0 {
			return nil
		}
		if round+1 >= maxBatchRounds {
			return fmt.Errorf("dynamo: write stats: %d items still unprocessed after %d rounds", len(out.UnprocessedItems[s.tables.Metrics]), maxBatchRounds)
		}
		pending = out.UnprocessedItems
		// Unprocessed items mean throttling; back off before resubmitting.
		select {
		case <-ctx.Done():
			return fmt.Errorf("dynamo: write stats: %w", ctx.Err())
		case <-time.After(time.Duration(50<<round) * time.Millisecond):
		}
	}
}

// LoadStats Queries the stats partition (one item per subject and window).
func (s *Store) LoadStats(ctx context.Context) ([]store.Stats, error) {
	expr, err := expression.NewBuilder().WithKeyCondition(
		expression.Key(attrPK).Equal(expression.Value(pkStats))).Build()
	if err != nil {
		return nil, fmt.Errorf("dynamo: load stats: build expression: %w", err)
	}
	p := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
		TableName:                 &s.tables.Metrics,
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ConsistentRead:            aws.Bool(true),
	})
	var out []store.Stats
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("dynamo: load stats: %w", err)
		}
		for _, item := range page.Items {
			var st store.Stats
			if err := attributevalue.UnmarshalMapWithOptions(item, &st, func(o *attributevalue.DecoderOptions) {
				o.TagKey = "json"
			}); err != nil {
				return nil, fmt.Errorf("dynamo: decode stats %s: %w", stringAttr(item, attrSK), err)
			}
			out = append(out, st)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Subject != out[j].Subject {
			return out[i].Subject < out[j].Subject
		}
		return out[i].Window < out[j].Window
	})
	return out, nil
}
