package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchyard-llm/switchyard/internal/store"
)

const (
	pkCooldown    = "cooldown"
	pkInFlight    = "inflight"
	attrUntilMs   = "until_ms"
	attrCount     = "count"
	attrTarget    = "target"
	attrInstance  = "instance"
	attrExpiresMs = "expires_ms"
	attrProbeMs   = "probe_ms" // end of the probe lease on an ended cooldown
)

// SetCooldown writes (replaces) the target's cooldown. The whole item is
// replaced, so a probe lease on the previous cooldown goes with it. The
// item outlives its end by store.CooldownKeep (the half-open phase);
// readers filter on until_ms.
func (s *Store) SetCooldown(ctx context.Context, target string, until time.Time) error {
	item := key(pkCooldown, target)
	item[attrUntilMs] = &types.AttributeValueMemberN{Value: fmt.Sprint(until.UnixMilli())}
	item[attrExpires] = &types.AttributeValueMemberN{Value: fmt.Sprint(ttlSeconds(until.Add(store.CooldownKeep)))}
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.tables.State, Item: item}); err != nil {
		return fmt.Errorf("dynamo: set cooldown of %s: %w", target, err)
	}
	return nil
}

// ClearCooldown deletes the target's cooldown; clearing none is no error.
func (s *Store) ClearCooldown(ctx context.Context, target string) error {
	if _, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.tables.State, Key: key(pkCooldown, target)}); err != nil {
		return fmt.Errorf("dynamo: clear cooldown of %s: %w", target, err)
	}
	return nil
}

// Cooldowns Queries the cooldown partition and keeps those still running at
// now (millisecond precision).
func (s *Store) Cooldowns(ctx context.Context, now time.Time) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	err := s.queryState(ctx, pkCooldown, func(item map[string]types.AttributeValue) error {
		ms, err := int64Attr(item, attrUntilMs)
		if err != nil {
			return err
		}
		if ms > now.UnixMilli() {
			out[stringAttr(item, attrSK)] = time.UnixMilli(ms).UTC()
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dynamo: read cooldowns: %w", err)
	}
	return out, nil
}

// ClaimProbe is one conditional UpdateItem on the cooldown item: SET
// probe_ms if the item exists, its until_ms is not after now and no lease
// runs past now. DynamoDB evaluates the condition atomically per item, so
// of any number of instances claiming at once exactly one gets true.
func (s *Store) ClaimProbe(ctx context.Context, target string, now, leaseUntil time.Time) (bool, error) {
	nowMs := expression.Value(now.UnixMilli())
	probe := expression.Name(attrProbeMs)
	cond := expression.AttributeExists(expression.Name(attrPK)).
		And(expression.Name(attrUntilMs).LessThanEqual(nowMs)).
		And(expression.AttributeNotExists(probe).Or(probe.LessThanEqual(nowMs)))
	b := expression.NewBuilder().WithUpdate(expression.Set(probe, expression.Value(leaseUntil.UnixMilli()))).WithCondition(cond)
	_, err := s.update(ctx, s.tables.State, key(pkCooldown, target), b, nil)
	if _, failed := isConditionFailed(err); failed {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("dynamo: claim the probe of %s: %w", target, err)
	}
	return true, nil
}

// SetInFlight SETs this instance's count and refreshes its expiry
// in one UpdateItem. One item per target and instance keeps instances from
// contending on one hot item and lets a crashed instance's count expire.
func (s *Store) SetInFlight(ctx context.Context, instance, target string, count int64, expires time.Time) error {
	upd := expression.Set(expression.Name(attrCount), expression.Value(count)).
		Set(expression.Name(attrTarget), expression.Value(target)).
		Set(expression.Name(attrInstance), expression.Value(instance)).
		Set(expression.Name(attrExpiresMs), expression.Value(expires.UnixMilli()))
	upd = withExpiry(upd, expires)
	k := key(pkInFlight, target+"#"+instance)
	if _, err := s.update(ctx, s.tables.State, k, expression.NewBuilder().WithUpdate(upd), nil); err != nil {
		return fmt.Errorf("dynamo: set %d in flight on %s for %s: %w", count, target, instance, err)
	}
	return nil
}

// InFlightCounts Queries the in-flight partition and sums, per target, the
// positive counts of instances whose entry has not expired at now.
func (s *Store) InFlightCounts(ctx context.Context, now time.Time) (map[string]int64, error) {
	out := map[string]int64{}
	err := s.queryState(ctx, pkInFlight, func(item map[string]types.AttributeValue) error {
		exp, err := int64Attr(item, attrExpiresMs)
		if err != nil {
			return err
		}
		n, err := int64Attr(item, attrCount)
		if err != nil {
			return err
		}
		if exp > now.UnixMilli() && n > 0 {
			out[stringAttr(item, attrTarget)] += n
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dynamo: read in-flight counts: %w", err)
	}
	return out, nil
}

// queryState runs a consistent Query over one state-table partition.
func (s *Store) queryState(ctx context.Context, pk string, each func(map[string]types.AttributeValue) error) error {
	expr, err := expression.NewBuilder().WithKeyCondition(
		expression.Key(attrPK).Equal(expression.Value(pk))).Build()
	if err != nil {
		return fmt.Errorf("build expression: %w", err)
	}
	p := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
		TableName:                 &s.tables.State,
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ConsistentRead:            aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, item := range page.Items {
			if err := each(item); err != nil {
				return fmt.Errorf("item %s: %w", stringAttr(item, attrSK), err)
			}
		}
	}
	return nil
}
