package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchyard-llm/switchyard/internal/store"
)

// Lease records live in the state table, one item per lease: pk
// "lease#<counter>", sk the holder. A counter's leases share a partition
// key so that a reclaimer lists them with one Query; each holder writes
// only its own item, so reports never contend on the counter's item.
const (
	pkLeasePrefix     = "lease#"
	attrGranted       = "granted"
	attrUsed          = "used"
	attrSeq           = "seq"
	attrLeaseEndMs    = "lease_expires_ms"
	attrCounterExpire = "counter_expires"
)

// TakeLease is Reserve's conditional ADD on the counter followed by a
// PutItem of the lease record. The counter goes first: if the process dies
// between the two writes, the headroom stays counted as spent (an
// overstatement); the other order could leave a lease record whose
// return would release headroom never taken.
func (s *Store) TakeLease(ctx context.Context, l store.Lease, limit int64) (int64, error) {
	total, err := s.Reserve(ctx, l.Counter, l.Granted, limit, l.CounterExpires)
	if err != nil {
		return total, err
	}
	item := key(pkLeasePrefix+l.Counter, l.Holder)
	item[attrGranted] = &types.AttributeValueMemberN{Value: fmt.Sprint(l.Granted)}
	item[attrUsed] = &types.AttributeValueMemberN{Value: fmt.Sprint(l.Used)}
	item[attrSeq] = &types.AttributeValueMemberN{Value: fmt.Sprint(l.Seq)}
	item[attrLeaseEndMs] = &types.AttributeValueMemberN{Value: fmt.Sprint(l.Expires.UnixMilli())}
	if !l.CounterExpires.IsZero() {
		item[attrCounterExpire] = &types.AttributeValueMemberN{Value: fmt.Sprint(l.CounterExpires.UnixMilli())}
		// DynamoDB's TTL must not delete a lease before anyone reclaims
		// it: the record goes with its counter, not with the lease.
		item[attrExpires] = &types.AttributeValueMemberN{Value: fmt.Sprint(ttlSeconds(l.CounterExpires))}
	}
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.tables.State, Item: item}); err != nil {
		return total, fmt.Errorf("dynamo: record lease %s of %s (its %d µUSD stay counted): %w", l.Holder, l.Counter, l.Granted, err)
	}
	return total, nil
}

// ReportLease SETs used and seq if the lease is open and seq is newer, so
// reports that arrive out of order never move used backwards.
func (s *Store) ReportLease(ctx context.Context, l store.Lease) error {
	upd := expression.Set(expression.Name(attrUsed), expression.Value(l.Used)).
		Set(expression.Name(attrSeq), expression.Value(l.Seq))
	cond := expression.AttributeExists(expression.Name(attrPK)).
		And(expression.Name(attrSeq).LessThan(expression.Value(l.Seq)))
	b := expression.NewBuilder().WithUpdate(upd).WithCondition(cond)
	_, err := s.update(ctx, s.tables.State, key(pkLeasePrefix+l.Counter, l.Holder), b, nil)
	if _, ok := isConditionFailed(err); ok {
		return nil
	}
	if err != nil {
		return fmt.Errorf("dynamo: report lease %s of %s: %w", l.Holder, l.Counter, err)
	}
	return nil
}

// ReturnLease deletes the lease record on condition that it exists and
// takes the deleted item back (ALL_OLD): only the caller whose delete
// removed it adds the unused headroom back, so a holder and a reclaimer
// racing return it once. If the ADD then fails, the headroom stays
// counted as spent: an overstatement, never a double return.
func (s *Store) ReturnLease(ctx context.Context, l store.Lease) error {
	cond, err := expression.NewBuilder().WithCondition(expression.AttributeExists(expression.Name(attrPK))).Build()
	if err != nil {
		return fmt.Errorf("dynamo: return lease: build expression: %w", err)
	}
	out, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                &s.tables.State,
		Key:                      key(pkLeasePrefix+l.Counter, l.Holder),
		ConditionExpression:      cond.Condition(),
		ExpressionAttributeNames: cond.Names(),
		ReturnValues:             types.ReturnValueAllOld,
	})
	if _, ok := isConditionFailed(err); ok {
		return fmt.Errorf("dynamo: return lease %s of %s: %w", l.Holder, l.Counter, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("dynamo: return lease %s of %s: %w", l.Holder, l.Counter, err)
	}
	rec, err := leaseOf(l.Counter, out.Attributes)
	if err != nil {
		return fmt.Errorf("dynamo: return lease %s of %s: %w", l.Holder, l.Counter, err)
	}
	used := l.Used
	if used == store.Reclaim {
		used = rec.Used
	}
	if back := rec.Granted - used; back != 0 {
		if err := s.Adjust(ctx, l.Counter, -back, rec.CounterExpires); err != nil {
			return fmt.Errorf("dynamo: return lease %s of %s (%d µUSD stay counted): %w", l.Holder, l.Counter, back, err)
		}
	}
	return nil
}

// OpenLeases Queries the counter's lease partition.
func (s *Store) OpenLeases(ctx context.Context, counter string) ([]store.Lease, error) {
	var out []store.Lease
	err := s.queryState(ctx, pkLeasePrefix+counter, func(item map[string]types.AttributeValue) error {
		l, err := leaseOf(counter, item)
		if err != nil {
			return err
		}
		out = append(out, l)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dynamo: list leases of %s: %w", counter, err)
	}
	return out, nil
}

// leaseOf decodes a lease record.
func leaseOf(counter string, item map[string]types.AttributeValue) (store.Lease, error) {
	if item == nil {
		return store.Lease{}, errors.New("lease record missing")
	}
	l := store.Lease{Counter: counter, Holder: stringAttr(item, attrSK)}
	var errs []error
	for _, f := range []struct {
		name string
		dst  *int64
	}{{attrGranted, &l.Granted}, {attrUsed, &l.Used}, {attrSeq, &l.Seq}} {
		v, err := int64Attr(item, f.name)
		errs = append(errs, err)
		*f.dst = v
	}
	endMs, err := int64Attr(item, attrLeaseEndMs)
	errs = append(errs, err)
	cexp, err := int64Attr(item, attrCounterExpire)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return store.Lease{}, err
	}
	l.Expires = time.UnixMilli(endMs).UTC()
	if cexp != 0 {
		l.CounterExpires = time.UnixMilli(cexp).UTC()
	}
	return l, nil
}
