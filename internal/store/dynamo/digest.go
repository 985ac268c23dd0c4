package dynamo

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchyard-llm/switchyard/internal/store"
)

const (
	pkDigest   = "digest"
	skDigest   = "state"
	attrDigest = "d" // the store.Digest as compact JSON
)

// PutDigest replaces the digest item (metrics table, pk "digest", sk
// "state") with one PutItem. The digest is one JSON string rather than a
// native map: it is read whole, never queried, and JSON keeps it a third
// smaller than the same figures as typed attributes (docs/scale.md).
func (s *Store) PutDigest(ctx context.Context, d store.Digest) error {
	raw, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("dynamo: encode digest: %w", err)
	}
	item := key(pkDigest, skDigest)
	item[attrDigest] = &types.AttributeValueMemberS{Value: string(raw)}
	// The registered metric subjects ride along, so that containers skip
	// registering subjects the set already has: otherwise every new
	// container ADDs each subject it writes to that one item (and again
	// every ten minutes), which at thousands of containers makes it the
	// hottest item of the table.
	if subjects, err := s.subjects(ctx); err == nil && len(subjects) > 0 {
		item[attrSubjects] = &types.AttributeValueMemberSS{Value: subjects}
	}
	item[attrExpires] = &types.AttributeValueMemberN{Value: fmt.Sprint(ttlSeconds(d.BuiltAt.Add(StatsTTL)))}
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.tables.Metrics, Item: item}); err != nil {
		return fmt.Errorf("dynamo: write digest: %w", err)
	}
	return nil
}

// LoadDigest is one eventually consistent GetItem: a digest a moment old
// is as good as the one just written, readers check BuiltAt anyway, and
// it costs half as much as a consistent read.
func (s *Store) LoadDigest(ctx context.Context) (store.Digest, bool, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.tables.Metrics, Key: key(pkDigest, skDigest)})
	if err != nil {
		return store.Digest{}, false, fmt.Errorf("dynamo: read digest: %w", err)
	}
	raw := stringAttr(out.Item, attrDigest)
	if raw == "" {
		return store.Digest{}, false, nil
	}
	if ss, ok := out.Item[attrSubjects].(*types.AttributeValueMemberSS); ok {
		now := s.now()
		for _, subject := range ss.Value {
			s.registered.Store(subject, now) // in the set: no registration needed
		}
	}
	var d store.Digest
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return store.Digest{}, false, fmt.Errorf("dynamo: decode digest: %w", err)
	}
	return d, true, nil
}
