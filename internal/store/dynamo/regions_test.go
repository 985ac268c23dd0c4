package dynamo

import "testing"

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
	if _, err := NewHomeStores(func(string) string { return "" }).Open("ap-south-1"); err == nil {
		t.Error("Open with no state table named: want an error")
	}
}
