package lambdatest

import (
	"encoding/json"
	"os/exec"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/switchyard-llm/switchyard/internal/emf"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
)

// TestTemplate checks every property issue 6 asks of template.yaml, on the
// template as goformation parses it with intrinsics resolved.
func TestTemplate(t *testing.T) {
	s := loadTemplate(t, nil)

	t.Run("REST API: regional, traced, streaming", func(t *testing.T) {
		api := s.props(t, "GatewayApi")
		if at(api, "EndpointConfiguration", "Type") != "REGIONAL" || api["TracingEnabled"] != true {
			t.Errorf("GatewayApi %v", api)
		}
		paths := at(api, "DefinitionBody", "paths").(map[string]any)
		if at(paths, "/v1/{proxy+}", "x-amazon-apigateway-any-method") == nil || at(paths, "/healthz", "get") == nil {
			t.Fatalf("paths %v: want ANY /v1/{proxy+} and GET /healthz", paths)
		}
		// Every route streams (the function answers in the streaming format
		// only) and invokes the alias CodeDeploy shifts, never $LATEST.
		for path, methods := range paths {
			for method, op := range methods.(map[string]any) {
				in := at(op, "x-amazon-apigateway-integration")
				uri, _ := at(in, "uri").(string)
				if at(in, "type") != "aws_proxy" || at(in, "responseTransferMode") != "STREAM" ||
					!strings.Contains(uri, ":lambda:path/2021-11-15/functions/{ref:GatewayFunctionAliaslive}/response-streaming-invocations") {
					t.Errorf("%s %s integration %v", method, path, in)
				}
			}
		}
		if ms := at(paths, "/v1/{proxy+}", "x-amazon-apigateway-any-method", "x-amazon-apigateway-integration", "timeoutInMillis"); ms != 900000.0 {
			t.Errorf("streaming timeout %v ms, want 15 minutes", ms)
		}
		perm := s.props(t, "GatewayApiInvokePermission")
		if perm["Principal"] != "apigateway.amazonaws.com" || perm["FunctionName"] != "{ref:GatewayFunction.Alias}" ||
			!strings.Contains(perm["SourceArn"].(string), "{ref:GatewayApi}") {
			t.Errorf("invoke permission %v", perm)
		}
	})

	t.Run("functions: provided.al2023, arm64, bootstrap, makefile build", func(t *testing.T) {
		g := at(s.doc, "Globals", "Function")
		if at(g, "Runtime") != "provided.al2023" || !reflect.DeepEqual(at(g, "Architectures"), []any{"arm64"}) ||
			at(g, "Handler") != "bootstrap" || at(g, "Tracing") != "Active" {
			t.Errorf("Globals.Function %v", g)
		}
		for name, want := range map[string]struct{ memMin, timeoutMax int }{"GatewayFunction": {512, 900}, "AggregatorFunction": {128, 60}} {
			fn, err := s.GetServerlessFunctionWithName(name)
			if err != nil {
				t.Fatal(err)
			}
			if fn.Runtime != nil || fn.Architectures != nil || fn.Handler != nil {
				t.Errorf("%s overrides the runtime settings of Globals", name)
			}
			if fn.AWSCloudFormationMetadata["BuildMethod"] != "makefile" || aws.ToString(fn.CodeUri.String) != "." {
				t.Errorf("%s: Metadata %v CodeUri %v", name, fn.AWSCloudFormationMetadata, fn.CodeUri)
			}
			if fn.MemorySize == nil || *fn.MemorySize < want.memMin || fn.Timeout == nil || *fn.Timeout > want.timeoutMax || *fn.Timeout < 10 {
				t.Errorf("%s: memory %v timeout %v", name, fn.MemorySize, fn.Timeout)
			}
		}
		unreserved := loadTemplate(t, map[string]any{"ReservedConcurrency": -1.0})
		if fn, _ := unreserved.GetServerlessFunctionWithName("GatewayFunction"); fn.ReservedConcurrentExecutions != nil {
			t.Errorf("reserved concurrency %d with the parameter at -1", *fn.ReservedConcurrentExecutions)
		}
		with := loadTemplate(t, map[string]any{"ReservedConcurrency": 50})
		if fn, _ := with.GetServerlessFunctionWithName("GatewayFunction"); fn.ReservedConcurrentExecutions == nil || *fn.ReservedConcurrentExecutions != 50 {
			t.Errorf("ReservedConcurrency=50 not applied: %v", fn.ReservedConcurrentExecutions)
		}
	})

	t.Run("build: lambda.mk flags", func(t *testing.T) {
		for target, pkg := range map[string]string{"build-GatewayFunction": "./functions/gateway", "build-AggregatorFunction": "./functions/aggregator"} {
			cmd := exec.Command("make", "-s", "-n", target, "ARTIFACTS_DIR=/artifacts")
			cmd.Dir = repoRoot(t)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("make -n %s: %v\n%s", target, err, out)
			}
			line := strings.TrimSpace(string(out))
			for _, want := range []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "go build", "-tags lambda.norpc", "-trimpath",
				"-ldflags='-s -w'", "-o /artifacts/bootstrap", pkg} {
				if !strings.Contains(line, want) {
					t.Errorf("%s runs %q: no %q", target, line, want)
				}
			}
		}
		// LAMBDA_TAGS adds build tags (sam build passes it through).
		cmd := exec.Command("make", "-s", "-n", "build-GatewayFunction", "ARTIFACTS_DIR=/artifacts", "LAMBDA_TAGS=lambda.norpc,mytag")
		cmd.Dir = repoRoot(t)
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "-tags lambda.norpc,mytag -trimpath") {
			t.Errorf("LAMBDA_TAGS not applied: %v\n%s", err, out)
		}
	})

	t.Run("tables match dynamo.TableDefinitions", func(t *testing.T) {
		logical := map[string]string{"config": "ConfigTable", "state": "StateTable", "metrics": "MetricsTable"}
		for _, spec := range dynamo.TableDefinitions(dynamo.Tables{Config: "c", State: "s", Metrics: "m"}) {
			tbl, err := s.GetDynamoDBTableWithName(logical[spec.Role])
			if err != nil {
				t.Fatal(err)
			}
			var gotAttrs, wantAttrs, gotKeys, wantKeys []string
			for _, a := range tbl.AttributeDefinitions {
				gotAttrs = append(gotAttrs, a.AttributeName+":"+a.AttributeType)
			}
			for _, a := range spec.Create.AttributeDefinitions {
				wantAttrs = append(wantAttrs, aws.ToString(a.AttributeName)+":"+string(a.AttributeType))
			}
			for _, k := range tbl.KeySchema {
				gotKeys = append(gotKeys, k.AttributeName+":"+k.KeyType)
			}
			for _, k := range spec.Create.KeySchema {
				wantKeys = append(wantKeys, aws.ToString(k.AttributeName)+":"+string(k.KeyType))
			}
			sort.Strings(gotAttrs)
			sort.Strings(wantAttrs)
			if !reflect.DeepEqual(gotAttrs, wantAttrs) || !reflect.DeepEqual(gotKeys, wantKeys) {
				t.Errorf("%s: attributes %v keys %v; dynamo.TableDefinitions has %v %v", spec.Role, gotAttrs, gotKeys, wantAttrs, wantKeys)
			}
			if aws.ToString(tbl.BillingMode) != string(spec.Create.BillingMode) {
				t.Errorf("%s: billing %q, want %s (on-demand)", spec.Role, aws.ToString(tbl.BillingMode), spec.Create.BillingMode)
			}
			ttl := ""
			if tbl.TimeToLiveSpecification != nil && tbl.TimeToLiveSpecification.Enabled {
				ttl = aws.ToString(tbl.TimeToLiveSpecification.AttributeName)
			}
			if ttl != spec.TTLAttribute {
				t.Errorf("%s: TTL attribute %q, want %q", spec.Role, ttl, spec.TTLAttribute)
			}
			pitr := tbl.PointInTimeRecoverySpecification != nil && aws.ToBool(tbl.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled)
			if pitr != spec.PointInTimeRecovery {
				t.Errorf("%s: point-in-time recovery %v, want %v", spec.Role, pitr, spec.PointInTimeRecovery)
			}
		}
	})

	t.Run("least-privilege IAM", func(t *testing.T) {
		want := map[string]map[string][]string{
			"GatewayFunction": gatewayBaseGrants(),
			"AggregatorFunction": {
				"{getatt:MetricsTable.Arn}": {"dynamodb:BatchWriteItem", "dynamodb:GetItem", "dynamodb:Query"},
			},
		}
		for fn, wantGrants := range want {
			got := grants(t, s.props(t, fn)["Policies"])
			if !reflect.DeepEqual(got, wantGrants) {
				t.Errorf("%s grants\n%v\nwant\n%v", fn, got, wantGrants)
			}
		}
		if v := at(s.props(t, "GatewayFunction"), "Environment", "Variables", "SWITCHYARD_PROVIDER_SECRET"); v != "{ref:ProviderKeysSecret}" {
			t.Errorf("SWITCHYARD_PROVIDER_SECRET = %v", v)
		}
		if at(s.doc, "Resources", "ProviderKeysSecret", "Type") != "AWS::SecretsManager::Secret" {
			t.Error("no provider-keys secret")
		}
		g := at(s.doc, "Globals", "Function", "Environment", "Variables")
		for env, table := range map[string]string{dynamo.EnvConfigTable: "ConfigTable", dynamo.EnvStateTable: "StateTable", dynamo.EnvMetricsTable: "MetricsTable"} {
			if at(g, env) != "{ref:"+table+"}" {
				t.Errorf("%s = %v", env, at(g, env))
			}
		}
	})

	t.Run("optional Bedrock guardrail and S3 image grants", func(t *testing.T) {
		checkOptionalBedrockGrants(t, s)
	})

	t.Run("aggregator every minute", func(t *testing.T) {
		ev := at(s.props(t, "AggregatorFunction"), "Events", "EveryMinute")
		if at(ev, "Type") != "Schedule" || at(ev, "Properties", "Schedule") != "rate(1 minute)" {
			t.Errorf("schedule %v", ev)
		}
	})

	t.Run("alarms and dashboard on the EMF metrics", func(t *testing.T) {
		checkAlarmsAndDashboard(t, s)
	})

	t.Run("custom domain and Route 53 latency record", func(t *testing.T) {
		for _, name := range []string{"CustomDomain", "BasePathMapping", "HealthCheck", "LatencyRecord"} {
			if c := at(s.doc, "Resources", name, "Condition"); c != "HasDomain" {
				t.Errorf("%s has condition %v, want HasDomain", name, c)
			}
		}
		if at(s.doc, "Conditions", "HasDomain") != false {
			t.Errorf("HasDomain with no DomainName: %v", at(s.doc, "Conditions", "HasDomain"))
		}
		d := loadTemplate(t, map[string]any{"DomainName": "llm.example.com", "HostedZoneId": "Z0123",
			"CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc"})
		if at(d.doc, "Conditions", "HasDomain") != true {
			t.Fatal("HasDomain false with a DomainName")
		}
		dom, _ := d.GetApiGatewayDomainNameWithName("CustomDomain")
		if dom == nil || aws.ToString(dom.DomainName) != "llm.example.com" || !reflect.DeepEqual(dom.EndpointConfiguration.Types, []string{"REGIONAL"}) ||
			aws.ToString(dom.RegionalCertificateArn) == "" {
			t.Errorf("domain %+v", dom)
		}
		bpm, _ := d.GetApiGatewayBasePathMappingWithName("BasePathMapping")
		if bpm == nil || bpm.DomainName != "{ref:CustomDomain}" || aws.ToString(bpm.RestApiId) != "{ref:GatewayApi}" {
			t.Errorf("base path mapping %+v", bpm)
		}
		rec, _ := d.GetRoute53RecordSetWithName("LatencyRecord")
		if rec == nil || rec.Name != "llm.example.com" || rec.Type != "A" || aws.ToString(rec.SetIdentifier) != "us-east-1" ||
			aws.ToString(rec.Region) != "us-east-1" || aws.ToString(rec.HealthCheckId) != "{ref:HealthCheck}" || aws.ToString(rec.HostedZoneId) != "Z0123" ||
			rec.AliasTarget == nil || rec.AliasTarget.DNSName != "{getatt:CustomDomain.RegionalDomainName}" || !aws.ToBool(rec.AliasTarget.EvaluateTargetHealth) {
			t.Errorf("latency record %+v", rec)
		}
		hc, _ := d.GetRoute53HealthCheckWithName("HealthCheck")
		if hc == nil || hc.HealthCheckConfig.Type != "HTTPS" || aws.ToString(hc.HealthCheckConfig.ResourcePath) != "/prod/healthz" ||
			aws.ToString(hc.HealthCheckConfig.FullyQualifiedDomainName) != "{ref:GatewayApi}.execute-api.us-east-1.amazonaws.com" {
			t.Errorf("health check %+v", hc)
		}
	})

	t.Run("outputs: endpoint URL", func(t *testing.T) {
		if v := at(s.doc, "Outputs", "ApiUrl", "Value"); v != "https://{ref:GatewayApi}.execute-api.us-east-1.amazonaws.com/prod" {
			t.Errorf("ApiUrl %v", v)
		}
	})
}

// gatewayBaseGrants is what the gateway role may do with the optional
// parameters empty: resource -> sorted actions.
func gatewayBaseGrants() map[string][]string {
	return map[string][]string{
		"{getatt:ConfigTable.Arn}":                           {"dynamodb:DeleteItem", "dynamodb:Scan", "dynamodb:UpdateItem"},
		"{getatt:StateTable.Arn}":                            {"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"},
		"{getatt:MetricsTable.Arn}":                          {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"},
		"arn:aws:bedrock:*::foundation-model/*":              {"bedrock:CountTokens", "bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"},
		"arn:aws:bedrock:*:123456789012:inference-profile/*": {"bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"},
		"{ref:ProviderKeysSecret}":                           {"secretsmanager:GetSecretValue"},
	}
}

// checkOptionalBedrockGrants: BedrockGuardrailArns and ImageBucketArns add
// bedrock:ApplyGuardrail on exactly the guardrails and s3:GetObject on
// exactly the buckets' (or prefixes') objects, and nothing when empty.
func checkOptionalBedrockGrants(t *testing.T, defaults stack) {
	const (
		guardrail  = "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123def456"
		profile    = "arn:aws:bedrock:us-east-2:123456789012:guardrail-profile/us.guardrail.v1:0"
		bucket     = "arn:aws:s3:::switchyard-images"
		prefix     = "arn:aws:s3:::shared-media/chat-uploads"
		applyGuard = "bedrock:ApplyGuardrail"
		getObject  = "s3:GetObject"
	)
	withGuardrails := func(g map[string][]string) map[string][]string {
		g[guardrail] = []string{applyGuard}
		g[profile] = []string{applyGuard}
		return g
	}
	withImages := func(g map[string][]string) map[string][]string {
		g[bucket+"/*"] = []string{getObject}
		g[prefix+"/*"] = []string{getObject}
		return g
	}
	cases := []struct {
		name        string
		params      map[string]any
		guard, imgs bool
		want        map[string][]string
	}{
		{"both empty (defaults)", nil, false, false, gatewayBaseGrants()},
		{"both explicitly empty", map[string]any{"BedrockGuardrailArns": "", "ImageBucketArns": ""}, false, false, gatewayBaseGrants()},
		{"guardrails only", map[string]any{"BedrockGuardrailArns": guardrail + "," + profile}, true, false, withGuardrails(gatewayBaseGrants())},
		{"image buckets only", map[string]any{"ImageBucketArns": bucket + "," + prefix}, false, true, withImages(gatewayBaseGrants())},
		{"both", map[string]any{"BedrockGuardrailArns": guardrail + "," + profile, "ImageBucketArns": bucket + "," + prefix}, true, true,
			withImages(withGuardrails(gatewayBaseGrants()))},
	}
	for _, c := range cases {
		s := defaults
		if c.params != nil {
			s = loadTemplate(t, c.params)
		}
		if g, i := at(s.doc, "Conditions", "HasBedrockGuardrails"), at(s.doc, "Conditions", "HasImageBuckets"); g != c.guard || i != c.imgs {
			t.Errorf("%s: HasBedrockGuardrails %v HasImageBuckets %v, want %v %v", c.name, g, i, c.guard, c.imgs)
		}
		policies := s.props(t, "GatewayFunction")["Policies"]
		if got := grants(t, policies); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: gateway grants\n%v\nwant\n%v", c.name, got, c.want)
		}
		// Each optional statement grants its one action and nothing else;
		// with its parameter empty it is not in the policy at all.
		sids := map[string][]string{}
		for _, p := range policies.([]any) {
			for _, st := range at(p, "Statement").([]any) {
				sid, _ := at(st, "Sid").(string)
				sids[sid] = list(at(st, "Action"))
				if at(st, "Condition") != nil {
					t.Errorf("%s: statement %s has a Condition; none expected", c.name, sid)
				}
			}
		}
		for sid, on := range map[string]bool{"BedrockGuardrails": c.guard, "ImageObjects": c.imgs} {
			want := map[string][]string{"BedrockGuardrails": {applyGuard}, "ImageObjects": {getObject}}[sid]
			if acts, ok := sids[sid]; ok != on || (on && !reflect.DeepEqual(acts, want)) {
				t.Errorf("%s: statement %s present=%v actions %v; want present=%v actions %v", c.name, sid, ok, acts, on, want)
			}
		}
		if got := grants(t, s.props(t, "AggregatorFunction")["Policies"]); len(got) != 1 {
			t.Errorf("%s: aggregator grants %v; the optional grants are the gateway's only", c.name, got)
		}
	}

	// The parameters' AllowedPattern (matched per list element) refuses
	// anything that would widen the grant: wildcards, bare ids, whole buckets.
	for param, tc := range map[string]struct{ ok, bad []string }{
		"BedrockGuardrailArns": {
			ok: []string{"", guardrail, profile, "arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:guardrail/x1"},
			bad: []string{"*", "abc123def456", "arn:aws:bedrock:us-east-1:123456789012:guardrail/*",
				"arn:aws:bedrock:*:123456789012:guardrail/abc", "arn:aws:bedrock:us-east-1:*:guardrail/abc",
				"arn:aws:bedrock:us-east-1:123456789012:guardrail/abc:1", "arn:aws:bedrock:us-east-1::foundation-model/x",
				" " + guardrail},
		},
		"ImageBucketArns": {
			ok: []string{"", bucket, prefix, "arn:aws-cn:s3:::b.example-1/a/b"},
			bad: []string{"*", "switchyard-images", "s3://switchyard-images", "arn:aws:s3:::*", "arn:aws:s3:::switchyard-images/*",
				"arn:aws:s3:::img?", "arn:aws:s3:::switchyard-images/", "arn:aws:s3:::a/b*c", " " + bucket},
		},
	} {
		if at(defaults.doc, "Parameters", param, "Type") != "CommaDelimitedList" || at(defaults.doc, "Parameters", param, "Default") != "" {
			t.Errorf("%s: want an empty-by-default CommaDelimitedList, have %v", param, at(defaults.doc, "Parameters", param))
		}
		pattern, _ := at(defaults.doc, "Parameters", param, "AllowedPattern").(string)
		re, err := regexp.Compile(pattern)
		if err != nil || pattern == "" {
			t.Errorf("%s AllowedPattern %q: %v", param, pattern, err)
			continue
		}
		for _, v := range tc.ok {
			if !re.MatchString(v) {
				t.Errorf("%s AllowedPattern refuses %q", param, v)
			}
		}
		for _, v := range tc.bad {
			if re.MatchString(v) {
				t.Errorf("%s AllowedPattern accepts %q", param, v)
			}
		}
	}
}

// grants flattens a SAM Policies list of inline documents to resource ->
// sorted actions, failing on anything broader than a named resource.
func grants(t *testing.T, policies any) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, p := range policies.([]any) {
		for _, st := range at(p, "Statement").([]any) {
			if at(st, "Effect") != "Allow" {
				continue
			}
			actions, resources := list(at(st, "Action")), list(at(st, "Resource"))
			for _, r := range resources {
				if r == "*" {
					t.Errorf("statement %v grants on every resource", st)
				}
				for _, a := range actions {
					if strings.HasSuffix(a, ":*") || a == "*" {
						t.Errorf("statement %v grants a wildcard action", st)
					}
					out[r] = append(out[r], a)
				}
			}
		}
	}
	for r := range out {
		sort.Strings(out[r])
	}
	return out
}

func list(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, _ := e.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

// emfMetrics are the metric names the gateway publishes (package emf).
// searchExpr matches a dashboard SEARCH over the gateway's namespace:
// the dimension set and the metric name.
var searchExpr = regexp.MustCompile(`SEARCH\('\{Switchyard,?([^}]*)\} MetricName="(\w+)"`)

// emfDimSets are the dimension sets emf.Line declares, as SEARCH spells them.
var emfDimSets = map[string]bool{"": true, emf.DimProvider: true, emf.DimRouter + "," + emf.DimArm: true}

var emfMetrics = map[string]bool{emf.MetricAttempts: true, emf.MetricAttemptErrors: true, emf.MetricRequests: true,
	emf.MetricServed: true, emf.MetricFailed: true, emf.MetricFallbacks: true, emf.MetricLatency: true, emf.MetricTTFT: true,
	emf.MetricCost: true, emf.MetricTokensIn: true, emf.MetricTokensOut: true}

func checkAlarmsAndDashboard(t *testing.T, s stack) {
	alarmOn := map[string]bool{}
	for _, name := range []string{"Api5xxRateAlarm", "FallbackRateAlarm", "ThrottleAlarm"} {
		a, err := s.GetCloudWatchAlarmWithName(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.AlarmActions) == 0 || a.AlarmActions[0] != "{ref:AlarmTopic}" {
			t.Errorf("%s notifies %v", name, a.AlarmActions)
		}
		if a.MetricName != nil {
			alarmOn[aws.ToString(a.Namespace)+"/"+*a.MetricName] = true
		}
		for _, m := range a.Metrics {
			if m.MetricStat != nil {
				ns, metric := aws.ToString(m.MetricStat.Metric.Namespace), aws.ToString(m.MetricStat.Metric.MetricName)
				alarmOn[ns+"/"+metric] = true
				if ns == emf.Namespace && !emfMetrics[metric] {
					t.Errorf("%s uses %s, which the gateway does not publish", name, metric)
				}
			}
		}
	}
	for _, want := range []string{"AWS/ApiGateway/5XXError", "Switchyard/Fallbacks", "AWS/Lambda/Throttles"} {
		if !alarmOn[want] {
			t.Errorf("no alarm on %s (alarms watch %v)", want, alarmOn)
		}
	}

	body, _ := at(s.props(t, "Dashboard"), "DashboardBody").(string)
	var board struct {
		Widgets []struct {
			Properties struct {
				Title   string
				Metrics [][]any
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &board); err != nil {
		t.Fatalf("DashboardBody is not JSON once substituted: %v\n%s", err, body)
	}
	titles := ""
	for _, w := range board.Widgets {
		titles += strings.ToLower(w.Properties.Title) + "|"
		for _, m := range w.Properties.Metrics {
			if len(m) >= 2 && m[0] == emf.Namespace && !emfMetrics[m[1].(string)] {
				t.Errorf("widget %q plots %v, which the gateway does not publish", w.Properties.Title, m[1])
			}
			// SEARCH expressions must name a published metric under a
			// dimension set the EMF lines declare.
			for _, part := range m {
				obj, _ := part.(map[string]any)
				expr, _ := obj["expression"].(string)
				for _, sm := range searchExpr.FindAllStringSubmatch(expr, -1) {
					if !emfDimSets[sm[1]] || !emfMetrics[sm[2]] {
						t.Errorf("widget %q searches {%s} %s, which the gateway does not publish", w.Properties.Title, sm[1], sm[2])
					}
				}
			}
		}
	}
	for _, want := range []string{"requests", "success rate", "latency", "fallbacks", "cost per provider"} {
		if !strings.Contains(titles, want) {
			t.Errorf("no dashboard widget for %s (titles %s)", want, titles)
		}
	}
	for _, name := range []string{"Requests", "LatencyMs", "CostUSD", "AttemptErrors"} {
		if !strings.Contains(body, `MetricName=\"`+name+`\"`) && !strings.Contains(body, `"`+name+`"`) {
			t.Errorf("dashboard does not plot %s", name)
		}
	}
}
