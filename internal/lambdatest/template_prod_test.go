package lambdatest

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
)

// TestTemplateProduction checks what production asks of template.yaml
// beyond issue 6: one stage only, safe deploys (alias + canary with alarm
// rollback), stage throttling and an optional WAF, access logs with the
// streaming variables, the budget ledger kept and recoverable, an
// aggregator that never overlaps or retries, log groups through
// LoggingConfig, and alarms on every failure an operator must hear about.
func TestTemplateProduction(t *testing.T) {
	s := loadTemplate(t, nil)

	t.Run("one stage: OpenApiVersion set", func(t *testing.T) {
		// Without it SAM adds a stage named "Stage": a second entry point
		// outside the stage's throttling and WAF.
		if v := at(s.props(t, "GatewayApi"), "OpenApiVersion"); v != "3.0.1" {
			t.Errorf("GatewayApi OpenApiVersion %v", v)
		}
	})

	t.Run("safe deploys: alias, canary, alarm rollback", func(t *testing.T) {
		fn := s.props(t, "GatewayFunction")
		if fn["AutoPublishAlias"] != "live" {
			t.Errorf("AutoPublishAlias %v, want live", fn["AutoPublishAlias"])
		}
		dp := at(fn, "DeploymentPreference")
		if at(dp, "Type") != "Canary10Percent5Minutes" {
			t.Errorf("default deployment %v, want a canary", at(dp, "Type"))
		}
		alarms := list(at(dp, "Alarms"))
		for _, want := range []string{"{ref:GatewayAliasErrorsAlarm}", "{ref:Api5xxRateAlarm}"} {
			if !contains(alarms, want) {
				t.Errorf("deploy alarms %v: no %s", alarms, want)
			}
		}
		dims := at(s.props(t, "GatewayAliasErrorsAlarm"), "Dimensions").([]any)
		if len(dims) != 2 || at(dims[1], "Value") != "{ref:GatewayFunction}:live" {
			t.Errorf("alias alarm dimensions %v, want the live alias", dims)
		}
		allAtOnce := loadTemplate(t, map[string]any{"DeploymentType": "AllAtOnce"})
		if v := at(allAtOnce.props(t, "GatewayFunction"), "DeploymentPreference", "Type"); v != "AllAtOnce" {
			t.Errorf("DeploymentType=AllAtOnce gives %v", v)
		}
	})

	t.Run("stage throttling and WAF as parameters", func(t *testing.T) {
		ms := at(s.props(t, "GatewayApi"), "MethodSettings").([]any)[0]
		if at(ms, "ThrottlingRateLimit") != 1000.0 || at(ms, "ThrottlingBurstLimit") != 500.0 {
			t.Errorf("default throttling %v", ms)
		}
		tuned := loadTemplate(t, map[string]any{"ApiThrottleRateLimit": 10000, "ApiThrottleBurstLimit": 5000, "WafRateLimit": 2000})
		ms = at(tuned.props(t, "GatewayApi"), "MethodSettings").([]any)[0]
		if at(ms, "ThrottlingRateLimit") != 10000.0 || at(ms, "ThrottlingBurstLimit") != 5000.0 {
			t.Errorf("throttling parameters not applied: %v", ms)
		}
		for _, name := range []string{"WebAcl", "WebAclAssociation"} {
			if c := at(s.doc, "Resources", name, "Condition"); c != "HasWaf" {
				t.Errorf("%s condition %v, want HasWaf", name, c)
			}
		}
		if at(s.doc, "Conditions", "HasWaf") != false || at(tuned.doc, "Conditions", "HasWaf") != true {
			t.Errorf("HasWaf: %v by default, %v with WafRateLimit", at(s.doc, "Conditions", "HasWaf"), at(tuned.doc, "Conditions", "HasWaf"))
		}
		rule := at(tuned.props(t, "WebAcl"), "Rules").([]any)[0]
		if at(rule, "Statement", "RateBasedStatement", "Limit") != 2000.0 || at(rule, "Statement", "RateBasedStatement", "AggregateKeyType") != "IP" ||
			at(rule, "Action", "Block") == nil || at(tuned.props(t, "WebAcl"), "Scope") != "REGIONAL" {
			t.Errorf("rate rule %v", rule)
		}
		arn, _ := at(tuned.props(t, "WebAclAssociation"), "ResourceArn").(string)
		if !strings.Contains(arn, "/restapis/{ref:GatewayApi}/stages/{ref:GatewayApi.Stage}") {
			t.Errorf("WAF associated with %q, want the stage", arn)
		}
	})

	t.Run("access logs with the streaming variables", func(t *testing.T) {
		als := at(s.props(t, "GatewayApi"), "AccessLogSetting")
		if at(als, "DestinationArn") != "{getatt:ApiAccessLogGroup.Arn}" {
			t.Fatalf("access logs %v", als)
		}
		format, _ := at(als, "Format").(string)
		for _, v := range []string{"$context.requestId", "$context.status", "$context.integration.responseTransferMode",
			"$context.integration.timeToAllHeaders", "$context.integration.timeToFirstContent", "$context.integration.latency"} {
			if !strings.Contains(format, v) {
				t.Errorf("access log format lacks %s", v)
			}
		}
		off := loadTemplate(t, map[string]any{"AccessLogs": "false"})
		if v := at(off.props(t, "GatewayApi"), "AccessLogSetting"); v != nil {
			t.Errorf("AccessLogs=false still logs: %v", v)
		}
	})

	t.Run("state table: retained, point-in-time recovery", func(t *testing.T) {
		st := at(s.doc, "Resources", "StateTable").(map[string]any)
		if st["DeletionPolicy"] != "Retain" || st["UpdateReplacePolicy"] != "Retain" {
			t.Errorf("StateTable policies %v/%v: it holds the budget ledger", st["DeletionPolicy"], st["UpdateReplacePolicy"])
		}
		if at(st, "Properties", "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled") != true {
			t.Error("StateTable without point-in-time recovery")
		}
	})

	t.Run("aggregator: one at a time, no retries", func(t *testing.T) {
		fn := s.props(t, "AggregatorFunction")
		if fn["ReservedConcurrentExecutions"] != 1.0 || at(fn, "EventInvokeConfig", "MaximumRetryAttempts") != 0.0 {
			t.Errorf("aggregator reserved %v retries %v", fn["ReservedConcurrentExecutions"], at(fn, "EventInvokeConfig", "MaximumRetryAttempts"))
		}
	})

	t.Run("log groups through LoggingConfig", func(t *testing.T) {
		for fn, group := range map[string]string{"GatewayFunction": "GatewayLogGroup", "AggregatorFunction": "AggregatorLogGroup"} {
			if v := at(s.props(t, fn), "LoggingConfig", "LogGroup"); v != "{ref:"+group+"}" {
				t.Errorf("%s logs to %v, want %s", fn, v, group)
			}
			if name, _ := at(s.props(t, group), "LogGroupName").(string); strings.Contains(name, "{ref:"+fn+"}") {
				t.Errorf("%s is named after %s: a circular reference with LoggingConfig", group, fn)
			}
		}
	})

	t.Run("alarms on every failure an operator must hear about", func(t *testing.T) {
		watched := map[string]string{}
		for name, r := range s.doc["Resources"].(map[string]any) {
			if at(r, "Type") != "AWS::CloudWatch::Alarm" {
				continue
			}
			props := at(r, "Properties")
			if !contains(list(at(props, "AlarmActions")), "{ref:AlarmTopic}") {
				t.Errorf("%s notifies nobody", name)
			}
			add := func(ns, metric any, dims any) {
				key := ns.(string) + "/" + metric.(string)
				for _, d := range asList(dims) {
					key += "|" + at(d, "Value").(string)
				}
				watched[key] = name
			}
			if m := at(props, "MetricName"); m != nil {
				add(at(props, "Namespace"), m, at(props, "Dimensions"))
			}
			for _, q := range asList(at(props, "Metrics")) {
				if ms := at(q, "MetricStat", "Metric"); ms != nil {
					add(at(ms, "Namespace"), at(ms, "MetricName"), at(ms, "Dimensions"))
				}
			}
		}
		for _, want := range []string{
			"AWS/DynamoDB/ReadThrottleEvents|{ref:StateTable}", "AWS/DynamoDB/WriteThrottleEvents|{ref:StateTable}",
			"AWS/DynamoDB/WriteThrottleEvents|{ref:MetricsTable}", "AWS/DynamoDB/ReadThrottleEvents|{ref:ConfigTable}",
			"AWS/Lambda/Errors|{ref:GatewayFunction}", "AWS/Lambda/Throttles|{ref:GatewayFunction}",
			"AWS/Lambda/ConcurrentExecutions|{ref:GatewayFunction}", "AWS/Lambda/Errors|{ref:AggregatorFunction}",
			"Switchyard/Health/DroppedMetricSamples", "Switchyard/Health/BudgetStoreErrors",
		} {
			if watched[want] == "" {
				t.Errorf("no alarm on %s", want)
			}
		}
		// The log-derived metrics must come from filters on the gateway's
		// log group matching the lines the gateway writes.
		for filter, pattern := range map[string]string{"DroppedMetricsFilter": `$.msg = "metric write failed*"`, "BudgetStoreErrorsFilter": `$.msg = "budget*"`} {
			p := s.props(t, filter)
			if p["LogGroupName"] != "{ref:GatewayLogGroup}" || !strings.Contains(p["FilterPattern"].(string), pattern) {
				t.Errorf("%s: %v", filter, p)
			}
		}
		for file, msg := range map[string]string{"internal/samples/recorder.go": `Warn("metric write failed`, "internal/budget/ledger.go": `Warn("budget `} {
			src, err := os.ReadFile(filepath.Join(repoRoot(t), file))
			if err != nil || !strings.Contains(string(src), msg) {
				t.Errorf("%s no longer logs %s…: the metric filter would count nothing (%v)", file, msg, err)
			}
		}
	})
}

// TestTemplateBudgetHomeRegion: BudgetHomeRegion and BudgetHomeStateTable
// (multi-region budgets, docs/deploy.md) grant the gateway the state
// table's item actions on exactly the home region's table, and tell it
// the table's name; left empty they grant and set nothing.
func TestTemplateBudgetHomeRegion(t *testing.T) {
	const table = "switchyard-use1-StateTable-ABC123"
	home := "arn:aws:dynamodb:us-east-1:123456789012:table/" + table
	cases := []struct {
		name   string
		params map[string]any
		on     bool
	}{
		{"defaults", nil, false},
		{"region without table", map[string]any{"BudgetHomeRegion": "us-east-1"}, false},
		{"both", map[string]any{"BudgetHomeRegion": "us-east-1", "BudgetHomeStateTable": table}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := loadTemplate(t, c.params)
			if got := at(s.doc, "Conditions", "HasBudgetHome"); got != c.on {
				t.Errorf("HasBudgetHome %v, want %v", got, c.on)
			}
			fn := s.props(t, "GatewayFunction")
			want := gatewayBaseGrants()
			if c.on {
				want[home] = []string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"}
			}
			if got := grants(t, fn["Policies"]); !reflect.DeepEqual(got, want) {
				t.Errorf("gateway grants\n%v\nwant\n%v", got, want)
			}
			env := at(fn, "Environment", "Variables", dynamo.EnvRegionStateTables)
			if wantEnv := map[bool]string{true: "us-east-1=" + table, false: ""}[c.on]; env != wantEnv {
				t.Errorf("%s = %v, want %q", dynamo.EnvRegionStateTables, env, wantEnv)
			}
		})
	}
	// The names the gateway reads that variable with: region=table.
	env := map[string]string{dynamo.EnvRegionStateTables: "us-east-1=" + table, dynamo.EnvStateTable: "own-state"}
	tables := dynamo.RegionTables("us-east-1", func(k string) string { return env[k] })
	if tables.State != table {
		t.Errorf("RegionTables read %q, want %q", tables.State, table)
	}
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
