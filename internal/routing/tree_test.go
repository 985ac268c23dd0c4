package routing

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/config"
)

// TestDuplicateModelArmsGetDistinctNames: vLLora's documented A/B example
// splits one model by params, with no arm names. The arms must not both
// be reported (header, trace, metrics) as the model.
func TestDuplicateModelArmsGetDistinctNames(t *testing.T) {
	cfg, err := config.Parse([]byte("providers:\n  openai: {type: openai, api_key: env:OPENAI_API_KEY}\n"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../config/testdata/vllora/percentage.json")
	if err != nil {
		t.Fatal(err)
	}
	var req struct {
		Router json.RawMessage `json:"router"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		t.Fatal(err)
	}
	body, err := config.DecodeRouterJSON(req.Router, "router")
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewCompiler(cfg).Inline(body, "router")
	if err != nil {
		t.Fatal(err)
	}
	got := []string{r.Targets[0].Name, r.Targets[1].Name}
	if got[0] != "openai/gpt-4o-mini#0" || got[1] != "openai/gpt-4o-mini#1" {
		t.Errorf("arm names %v, want openai/gpt-4o-mini#0 and #1", got)
	}

	// Named targets keep their names, and unique models keep theirs.
	named := &config.Router{Strategy: "percentage", Targets: []config.Target{
		{Model: "openai/gpt-4o", Weight: 1, Name: "control"}, {Model: "openai/gpt-4o", Weight: 1, Name: "treatment"},
		{Model: "openai/gpt-4o-mini", Weight: 1}}}
	r, err = NewCompiler(cfg).Inline(named, "router")
	if err != nil {
		t.Fatal(err)
	}
	if n := []string{r.Targets[0].Name, r.Targets[1].Name, r.Targets[2].Name}; n[0] != "control" || n[1] != "treatment" || n[2] != "openai/gpt-4o-mini" {
		t.Errorf("names %v", n)
	}
}
