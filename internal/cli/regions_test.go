package cli_test

import (
	"context"
	"net"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// records lists st's config records as kind/name → document.
func records(t *testing.T, st *dynamo.Store) map[string]map[string]any {
	t.Helper()
	recs, err := st.ListRecords(context.Background())
	if err != nil {
		t.Fatalf("ListRecords: %v", err)
	}
	out := map[string]map[string]any{}
	for _, r := range recs {
		if r.Kind != store.KindSnapshot {
			out[r.Kind+"/"+r.Name] = r.Doc
		}
	}
	return out
}

// TestConfigPushRegions: `config push --regions` writes the same records
// to each region's config table — two dynalites standing for us-east-1
// and eu-west-1, with tables of different names as two stacks have — so
// a key added once is known wherever Route 53 sends its caller. A region
// that cannot be reached is reported and fails the command without
// stopping the others; an invalid file writes no region.
func TestConfigPushRegions(t *testing.T) {
	east, tables := stateEnv(t)
	west := testenv.Dynalite(t)
	westTables := dynamo.Tables{Config: "west-config", State: "west-state", Metrics: "west-metrics"}
	t.Setenv("SWITCHYARD_DYNAMODB_ENDPOINT_US_EAST_1", east)
	t.Setenv("SWITCHYARD_DYNAMODB_ENDPOINT_EU_WEST_1", west)
	t.Setenv(dynamo.EnvConfigTable+"_EU_WEST_1", westTables.Config)
	t.Setenv(dynamo.EnvStateTable+"_EU_WEST_1", westTables.State)
	t.Setenv(dynamo.EnvMetricsTable+"_EU_WEST_1", westTables.Metrics)
	ctx := context.Background()
	stores := map[string]*dynamo.Store{
		"us-east-1": dynamo.New(testenv.DynamoClient(t, east), tables),
		"eu-west-1": dynamo.New(testenv.DynamoClient(t, west), westTables),
	}
	for region, st := range stores {
		if err := dynamo.CreateTables(ctx, st.Client(), st.Tables()); err != nil {
			t.Fatalf("%s: CreateTables: %v", region, err)
		}
	}

	t.Run("invalid file writes no region", func(t *testing.T) {
		code, out, errOut := stateRun("config", "push", "--regions", "us-east-1,eu-west-1", "testdata/state/invalid.yaml")
		if code != 1 || !strings.Contains(errOut, "no region written") || out != "" {
			t.Errorf("exit %d, stdout %q, stderr %q: want 1 and no region written", code, out, errOut)
		}
		for region, st := range stores {
			if got := records(t, st); len(got) != 0 {
				t.Errorf("%s holds %d records after a refused push", region, len(got))
			}
		}
	})

	t.Run("same records in both regions", func(t *testing.T) {
		code, out, errOut := stateRun("config", "push", "--regions", "us-east-1,eu-west-1", "testdata/state/gateway.yaml")
		if code != 0 {
			t.Fatalf("exit %d: %s%s", code, out, errOut)
		}
		for _, want := range []string{"us-east-1: pushed 18 records to " + tables.Config, "eu-west-1: pushed 18 records to " + westTables.Config} {
			if !strings.Contains(out, want) {
				t.Errorf("stdout %q, want %q", out, want)
			}
		}
		a, b := records(t, stores["us-east-1"]), records(t, stores["eu-west-1"])
		if len(a) != 18 || !reflect.DeepEqual(a, b) {
			var ka, kb []string
			for k := range a {
				ka = append(ka, k)
			}
			for k := range b {
				kb = append(kb, k)
			}
			sort.Strings(ka)
			sort.Strings(kb)
			t.Errorf("regions differ:\nus-east-1 %v\neu-west-1 %v", ka, kb)
		}
	})

	t.Run("an unreachable region is reported, the others written", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		dead := "http://" + l.Addr().String()
		l.Close() // nothing listens there now
		t.Setenv("SWITCHYARD_DYNAMODB_ENDPOINT_AP_SOUTH_1", dead)
		code, out, errOut := stateRun("config", "push", "--regions", "ap-south-1,eu-west-1", "testdata/state/smaller.yaml")
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		if !strings.Contains(out, "ap-south-1: FAILED") || !strings.Contains(out, "eu-west-1: pushed 3 records") ||
			!strings.Contains(errOut, "failed in 1 of 2 regions (ap-south-1)") {
			t.Errorf("stdout %q stderr %q: want ap-south-1 failed and eu-west-1 pushed", out, errOut)
		}
		if got := records(t, stores["eu-west-1"]); len(got) != 3 {
			t.Errorf("eu-west-1 holds %d records, want smaller.yaml's 3", len(got))
		}
	})
}
