package dynamo

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/switchyard-llm/switchyard/internal/store"
)

// Several regions (docs/deploy.md, multi-region). Each region's stack has
// its own tables, named by CloudFormation, so a process that reaches
// another region (`gateway config push --regions`, a budget's
// home_region) needs that region's table names:
//
//   - <VAR>_<REGION> (SWITCHYARD_STATE_TABLE_US_EAST_1: the region upper-
//     cased, '-' as '_'), for each of the three table variables; else
//   - for the state table only, the region's entry in
//     SWITCHYARD_REGION_STATE_TABLES ("us-east-1=name,eu-west-1=name"),
//     which template.yaml sets from BudgetHomeRegion (an environment key
//     cannot be computed there); else
//   - <VAR> itself: tables of the same name in every region (fixed names,
//     or emulators) — for config push only: a budget's home table must be
//     named for its region (HomeStores).
//
// SWITCHYARD_DYNAMODB_ENDPOINT_<REGION> points one region at its own
// endpoint (an emulator standing for a region); else the SDK's standard
// AWS_ENDPOINT_URL_DYNAMODB applies to all of them.
const (
	EnvRegionStateTables = "SWITCHYARD_REGION_STATE_TABLES"
	envRegionEndpoint    = "SWITCHYARD_DYNAMODB_ENDPOINT"
)

// regionSuffix is region as an environment variable suffix: US_EAST_1.
func regionSuffix(region string) string {
	return strings.ToUpper(strings.ReplaceAll(region, "-", "_"))
}

// RegionTables returns region's table names from the environment (see
// above); the names may be empty when nothing is set.
func RegionTables(region string, getenv func(string) string) Tables {
	pick := func(v string) string {
		if s := getenv(v + "_" + regionSuffix(region)); s != "" {
			return s
		}
		return getenv(v)
	}
	t := Tables{Config: pick(EnvConfigTable), State: pick(EnvStateTable), Metrics: pick(EnvMetricsTable)}
	if s := namedStateTable(region, getenv); s != "" {
		t.State = s
	}
	return t
}

// namedStateTable is region's state table as named for that region
// alone (<VAR>_<REGION>, else SWITCHYARD_REGION_STATE_TABLES), "" when
// neither names it.
func namedStateTable(region string, getenv func(string) string) string {
	if s := getenv(EnvStateTable + "_" + regionSuffix(region)); s != "" {
		return s
	}
	for _, kv := range strings.Split(getenv(EnvRegionStateTables), ",") {
		r, name, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if ok && r == region && name != "" {
			return name
		}
	}
	return ""
}

// NewForRegion opens tables with a client for region (its endpoint from
// SWITCHYARD_DYNAMODB_ENDPOINT_<REGION> when set), fail-fast like
// NewFromEnv.
func NewForRegion(ctx context.Context, region string, tables Tables, getenv func(string) string, optFns ...func(*dynamodb.Options)) (*Store, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("dynamo: load AWS config for %s: %w", region, err)
	}
	opts := append([]func(*dynamodb.Options){FailFast}, optFns...)
	if ep := getenv(envRegionEndpoint + "_" + regionSuffix(region)); ep != "" {
		opts = append(opts, func(o *dynamodb.Options) { o.BaseEndpoint = &ep })
	}
	return New(dynamodb.NewFromConfig(cfg, opts...), tables), nil
}

// HomeStores opens other regions' state tables for budgets homed there
// (engine.Deps.HomeStore): one client per region, kept for the life of
// the process, so a config reload opens nothing again.
type HomeStores struct {
	getenv func(string) string
	optFns []func(*dynamodb.Options)

	mu   sync.Mutex
	open map[string]*Store
}

// NewHomeStores reads table names and endpoints through getenv (nil:
// os.Getenv); optFns are added to every client (X-Ray).
func NewHomeStores(getenv func(string) string, optFns ...func(*dynamodb.Options)) *HomeStores {
	if getenv == nil {
		getenv = os.Getenv
	}
	return &HomeStores{getenv: getenv, optFns: optFns, open: map[string]*Store{}}
}

// Open returns region's budget store. An error when no state table is
// named for that region alone: this region's own table name would be a
// guess (stacks' tables have generated names), and a budget counted in
// the wrong table, or refused at every request, is worse than a config
// the gateway refuses up front.
func (h *HomeStores) Open(region string) (store.Budgets, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if st, ok := h.open[region]; ok {
		return st, nil
	}
	name := namedStateTable(region, h.getenv)
	if name == "" {
		return nil, fmt.Errorf("no state table named for %s: set %s_%s, or %s (template parameters BudgetHomeRegion and BudgetHomeStateTable)",
			region, EnvStateTable, regionSuffix(region), EnvRegionStateTables)
	}
	st, err := NewForRegion(context.Background(), region, Tables{State: name}, h.getenv, h.optFns...)
	if err != nil {
		return nil, err
	}
	h.open[region] = st
	return st, nil
}
