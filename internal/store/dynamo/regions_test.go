package dynamo

import (
	"strings"
	"testing"
)

// TestRegionTables: a region's table names come from <VAR>_<REGION>,
// then (the state table) SWITCHYARD_REGION_STATE_TABLES, then <VAR>.
func TestRegionTables(t *testing.T) {
	cases := []struct {
		name   string
		env    map[string]string
		region string
		want   Tables
	}{
		{"unsuffixed names", map[string]string{EnvConfigTable: "c", EnvStateTable: "s", EnvMetricsTable: "m"}, "eu-west-1", Tables{"c", "s", "m"}},
		{"suffix wins", map[string]string{EnvConfigTable: "c", EnvConfigTable + "_EU_WEST_1": "c-west", EnvStateTable: "s",
			EnvStateTable + "_EU_WEST_1": "s-west", EnvRegionStateTables: "eu-west-1=s-list"}, "eu-west-1", Tables{"c-west", "s-west", ""}},
		{"list names the state table", map[string]string{EnvStateTable: "s", EnvRegionStateTables: "us-east-1=s-east, eu-west-1=s-west"},
			"eu-west-1", Tables{"", "s-west", ""}},
		{"list for another region", map[string]string{EnvStateTable: "s", EnvRegionStateTables: "us-east-1=s-east"}, "eu-west-1", Tables{"", "s", ""}},
		{"nothing", map[string]string{}, "us-east-1", Tables{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := RegionTables(c.region, func(k string) string { return c.env[k] }); got != c.want {
				t.Errorf("RegionTables = %+v, want %+v", got, c.want)
			}
		})
	}
	// A budget's home table must be named for its region: this region's
	// own table name is a guess that would fail at every request.
	own := func(k string) string { return map[string]string{EnvStateTable: "own-state"}[k] }
	if _, err := NewHomeStores(own).Open("ap-south-1"); err == nil || !strings.Contains(err.Error(), "SWITCHYARD_STATE_TABLE_AP_SOUTH_1") {
		t.Errorf("Open with only this region's table named: %v, want an error naming the variable", err)
	}
	named := func(k string) string { return map[string]string{EnvRegionStateTables: "ap-south-1=home"}[k] }
	if _, err := NewHomeStores(named).Open("ap-south-1"); err != nil {
		t.Errorf("Open with the table named: %v", err)
	}
}
