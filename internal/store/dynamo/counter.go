package dynamo

import (
	"context"
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
// It also counts writes per item (KeyWrites): DynamoDB serves about 1,000
// writes a second to one item, so the hottest item bounds a deployment.
type CallCounter struct {
	mu    sync.Mutex
	calls map[string]int64
	items map[string]int64 // "pk/sk" -> writes
}

// Options is a dynamodb.Options function that installs the counter as an
// APIOptions middleware.
func (c *CallCounter) Options(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		// After: the operation's own initialize middlewares, which record
		// the operation name, run first.
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("SwitchyardCallCounter",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				c.add(awsmiddleware.GetOperationName(ctx), writtenItem(in.Parameters))
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
}

func (c *CallCounter) add(op, item string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int64{}
		c.items = map[string]int64{}
	}
	c.calls[op]++
	if item != "" {
		c.items[item]++
	}
}

// writtenItem is "pk/sk" of the item a single-item write targets, "" for
// any other operation.
func writtenItem(params any) string {
	var k map[string]types.AttributeValue
	switch in := params.(type) {
	case *dynamodb.UpdateItemInput:
		k = in.Key
	case *dynamodb.PutItemInput:
		k = in.Item
	case *dynamodb.DeleteItemInput:
		k = in.Key
	default:
		return ""
	}
	pk, _ := k[attrPK].(*types.AttributeValueMemberS)
	sk, _ := k[attrSK].(*types.AttributeValueMemberS)
	if pk == nil || sk == nil {
		return ""
	}
	return pk.Value + "/" + sk.Value
}

// KeyWrites returns the writes (UpdateItem, PutItem, DeleteItem) per item,
// keyed "pk/sk" ("budget/monthly#2026-11").
func (c *CallCounter) KeyWrites() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.items))
	for k, v := range c.items {
		out[k] = v
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
	c.items = nil
}
