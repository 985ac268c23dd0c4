package dynamo

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchyard-llm/switchyard/internal/store"
)

const (
	pkBudget  = "budget"
	attrSpent = "spent"
)

// Reserve is one conditional UpdateItem: ADD spent :micros if the counter
// is absent or at most limit-micros. DynamoDB evaluates the condition and
// the ADD atomically per item, so concurrent reservations from any number
// of instances never take the counter past the limit.
//
// A negative micros is refused before any write (ErrNegativeReservation):
// ADD of a negative amount would pass the condition and lower the counter.
func (s *Store) Reserve(ctx context.Context, k string, micros, limit int64, expires time.Time) (int64, error) {
	if micros < 0 {
		return 0, fmt.Errorf("dynamo: reserve %d on %s: %w", micros, k, store.ErrNegativeReservation)
	}
	if limit < math.MinInt64+micros {
		// limit-micros would wrap around to a huge room; nothing fits.
		cur, err := s.Spent(ctx, k)
		if err != nil {
			return 0, fmt.Errorf("dynamo: reserve %d on %s: %w (and reading the total: %v)", micros, k, store.ErrBudgetExceeded, err)
		}
		return cur, fmt.Errorf("dynamo: reserve %d on %s (limit %d): %w", micros, k, limit, store.ErrBudgetExceeded)
	}
	spent := expression.Name(attrSpent)
	room := limit - micros
	cond := spent.LessThanEqual(expression.Value(room))
	if room >= 0 {
		// A fresh counter fits exactly when the reservation alone does.
		cond = expression.AttributeNotExists(spent).Or(cond)
	}
	b := expression.NewBuilder().WithUpdate(withExpiry(expression.Add(spent, expression.Value(micros)), expires)).WithCondition(cond)
	out, err := s.update(ctx, s.tables.State, key(pkBudget, k), b, func(in *dynamodb.UpdateItemInput) {
		in.ReturnValues = types.ReturnValueUpdatedNew
		// Real DynamoDB returns the item that failed the check, saving a
		// read; emulators that ignore this fall back to Spent below.
		in.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	})
	if ccf, ok := isConditionFailed(err); ok {
		cur, rerr := s.currentSpent(ctx, k, ccf.Item)
		if rerr != nil {
			return 0, fmt.Errorf("dynamo: reserve %d on %s: %w (and reading the total: %v)", micros, k, store.ErrBudgetExceeded, rerr)
		}
		return cur, fmt.Errorf("dynamo: reserve %d on %s (spent %d, limit %d): %w", micros, k, cur, limit, store.ErrBudgetExceeded)
	}
	if err != nil {
		return 0, fmt.Errorf("dynamo: reserve %d on %s: %w", micros, k, err)
	}
	total, err := int64Attr(out.Attributes, attrSpent)
	if err != nil {
		return 0, fmt.Errorf("dynamo: reserve on %s: %w", k, err)
	}
	return total, nil
}

func (s *Store) currentSpent(ctx context.Context, k string, old map[string]types.AttributeValue) (int64, error) {
	if old != nil {
		return int64Attr(old, attrSpent)
	}
	return s.Spent(ctx, k)
}

// Adjust adds delta unconditionally: settling a reservation to the real
// cost must never fail for being over the limit.
func (s *Store) Adjust(ctx context.Context, k string, delta int64, expires time.Time) error {
	upd := withExpiry(expression.Add(expression.Name(attrSpent), expression.Value(delta)), expires)
	if _, err := s.update(ctx, s.tables.State, key(pkBudget, k), expression.NewBuilder().WithUpdate(upd), nil); err != nil {
		return fmt.Errorf("dynamo: adjust %s by %d: %w", k, delta, err)
	}
	return nil
}

// Spent reads the counter with a consistent read, so a caller sees its own
// reservation.
func (s *Store) Spent(ctx context.Context, k string) (int64, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.tables.State,
		Key:            key(pkBudget, k),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return 0, fmt.Errorf("dynamo: read budget %s: %w", k, err)
	}
	total, err := int64Attr(out.Item, attrSpent)
	if err != nil {
		return 0, fmt.Errorf("dynamo: read budget %s: %w", k, err)
	}
	return total, nil
}

// withExpiry adds SET expires_at when expires is set; a zero time means
// the item never expires.
func withExpiry(upd expression.UpdateBuilder, expires time.Time) expression.UpdateBuilder {
	if expires.IsZero() {
		return upd
	}
	return upd.Set(expression.Name(attrExpires), expression.Value(ttlSeconds(expires)))
}

// ttlSeconds rounds up, so an item is never deleted before its time.
func ttlSeconds(t time.Time) int64 {
	sec := t.Unix()
	if t.Nanosecond() > 0 {
		sec++
	}
	return sec
}
