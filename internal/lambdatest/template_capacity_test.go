package lambdatest

import (
	"testing"
)

// TestTemplateCapacity checks the capacity shapes of docs/capacity.md:
// the default gateway is right-sized (512 MB) and reserved (400, so a
// burst cannot take the account's whole quota), and setting
// ManagedInstancesSubnetIds moves it onto Lambda Managed Instances: a
// capacity provider in those subnets, the function attached to it with
// its per-environment concurrency, 2 GB environments, no reserved
// concurrency (LMI's ceiling is the provider's vCPUs) and nothing else of
// the stack changed (same alias, API integration and tables).
func TestTemplateCapacity(t *testing.T) {
	def := loadTemplate(t, nil)
	fn := def.props(t, "GatewayFunction")
	if fn["MemorySize"] != 512.0 || fn["ReservedConcurrentExecutions"] != 400.0 {
		t.Errorf("default gateway: memory %v, reserved %v; want 512 and 400", fn["MemorySize"], fn["ReservedConcurrentExecutions"])
	}
	if v := at(def.doc, "Parameters", "ConcurrencyAlarmThreshold", "Default"); v != 320.0 {
		t.Errorf("concurrency alarm default %v, want 320 (80%% of the reserved 400)", v)
	}
	if fn["CapacityProviderConfig"] != nil { // AWS::NoValue
		t.Errorf("default gateway attached to a capacity provider: %v", fn["CapacityProviderConfig"])
	}
	for _, name := range []string{"GatewayCapacityProvider", "ManagedInstancesOperatorRole"} {
		if c := at(def.doc, "Resources", name, "Condition"); c != "UsesManagedInstances" {
			t.Errorf("%s condition %v, want UsesManagedInstances", name, c)
		}
	}
	if at(def.doc, "Conditions", "UsesManagedInstances") != false {
		t.Errorf("UsesManagedInstances is %v by default", at(def.doc, "Conditions", "UsesManagedInstances"))
	}

	lmi := loadTemplate(t, map[string]any{
		"ManagedInstancesSubnetIds": "subnet-a,subnet-b,subnet-c", "ManagedInstancesSecurityGroupIds": "sg-1",
		"ManagedInstancesMaxConcurrency": 32, "ManagedInstancesMaxVCpu": 96,
	})
	if at(lmi.doc, "Conditions", "UsesManagedInstances") != true {
		t.Fatal("ManagedInstancesSubnetIds set, yet UsesManagedInstances is false")
	}
	fn = lmi.props(t, "GatewayFunction")
	cfg := at(fn, "CapacityProviderConfig", "LambdaManagedInstancesCapacityProviderConfig")
	if at(cfg, "CapacityProviderArn") != "{getatt:GatewayCapacityProvider.Arn}" || at(cfg, "PerExecutionEnvironmentMaxConcurrency") != 32.0 ||
		at(cfg, "ExecutionEnvironmentMemoryGiBPerVCpu") != 2.0 {
		t.Errorf("CapacityProviderConfig %v", fn["CapacityProviderConfig"])
	}
	if fn["MemorySize"] != 2048.0 {
		t.Errorf("managed-instance memory %v, want 2048 (LMI's minimum)", fn["MemorySize"])
	}
	if fn["ReservedConcurrentExecutions"] != nil {
		t.Errorf("reserved concurrency %v on managed instances", fn["ReservedConcurrentExecutions"])
	}
	if fn["AutoPublishAlias"] != "live" {
		t.Errorf("alias %v: LMI runs published versions only, the alias must stay", fn["AutoPublishAlias"])
	}
	cp := lmi.props(t, "GatewayCapacityProvider")
	if !equalList(at(cp, "VpcConfig", "SubnetIds"), "subnet-a", "subnet-b", "subnet-c") || !equalList(at(cp, "VpcConfig", "SecurityGroupIds"), "sg-1") ||
		at(cp, "PermissionsConfig", "CapacityProviderOperatorRoleArn") != "{getatt:ManagedInstancesOperatorRole.Arn}" ||
		!equalList(at(cp, "InstanceRequirements", "Architectures"), "arm64") || at(cp, "CapacityProviderScalingConfig", "MaxVCpuCount") != 96.0 {
		t.Errorf("capacity provider %v", cp)
	}
	role := lmi.props(t, "ManagedInstancesOperatorRole")
	if !equalList(role["ManagedPolicyArns"], "arn:aws:iam::aws:policy/service-role/AWSLambdaManagedEC2ResourceOperator") ||
		at(role, "AssumeRolePolicyDocument", "Statement", 0, "Principal", "Service") != "lambda.amazonaws.com" ||
		at(role, "AssumeRolePolicyDocument", "Statement", 0, "Condition", "StringEquals", "aws:SourceAccount") == nil {
		t.Errorf("operator role %v", role)
	}
}

func equalList(v any, want ...string) bool {
	got := list(v)
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}
