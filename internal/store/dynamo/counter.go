package dynamo

import (
	"context"
	"strings"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// CallCounter counts DynamoDB operations per operation name, for tests
// and benchmarks that hold the store to a call budget ("a warm request
// makes no DynamoDB read"). Install it when building the client:
//
//	var calls dynamo.CallCounter
//	client := dynamodb.NewFromConfig(cfg, dynamo.FailFast, calls.Options)
//	// or: dynamo.NewFromEnv(ctx, calls.Options)
//
// It counts operations as the application issues them (each paginator
// page is one), not HTTP attempts: SDK retries of one call count once.
// The zero value is ready to use and safe for concurrent use.
//
// It also counts calls per item (Keys, and writes alone in KeyWrites):
// DynamoDB serves about 1,000 writes a second to one item, so the hottest
// item bounds a deployment.
type CallCounter struct {
	mu    sync.Mutex
	calls map[string]int64
	keys  map[ItemKey]int64
}

// ItemKey names one item an operation addressed: the operation, the table
// and the item's primary key. Scan and Query address a partition or a
// table, not an item: their Key is the partition ("pk=..." for a Query's
// single equality value, "" for a Scan).
type ItemKey struct {
	Op, Table, PK, SK string
}

// Options is a dynamodb.Options function that installs the counter as an
// APIOptions middleware.
func (c *CallCounter) Options(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		// After: the operation's own initialize middlewares, which record
		// the operation name, run first.
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("SwitchyardCallCounter",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				op := awsmiddleware.GetOperationName(ctx)
				c.add(op, itemKeys(op, in.Parameters))
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
}

func (c *CallCounter) add(op string, keys []ItemKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int64{}
		c.keys = map[ItemKey]int64{}
	}
	c.calls[op]++
	for _, k := range keys {
		c.keys[k]++
	}
}

// itemKeys lists the items (or, for Query and Scan, the partition or
// table) one operation's input addresses.
func itemKeys(op string, params any) []ItemKey {
	one := func(table *string, key map[string]types.AttributeValue) []ItemKey {
		return []ItemKey{{Op: op, Table: deref(table), PK: keyString(key, attrPK), SK: keyString(key, attrSK)}}
	}
	switch in := params.(type) {
	case *dynamodb.UpdateItemInput:
		return one(in.TableName, in.Key)
	case *dynamodb.PutItemInput:
		return one(in.TableName, in.Item)
	case *dynamodb.DeleteItemInput:
		return one(in.TableName, in.Key)
	case *dynamodb.GetItemInput:
		return one(in.TableName, in.Key)
	case *dynamodb.QueryInput:
		return []ItemKey{{Op: op, Table: deref(in.TableName), PK: queryPartition(in)}}
	case *dynamodb.ScanInput:
		return []ItemKey{{Op: op, Table: deref(in.TableName)}}
	case *dynamodb.BatchWriteItemInput:
		var out []ItemKey
		for table, reqs := range in.RequestItems {
			for _, r := range reqs {
				if r.PutRequest != nil {
					out = append(out, ItemKey{Op: op, Table: table, PK: keyString(r.PutRequest.Item, attrPK), SK: keyString(r.PutRequest.Item, attrSK)})
				} else if r.DeleteRequest != nil {
					out = append(out, ItemKey{Op: op, Table: table, PK: keyString(r.DeleteRequest.Key, attrPK), SK: keyString(r.DeleteRequest.Key, attrSK)})
				}
			}
		}
		return out
	case *dynamodb.TransactWriteItemsInput:
		var out []ItemKey
		for _, it := range in.TransactItems {
			switch {
			case it.Update != nil:
				out = append(out, ItemKey{Op: op, Table: deref(it.Update.TableName), PK: keyString(it.Update.Key, attrPK), SK: keyString(it.Update.Key, attrSK)})
			case it.Put != nil:
				out = append(out, ItemKey{Op: op, Table: deref(it.Put.TableName), PK: keyString(it.Put.Item, attrPK), SK: keyString(it.Put.Item, attrSK)})
			case it.Delete != nil:
				out = append(out, ItemKey{Op: op, Table: deref(it.Delete.TableName), PK: keyString(it.Delete.Key, attrPK), SK: keyString(it.Delete.Key, attrSK)})
			case it.ConditionCheck != nil:
				out = append(out, ItemKey{Op: op, Table: deref(it.ConditionCheck.TableName), PK: keyString(it.ConditionCheck.Key, attrPK), SK: keyString(it.ConditionCheck.Key, attrSK)})
			}
		}
		return out
	}
	return nil
}

// queryPartition is the value a Query's key condition compares pk with
// ("#0 = :0" as the expression builder writes it), "" when not found.
func queryPartition(in *dynamodb.QueryInput) string {
	cond := deref(in.KeyConditionExpression)
	for name, attr := range in.ExpressionAttributeNames {
		if attr != attrPK {
			continue
		}
		_, rest, ok := strings.Cut(cond, name+" = ")
		if !ok {
			return ""
		}
		placeholder, _, _ := strings.Cut(rest, " ")
		placeholder = strings.TrimRight(placeholder, ")")
		if s, ok := in.ExpressionAttributeValues[placeholder].(*types.AttributeValueMemberS); ok {
			return s.Value
		}
	}
	return ""
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func keyString(key map[string]types.AttributeValue, name string) string {
	if s, ok := key[name].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// Keys returns a copy of the counts per item key (see ItemKey).
func (c *CallCounter) Keys() map[ItemKey]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[ItemKey]int64, len(c.keys))
	for k, v := range c.keys {
		out[k] = v
	}
	return out
}

// KeyWrites returns the single-item writes (UpdateItem, PutItem,
// DeleteItem) per item, keyed "pk/sk" ("budget/monthly#2026-11"), over
// every table.
func (c *CallCounter) KeyWrites() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int64{}
	for k, v := range c.keys {
		switch k.Op {
		case "UpdateItem", "PutItem", "DeleteItem":
			if k.PK != "" && k.SK != "" {
				out[k.PK+"/"+k.SK] += v
			}
		}
	}
	return out
}

// Count returns the number of calls of one operation ("UpdateItem").
func (c *CallCounter) Count(op string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[op]
}

// Total returns the number of calls of every operation.
func (c *CallCounter) Total() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int64
	for _, v := range c.calls {
		n += v
	}
	return n
}

// Snapshot returns a copy of the counts by operation.
func (c *CallCounter) Snapshot() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.calls))
	for k, v := range c.calls {
		out[k] = v
	}
	return out
}

// Reset sets every count to zero.
func (c *CallCounter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = nil
	c.keys = nil
}
