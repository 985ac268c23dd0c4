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
	var d store.Digest
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return store.Digest{}, false, fmt.Errorf("dynamo: decode digest: %w", err)
	}
	return d, true, nil
}
