package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchyard-llm/switchyard/internal/cli"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// stateEnv points the CLI at a fresh dynalite the way a developer does:
// table names and AWS_ENDPOINT_URL_DYNAMODB in the environment, fake
// credentials, and no ~/.aws files that could reach a real account.
func stateEnv(t *testing.T) (endpoint string, tables dynamo.Tables) {
	t.Helper()
	endpoint = testenv.Dynalite(t)
	tables = dynamo.Tables{Config: "cli-config", State: "cli-state", Metrics: "cli-metrics"}
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB":   endpoint,
		"AWS_REGION":                  "us-east-1",
		"AWS_ACCESS_KEY_ID":           "AKIDTEST",
		"AWS_SECRET_ACCESS_KEY":       "secret",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		dynamo.EnvConfigTable:         tables.Config,
		dynamo.EnvStateTable:          tables.State,
		dynamo.EnvMetricsTable:        tables.Metrics,
		// The stack pushed to (its ProviderKeysSecretArn output): its
		// secret:switchyard/… and ssm:/switchyard/… references validate.
		"SWITCHYARD_PROVIDER_SECRET": "arn:aws:secretsmanager:us-east-1:123456789012:secret:switchyard/provider-keys-AbCdEf",
	} {
		t.Setenv(k, v)
	}
	return endpoint, tables
}

// stateRun runs the gateway command line and returns its exit code and output.
func stateRun(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = cli.Main(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// stateParse parses a config as the gateway does. Budgets and keys are
// stored one record per name, so pull lists them by name, not in the
// file's order; they are sorted here to compare.
func stateParse(t *testing.T, data []byte) *config.Config {
	t.Helper()
	cfg, err := config.Parse(data)
	if err != nil {
		t.Fatalf("parse:\n%s\n%v", data, err)
	}
	sort.Slice(cfg.Budgets, func(i, j int) bool { return cfg.Budgets[i].Name < cfg.Budgets[j].Name })
	sort.Slice(cfg.Keys, func(i, j int) bool { return cfg.Keys[i].Name < cfg.Keys[j].Name })
	sort.Slice(cfg.AdminKeys, func(i, j int) bool { return cfg.AdminKeys[i].Name < cfg.AdminKeys[j].Name })
	return cfg
}

// TestConfigCommandsOnDynalite drives `gateway tables create`, `config
// push` and `config pull` against dynalite, in the order a developer
// would.
func TestConfigCommandsOnDynalite(t *testing.T) {
	endpoint, tables := stateEnv(t)
	client := testenv.DynamoClient(t, endpoint)
	ctx := context.Background()
	gatewayYAML, err := os.ReadFile("testdata/state/gateway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	smallerYAML, err := os.ReadFile("testdata/state/smaller.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// stored lists the config table's items as pk/sk.
	stored := func(t *testing.T) []string {
		t.Helper()
		out, err := client.Scan(ctx, &dynamodb.ScanInput{TableName: &tables.Config})
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
		var keys []string
		for _, item := range out.Items {
			k := item["pk"].(*types.AttributeValueMemberS).Value + "/" + item["sk"].(*types.AttributeValueMemberS).Value
			if k == "config/#version" {
				continue // the config version item, not a record (docs/scale.md)
			}
			keys = append(keys, k)
		}
		return keys
	}
	pulled := func(t *testing.T) []byte {
		t.Helper()
		code, out, errOut := stateRun("config", "pull")
		if code != 0 {
			t.Fatalf("config pull: exit %d: %s", code, errOut)
		}
		return []byte(out)
	}

	t.Run("tables create", func(t *testing.T) {
		for i := 0; i < 2; i++ { // a second run finds the tables and succeeds
			code, out, errOut := stateRun("tables", "create")
			if code != 0 {
				t.Fatalf("run %d: exit %d: %s", i+1, code, errOut)
			}
			if !strings.Contains(out, "are ready") {
				t.Errorf("run %d: stdout %q", i+1, out)
			}
		}
		for _, name := range []string{tables.Config, tables.State, tables.Metrics} {
			d, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
			if err != nil {
				t.Fatalf("DescribeTable %s: %v", name, err)
			}
			if d.Table.TableStatus != types.TableStatusActive {
				t.Errorf("%s is %s, want ACTIVE", name, d.Table.TableStatus)
			}
		}
	})

	t.Run("invalid file writes nothing", func(t *testing.T) {
		code, _, errOut := stateRun("config", "push", "testdata/state/invalid.yaml")
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		for _, want := range []string{"routers.ab.targets[1].weight: must be > 0", `routers.fb.targets[0].model: unknown provider "nowhere"`} {
			if !strings.Contains(errOut, want) {
				t.Errorf("stderr does not name %q:\n%s", want, errOut)
			}
		}
		if keys := stored(t); len(keys) != 0 {
			t.Errorf("a refused push stored %v", keys)
		}
	})

	t.Run("push then pull round-trips", func(t *testing.T) {
		code, out, errOut := stateRun("config", "push", "testdata/state/gateway.yaml")
		if code != 0 {
			t.Fatalf("config push: exit %d: %s", code, errOut)
		}
		// 6 providers, 1 model, 5 routers, 3 budgets, 1 key, 1 admin key, server.
		if want := "pushed 18 records to " + tables.Config; !strings.Contains(out, want) {
			t.Errorf("stdout %q, want %q", out, want)
		}
		got := pulled(t)
		if !reflect.DeepEqual(stateParse(t, got), stateParse(t, gatewayYAML)) {
			t.Errorf("pulled config differs from the pushed file; pulled:\n%s", got)
		}
		// What pull prints is itself a file push accepts, unchanged.
		path := filepath.Join(t.TempDir(), "pulled.yaml")
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		if code, _, errOut := stateRun("config", "push", path); code != 0 {
			t.Fatalf("pushing the pulled file: exit %d: %s", code, errOut)
		}
		if again := pulled(t); !bytes.Equal(again, got) {
			t.Errorf("a second round trip changed the YAML:\nfirst:\n%s\nsecond:\n%s", got, again)
		}
	})

	t.Run("invalid file leaves the stored config as it was", func(t *testing.T) {
		before := pulled(t)
		if code, _, _ := stateRun("config", "push", "testdata/state/invalid.yaml"); code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		if after := pulled(t); !bytes.Equal(after, before) {
			t.Errorf("a refused push changed the stored config:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	})

	t.Run("push removes what the file no longer has", func(t *testing.T) {
		if code, _, errOut := stateRun("config", "push", "testdata/state/smaller.yaml"); code != 0 {
			t.Fatalf("config push: exit %d: %s", code, errOut)
		}
		if got := pulled(t); !reflect.DeepEqual(stateParse(t, got), stateParse(t, smallerYAML)) {
			t.Errorf("pulled config is not smaller.yaml; pulled:\n%s", got)
		}
		if keys := stored(t); len(keys) != 3 {
			t.Errorf("config table holds %v, want the 3 records of smaller.yaml", keys)
		}
	})
}

// TestConfigCommandsNeedTables: without the table variables the DynamoDB
// commands say what is missing instead of touching anything.
func TestConfigCommandsNeedTables(t *testing.T) {
	for _, k := range []string{dynamo.EnvConfigTable, dynamo.EnvStateTable, dynamo.EnvMetricsTable} {
		t.Setenv(k, "")
	}
	for _, args := range [][]string{{"config", "pull"}, {"config", "push", "testdata/state/gateway.yaml"}, {"tables", "create"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, _, errOut := stateRun(args...)
			if code != 1 || !strings.Contains(errOut, "SWITCHYARD_CONFIG_TABLE") {
				t.Errorf("exit %d, stderr %q; want 1 and the variables it needs", code, errOut)
			}
		})
	}
}
