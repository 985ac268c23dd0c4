package configsource_test

import (
	"context"
	"errors"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// TestEditKey: a key record changes alone, validated against the whole
// config; an edit that would make it invalid writes nothing.
func TestEditKey(t *testing.T) {
	ctx := context.Background()
	st := store.NewMemory()
	doc, err := config.ParseDocument([]byte("providers: {m: {type: mock}}\nrouters: {main: {strategy: fallback, targets: [{model: m/a}]}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := configsource.Push(ctx, st, doc); err != nil {
		t.Fatal(err)
	}
	_, sum, _ := config.MintToken()
	steps := []struct {
		name    string
		edit    func(map[string]any) (map[string]any, error)
		invalid bool
	}{
		{"create", func(map[string]any) (map[string]any, error) {
			return map[string]any{"name": "team", "sha256": sum, "limits": map[string]any{"requests_per_minute": 10}}, nil
		}, false},
		{"unknown router", func(d map[string]any) (map[string]any, error) { d["routers"] = []any{"nope"}; return d, nil }, true},
		{"disable", func(d map[string]any) (map[string]any, error) { d["disabled"] = true; return d, nil }, false},
	}
	for _, s := range steps {
		err := configsource.EditKey(ctx, st, "team", s.edit)
		if s.invalid != errors.Is(err, httpapi.ErrInvalid) || (!s.invalid && err != nil) {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	recs, _ := st.ListRecords(ctx)
	cfg, err := configsource.Validate(configsource.FromRecords(recs))
	if err != nil {
		t.Fatal(err)
	}
	k := cfg.Keys[0]
	if k.SHA256 != sum || !k.Disabled || len(k.Routers) != 0 || k.Limits.RequestsPerMinute != 10 {
		t.Errorf("stored key %+v", k)
	}
}
