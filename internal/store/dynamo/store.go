package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchyard-llm/switchyard/internal/store"
)

// Environment variables naming the tables (DESIGN §2).
const (
	EnvConfigTable  = "SWITCHYARD_CONFIG_TABLE"
	EnvStateTable   = "SWITCHYARD_STATE_TABLE"
	EnvMetricsTable = "SWITCHYARD_METRICS_TABLE"
)

// Tables names the three tables.
type Tables struct {
	Config  string
	State   string
	Metrics string
}

// TablesFromEnv reads the table names from the environment. ok is false
// when none is set (the caller then uses the memory store); setting only
// some of them is an error, as it is surely a deployment mistake.
func TablesFromEnv() (t Tables, ok bool, err error) {
	t = Tables{
		Config:  os.Getenv(EnvConfigTable),
		State:   os.Getenv(EnvStateTable),
		Metrics: os.Getenv(EnvMetricsTable),
	}
	if t == (Tables{}) {
		return t, false, nil
	}
	if err := t.validate(); err != nil {
		return t, false, err
	}
	return t, true, nil
}

func (t Tables) validate() error {
	var missing []string
	for _, f := range []struct{ env, name string }{
		{EnvConfigTable, t.Config}, {EnvStateTable, t.State}, {EnvMetricsTable, t.Metrics},
	} {
		if f.name == "" {
			missing = append(missing, f.env)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("dynamo: table names missing: %s", strings.Join(missing, ", "))
	}
	return nil
}

// Fail-fast settings (see FailFast). A DynamoDB call normally takes
// milliseconds; these bound what an outage can cost a request.
const (
	MaxAttempts    = 2
	MaxBackoff     = 200 * time.Millisecond
	ConnectTimeout = time.Second
	// RequestTimeout covers one attempt, response body included. A full
	// 1 MB Query page arrives well within it.
	RequestTimeout = 4 * time.Second
)

// FailFast is a dynamodb.Options function that turns retries down to
// MaxAttempts with short backoff and puts timeouts on every attempt, so an
// outage or a black-holed endpoint fails a call in seconds rather than
// after the SDK's default 3 attempts with up to 20 s backoff and no
// timeout at all.
func FailFast(o *dynamodb.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = MaxAttempts
		so.MaxBackoff = MaxBackoff
	})
	o.HTTPClient = awshttp.NewBuildableClient().
		WithTimeout(RequestTimeout).
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = ConnectTimeout }).
		WithTransportOptions(func(tr *http.Transport) { tr.ResponseHeaderTimeout = RequestTimeout })
}

// Store is the DynamoDB store.Store. Safe for concurrent use.
type Store struct {
	client *dynamodb.Client
	tables Tables
	// now stamps records that carry no UpdatedAt, anchors stats TTLs and
	// paces subject registration; comparisons of the caller's data always
	// use the time the caller passes.
	now func() time.Time
	// registered maps each subject this process has added to the subjects
	// item to when it last did (see doc.go, "Reading buckets without a
	// Scan").
	registered sync.Map
	// shard is the metric shard this store writes buckets to (see
	// MetricShards).
	shard int
}

var _ store.Store = (*Store)(nil)

// New returns a store on client's tables. The client's retry and timeout
// settings are the caller's; FailFast is recommended.
func New(client *dynamodb.Client, tables Tables) *Store {
	return &Store{client: client, tables: tables, now: time.Now, shard: rand.IntN(MetricShards)}
}

// NewFromEnv builds a store from the environment: table names from
// SWITCHYARD_*_TABLE (all three required), credentials, region and
// endpoint from the SDK's default chain (AWS_ENDPOINT_URL_DYNAMODB points
// it at an emulator). FailFast is applied before optFns.
func NewFromEnv(ctx context.Context, optFns ...func(*dynamodb.Options)) (*Store, error) {
	tables, ok, err := TablesFromEnv()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("dynamo: %s, %s and %s are not set", EnvConfigTable, EnvStateTable, EnvMetricsTable)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("dynamo: load AWS config: %w", err)
	}
	client := dynamodb.NewFromConfig(cfg, append([]func(*dynamodb.Options){FailFast}, optFns...)...)
	return New(client, tables), nil
}

// Client returns the DynamoDB client (for CreateTables and the CLI).
func (s *Store) Client() *dynamodb.Client { return s.client }

// Tables returns the table names.
func (s *Store) Tables() Tables { return s.tables }

// key returns a primary key attribute map.
func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrPK: &types.AttributeValueMemberS{Value: pk},
		attrSK: &types.AttributeValueMemberS{Value: sk},
	}
}

// update runs one UpdateItem built from b.
func (s *Store) update(ctx context.Context, table string, k map[string]types.AttributeValue, b expression.Builder, mod func(*dynamodb.UpdateItemInput)) (*dynamodb.UpdateItemOutput, error) {
	expr, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("build expression: %w", err)
	}
	in := &dynamodb.UpdateItemInput{
		TableName:                 &table,
		Key:                       k,
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}
	if mod != nil {
		mod(in)
	}
	return s.client.UpdateItem(ctx, in)
}

// isConditionFailed reports whether err is a failed ConditionExpression.
func isConditionFailed(err error) (*types.ConditionalCheckFailedException, bool) {
	var ccf *types.ConditionalCheckFailedException
	ok := errors.As(err, &ccf)
	return ccf, ok
}
