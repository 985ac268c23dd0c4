package configsource_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	_ "github.com/switchyard-llm/switchyard/internal/provider/bedrock"
)

// TestValidateListsEveryKindOfProblem: a reference error does not hide a
// strategy error found only by compiling the routers, so one run of
// `gateway validate` lists both.
func TestValidateListsEveryKindOfProblem(t *testing.T) {
	d := doc(t, `
providers:
  p: {type: mock}
routers:
  r: {strategy: fallback, targets: [{model: y/z}]}
  ab: {strategy: percentage, targets: [{model: p/a}, {model: p/b, weight: 1}]}
`)
	_, err := configsource.Validate(d)
	var errs config.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Validate = %v, want config.Errors", err)
	}
	var paths []string
	for _, e := range errs {
		paths = append(paths, e.Path)
	}
	want := []string{"routers.r.targets[0].model", "routers.ab.targets[0].weight"}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("paths %v, want %v:\n%v", paths, want, err)
	}
}

// TestValidateListsProviderBuildErrorsWithOthers: a provider only its
// constructor can refuse (Bedrock with no region anywhere) is reported in
// the same run as a reference error elsewhere.
func TestValidateListsProviderBuildErrorsWithOthers(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_PROFILE", "")
	d := doc(t, `
providers:
  p: {type: mock}
  br: {type: bedrock}
routers:
  r: {strategy: fallback, targets: [{model: p/a}, {router: nope}]}
`)
	_, err := configsource.Validate(d)
	var errs config.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Validate = %v, want config.Errors", err)
	}
	paths := map[string]bool{}
	for _, e := range errs {
		paths[e.Path] = true
	}
	if !paths["routers.r.targets[1].router"] || !paths["providers.br"] {
		t.Errorf("errors %v: want both the unknown router and the unbuildable provider", err)
	}
}

// TestValidateListsEveryRouteProblem: a conditional router's routes are
// all checked, so each problem is reported with its own path in one run.
func TestValidateListsEveryRouteProblem(t *testing.T) {
	d := doc(t, `
providers:
  p: {type: mock}
routers:
  t:
    strategy: conditional
    routes:
      - {when: {user: {$eq: a}}, targets: [p/x]}
      - {name: a, when: {user: {$eq: b}}, targets: [p/x]}
      - {name: a, when: {user: {$bogus: c}}, targets: [p/x]}
`)
	_, err := configsource.Validate(d)
	var errs config.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Validate = %v, want config.Errors", err)
	}
	var paths []string
	for _, e := range errs {
		paths = append(paths, e.Path)
	}
	// The condition is checked with the schema; the names when the router
	// is compiled: both stages report, in that order.
	want := []string{"routers.t.routes[2].when.user.$bogus", "routers.t.routes[0].name", "routers.t.routes[2].name"}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("paths %v, want %v:\n%v", paths, want, err)
	}
}
