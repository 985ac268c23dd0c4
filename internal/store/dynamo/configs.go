package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchyard-llm/switchyard/internal/store"
)

const (
	attrDoc       = "doc"
	attrVersion   = "version"
	attrUpdatedAt = "updated_at"
	// pkConfigVersion/skConfigVersion is the config version item (see
	// ConfigVersion). "config" is no record kind, so no record has its key.
	pkConfigVersion = "config"
	skConfigVersion = "#version"
)

// ListRecords scans the config table. It holds only config records (tens
// to hundreds of small items), and the gateway caches the result, so a
// Scan here is the right tool rather than a cost.
func (s *Store) ListRecords(ctx context.Context) ([]store.Record, error) {
	var out []store.Record
	p := dynamodb.NewScanPaginator(s.client, &dynamodb.ScanInput{
		TableName:      &s.tables.Config,
		ConsistentRead: aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("dynamo: list config records: %w", err)
		}
		for _, item := range page.Items {
			if stringAttr(item, attrPK) == pkConfigVersion {
				continue // the version item, not a record
			}
			r, err := decodeRecord(item)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// PutRecord replaces the record's doc and adds 1 to its version in one
// UpdateItem, so two concurrent puts both count.
func (s *Store) PutRecord(ctx context.Context, r store.Record) error {
	if r.Kind == "" || r.Name == "" {
		return fmt.Errorf("dynamo: put record: kind and name are required (got %q/%q)", r.Kind, r.Name)
	}
	doc := r.Doc
	if doc == nil {
		doc = map[string]any{} // a NULL doc would not read back as a map
	}
	updated := r.UpdatedAt
	if updated.IsZero() {
		updated = s.now()
	}
	upd := expression.Set(expression.Name(attrDoc), expression.Value(doc)).
		Set(expression.Name(attrUpdatedAt), expression.Value(updated.UTC().Format(time.RFC3339Nano))).
		Add(expression.Name(attrVersion), expression.Value(1))
	if _, err := s.update(ctx, s.tables.Config, key(r.Kind, r.Name), expression.NewBuilder().WithUpdate(upd), nil); err != nil {
		return fmt.Errorf("dynamo: put %s/%s: %w", r.Kind, r.Name, err)
	}
	return s.bumpVersion(ctx, r.Kind, r.Name)
}

// bumpVersion adds 1 to the config version item after a config record
// changed. It comes right after the record's write (dynalite has no
// transactions): if it fails the error says so, and readers still see the
// change within FullRefresh (configsource), when they read every record.
func (s *Store) bumpVersion(ctx context.Context, kind, name string) error {
	if kind == store.KindSnapshot {
		return nil // not config: readers need not re-read for it
	}
	upd := expression.Add(expression.Name(attrVersion), expression.Value(1)).
		Set(expression.Name(attrUpdatedAt), expression.Value(s.now().UTC().Format(time.RFC3339Nano)))
	if _, err := s.update(ctx, s.tables.Config, key(pkConfigVersion, skConfigVersion), expression.NewBuilder().WithUpdate(upd), nil); err != nil {
		return fmt.Errorf("dynamo: %s/%s written, but the config version not bumped (instances see it within minutes): %w", kind, name, err)
	}
	return nil
}

// ConfigVersion is one eventually consistent GetItem of the version item
// (a few dozen bytes: half a read unit). A read that lags a bump by a
// moment only delays the re-read to the next poll.
func (s *Store) ConfigVersion(ctx context.Context) (int64, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.tables.Config,
		Key:       key(pkConfigVersion, skConfigVersion),
	})
	if err != nil {
		return 0, fmt.Errorf("dynamo: read config version: %w", err)
	}
	v, err := int64Attr(out.Item, attrVersion)
	if err != nil {
		return 0, fmt.Errorf("dynamo: config version: %w", err)
	}
	return v, nil
}

// DeleteRecord deletes with a condition that the item exists, so a missing
// record is reported without a read first.
func (s *Store) DeleteRecord(ctx context.Context, kind, name string) error {
	expr, err := expression.NewBuilder().
		WithCondition(expression.AttributeExists(expression.Name(attrPK))).Build()
	if err != nil {
		return fmt.Errorf("dynamo: delete %s/%s: build expression: %w", kind, name, err)
	}
	_, err = s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                &s.tables.Config,
		Key:                      key(kind, name),
		ConditionExpression:      expr.Condition(),
		ExpressionAttributeNames: expr.Names(),
	})
	if _, ok := isConditionFailed(err); ok {
		return fmt.Errorf("dynamo: delete %s/%s: %w", kind, name, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("dynamo: delete %s/%s: %w", kind, name, err)
	}
	return s.bumpVersion(ctx, kind, name)
}

func decodeRecord(item map[string]types.AttributeValue) (store.Record, error) {
	var r store.Record
	r.Kind, r.Name = stringAttr(item, attrPK), stringAttr(item, attrSK)
	fail := func(what string, err error) (store.Record, error) {
		return store.Record{}, fmt.Errorf("dynamo: config record %s/%s: %s: %w", r.Kind, r.Name, what, err)
	}
	var doc map[string]any
	if av, ok := item[attrDoc]; ok {
		if err := attributevalue.UnmarshalWithOptions(av, &doc, func(o *attributevalue.DecoderOptions) {
			o.UseNumber = true
		}); err != nil {
			return fail("decode doc", err)
		}
	}
	if doc == nil {
		doc = map[string]any{}
	}
	r.Doc = plainNumbers(doc).(map[string]any)
	v, err := int64Attr(item, attrVersion)
	if err != nil {
		return fail("version", err)
	}
	r.Version = v
	if ts := stringAttr(item, attrUpdatedAt); ts != "" {
		if r.UpdatedAt, err = time.Parse(time.RFC3339Nano, ts); err != nil {
			return fail("updated_at", err)
		}
	}
	return r, nil
}

// plainNumbers turns DynamoDB numbers into the Go types a YAML decoder
// produces (int for integers, float64 otherwise), so a record reads back
// as the same document it was written from; float64 for everything would
// silently round integers above 2^53.
func plainNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = plainNumbers(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = plainNumbers(e)
		}
		return x
	case attributevalue.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			if i >= math.MinInt && i <= math.MaxInt {
				return int(i)
			}
			return i
		}
		if f, err := strconv.ParseFloat(string(x), 64); err == nil {
			return f
		}
		return string(x) // beyond float64: keep the digits rather than lose them
	default:
		return v
	}
}

func stringAttr(item map[string]types.AttributeValue, name string) string {
	if s, ok := item[name].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// int64Attr returns a number attribute, 0 when absent.
func int64Attr(item map[string]types.AttributeValue, name string) (int64, error) {
	av, ok := item[name]
	if !ok {
		return 0, nil
	}
	n, ok := av.(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("attribute %s is %T, want a number", name, av)
	}
	i, err := strconv.ParseInt(n.Value, 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		// DynamoDB adds with 38 digits: a counter past the int64 range
		// (a budget counter charged absurd amounts) reads as its bound,
		// as the memory store saturates it, rather than as unreadable.
		return i, nil
	}
	if err != nil {
		return 0, fmt.Errorf("attribute %s: %w", name, err)
	}
	return i, nil
}

// float64Attr returns a number attribute, 0 when absent.
func float64Attr(item map[string]types.AttributeValue, name string) (float64, error) {
	av, ok := item[name]
	if !ok {
		return 0, nil
	}
	n, ok := av.(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("attribute %s is %T, want a number", name, av)
	}
	f, err := strconv.ParseFloat(n.Value, 64)
	if err != nil {
		return 0, fmt.Errorf("attribute %s: %w", name, err)
	}
	return f, nil
}
