package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// Attribute names shared by every table.
const (
	attrPK      = "pk"
	attrSK      = "sk"
	attrExpires = "expires_at" // the TTL attribute, unix seconds
)

// TableSpec is one table as this package needs it. template.yaml declares
// the same tables for the cloud; a test compares the two.
type TableSpec struct {
	// Role is "config", "state" or "metrics".
	Role   string
	Create *dynamodb.CreateTableInput
	// TTLAttribute is the attribute DynamoDB expires items by; empty when
	// the table's items never expire.
	TTLAttribute string
	// PointInTimeRecovery is wanted in the cloud (config, and state for its
	// budget ledger). CreateTables
	// does not set it: it serves development emulators.
	PointInTimeRecovery bool
}

// TableDefinitions returns the key schema of the three tables: string pk
// and sk, on-demand billing, TTL on state and metrics.
func TableDefinitions(t Tables) []TableSpec {
	def := func(name string) *dynamodb.CreateTableInput {
		return &dynamodb.CreateTableInput{
			TableName: aws.String(name),
			AttributeDefinitions: []types.AttributeDefinition{
				{AttributeName: aws.String(attrPK), AttributeType: types.ScalarAttributeTypeS},
				{AttributeName: aws.String(attrSK), AttributeType: types.ScalarAttributeTypeS},
			},
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(attrPK), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(attrSK), KeyType: types.KeyTypeRange},
			},
			BillingMode: types.BillingModePayPerRequest,
		}
	}
	return []TableSpec{
		{Role: "config", Create: def(t.Config), PointInTimeRecovery: true},
		{Role: "state", Create: def(t.State), TTLAttribute: attrExpires, PointInTimeRecovery: true},
		{Role: "metrics", Create: def(t.Metrics), TTLAttribute: attrExpires},
	}
}

// createWait bounds how long CreateTables waits for a table to turn ACTIVE.
const createWait = 2 * time.Minute

// CreateTables creates whichever of the tables are missing, waits until all
// are ACTIVE and enables TTL where the spec asks. Running it again, or
// concurrently, is harmless. Emulators without the TTL API (dynalite) are
// tolerated: the store filters expired items itself.
func CreateTables(ctx context.Context, client *dynamodb.Client, t Tables) error {
	if err := t.validate(); err != nil {
		return err
	}
	specs := TableDefinitions(t)
	// Create all before waiting on any, so the CREATING periods overlap.
	for _, spec := range specs {
		if err := createIfMissing(ctx, client, spec.Create); err != nil {
			return err
		}
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 50 * time.Millisecond
		o.MaxDelay = 2 * time.Second
	})
	for _, spec := range specs {
		name := aws.ToString(spec.Create.TableName)
		if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: &name}, createWait); err != nil {
			return fmt.Errorf("dynamo: wait for table %s: %w", name, err)
		}
		if spec.TTLAttribute != "" {
			if err := enableTTL(ctx, client, name, spec.TTLAttribute); err != nil {
				return err
			}
		}
	}
	return nil
}

func createIfMissing(ctx context.Context, client *dynamodb.Client, in *dynamodb.CreateTableInput) error {
	name := aws.ToString(in.TableName)
	_, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
	if err == nil {
		return nil
	}
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		return fmt.Errorf("dynamo: describe table %s: %w", name, err)
	}
	_, err = client.CreateTable(ctx, in)
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) { // in use: someone else created it meanwhile
		return fmt.Errorf("dynamo: create table %s: %w", name, err)
	}
	return nil
}

func enableTTL(ctx context.Context, client *dynamodb.Client, table, attr string) error {
	desc, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: &table})
	if err != nil && !isUnknownOperation(err) {
		return fmt.Errorf("dynamo: describe TTL of %s: %w", table, err)
	}
	if err == nil && desc.TimeToLiveDescription != nil {
		switch desc.TimeToLiveDescription.TimeToLiveStatus {
		case types.TimeToLiveStatusEnabled, types.TimeToLiveStatusEnabling:
			return nil
		}
	}
	_, err = client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: &table,
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: &attr,
			Enabled:       aws.Bool(true),
		},
	})
	if err != nil && !isUnknownOperation(err) {
		return fmt.Errorf("dynamo: enable TTL on %s.%s: %w", table, attr, err)
	}
	return nil
}

// isUnknownOperation reports an API the endpoint does not implement, as
// emulators answer for TTL.
func isUnknownOperation(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "UnknownOperationException"
}
