package lambdatest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/intrinsics"
)

// stack is template.yaml with its intrinsics resolved for some parameter
// values: typed by goformation, and as a generic document for the parts
// goformation types loosely (DefinitionBody, policies, event unions).
type stack struct {
	*cloudformation.Template
	doc map[string]any
}

// loadTemplate parses template.yaml with goformation, resolving
// parameters (a CommaDelimitedList given as "a,b", as in samconfig's
// parameter_overrides), conditions, Fn::If (an AWS::NoValue branch drops
// the list element), Fn::Join, Fn::Split and Fn::Sub. Resource references, which
// only CloudFormation can resolve, become symbols: "{ref:ConfigTable}",
// "{getatt:ConfigTable.Arn}", so the test can see what points where.
func loadTemplate(t *testing.T, params map[string]any) stack {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// YAML short forms (!Ref, !Sub...) to JSON long forms, unresolved.
	raw, err := intrinsics.ProcessYAML(data, &intrinsics.ProcessorOptions{NoProcess: true})
	if err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	// goformation's condition evaluation replaces any object holding a
	// "Condition" key by the condition's value; set resource and output
	// conditions aside while resolving.
	held := map[string]map[string]any{}
	for _, section := range []string{"Resources", "Outputs"} {
		held[section] = map[string]any{}
		for name, r := range doc[section].(map[string]any) {
			if c, ok := r.(map[string]any)["Condition"]; ok {
				held[section][name] = c
				delete(r.(map[string]any), "Condition")
			}
		}
	}
	raw, _ = json.Marshal(doc)
	resolved, err := intrinsics.ProcessJSON(raw, &intrinsics.ProcessorOptions{
		ParameterOverrides: params,
		EvaluateConditions: true,
		IntrinsicHandlerOverrides: map[string]intrinsics.IntrinsicHandler{
			"Ref": refSymbol, "Fn::GetAtt": getAttSymbol, "Fn::Sub": subSymbols,
		},
	})
	if err != nil {
		t.Fatalf("resolve intrinsics: %v", err)
	}
	doc = nil
	if err := json.Unmarshal(resolved, &doc); err != nil {
		t.Fatal(err)
	}
	doc = dropNoValue(doc).(map[string]any)
	for section, conds := range held {
		for name, c := range conds {
			doc[section].(map[string]any)[name].(map[string]any)["Condition"] = c
		}
	}
	final, _ := json.Marshal(withoutUntyped(doc))
	tmpl, err := goformation.ParseJSONWithOptions(final, &intrinsics.ProcessorOptions{NoProcess: true})
	if err != nil {
		t.Fatalf("goformation: %v", err)
	}
	return stack{Template: tmpl, doc: doc}
}

func refSymbol(name string, input any, template any) any {
	s, _ := input.(string)
	switch s {
	case "AWS::Partition":
		return "aws"
	case "AWS::URLSuffix":
		return "amazonaws.com"
	case "AWS::NoValue":
		return nil
	}
	if v := intrinsics.Ref(name, input, template); v != nil {
		// A CommaDelimitedList parameter is a list to CloudFormation;
		// goformation hands back the raw "a,b" string.
		if str, ok := v.(string); ok && at(template, "Parameters", s, "Type") == "CommaDelimitedList" {
			var l []any
			for _, e := range strings.Split(str, ",") {
				l = append(l, e)
			}
			return l
		}
		return v // a parameter or pseudo parameter
	}
	return "{ref:" + s + "}"
}

// dropNoValue removes the list elements an Fn::If resolved to
// AWS::NoValue (nil here): CloudFormation leaves them out of the list.
func dropNoValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = dropNoValue(e)
		}
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if e != nil {
				out = append(out, dropNoValue(e))
			}
		}
		return out
	}
	return v
}

func getAttSymbol(_ string, input any, _ any) any {
	switch v := input.(type) {
	case []any:
		parts := make([]string, len(v))
		for i, p := range v {
			parts[i], _ = p.(string)
		}
		return "{getatt:" + strings.Join(parts, ".") + "}"
	case string:
		return "{getatt:" + v + "}"
	}
	return nil
}

var subVar = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

func subSymbols(name string, input any, template any) any {
	s, ok := input.(string)
	if !ok {
		return intrinsics.FnSub(name, input, template)
	}
	return subVar.ReplaceAllStringFunc(s, func(m string) string {
		v := m[2 : len(m)-1]
		var r any
		if strings.Contains(v, ".") {
			r = getAttSymbol("", v, template)
		} else {
			r = refSymbol("Ref", v, template)
		}
		switch x := r.(type) {
		case string:
			return x
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
		return m
	})
}

// props returns a resource's Properties from the generic document.
func (s stack) props(t *testing.T, name string) map[string]any {
	t.Helper()
	r, ok := s.doc["Resources"].(map[string]any)[name].(map[string]any)
	if !ok {
		t.Fatalf("template.yaml has no resource %s", name)
	}
	p, _ := r["Properties"].(map[string]any)
	return p
}

// at walks a generic document: keys for maps, ints for lists.
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// untypedProps are properties SAM supports that goformation v7's types do
// not have yet (its strict decoder would refuse the template). They are
// left out of the typed view only; tests read them from the generic doc.
var untypedProps = map[string][]string{"AWS::Serverless::Function": {"LoggingConfig", "CapacityProviderConfig"}}

// untypedResources are resource types goformation v7 does not know (its
// parser fails on them); the typed view leaves them out, tests read them
// from the generic doc.
var untypedResources = map[string]bool{"AWS::Lambda::CapacityProvider": true}

// withoutUntyped is a copy of doc without untypedProps and untypedResources.
func withoutUntyped(doc map[string]any) map[string]any {
	raw, _ := json.Marshal(doc)
	var cp map[string]any
	_ = json.Unmarshal(raw, &cp)
	for name, r := range cp["Resources"].(map[string]any) {
		res, _ := r.(map[string]any)
		if typ, _ := res["Type"].(string); untypedResources[typ] {
			delete(cp["Resources"].(map[string]any), name)
			continue
		}
		props, _ := res["Properties"].(map[string]any)
		typ, _ := res["Type"].(string)
		for _, p := range untypedProps[typ] {
			delete(props, p)
		}
	}
	return cp
}
