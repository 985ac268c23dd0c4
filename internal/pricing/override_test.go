package pricing

import (
	"testing"

	"github.com/switchyard-llm/switchyard/internal/config"
)

func f(v float64) *float64 { return &v }

// overrides builds models: entries that set only the input price.
func overrides(inputs map[string]float64) map[string]config.Model {
	m := make(map[string]config.Model, len(inputs))
	for k, v := range inputs {
		m[k] = config.Model{InputPerMTok: f(v)}
	}
	return m
}

func TestWithOverrides(t *testing.T) {
	base := Default()
	gpt4oMini, _ := base.Lookup("openai", "openai", "gpt-4o-mini")
	nova, _ := base.Lookup("bedrock", "bedrock-us", "amazon.nova-pro-v1:0")
	c := base.WithOverrides(map[string]config.Model{
		"openai/gpt-4o-mini":                 {InputPerMTok: f(0.10), OutputPerMTok: f(0.50), ContextWindow: 64000},
		"openai/gpt-4.1":                     {ContextWindow: 500000},
		"groq/llama-3.3-70b-versatile":       {InputPerMTok: f(0.59), OutputPerMTok: f(0.79), ContextWindow: 131072},
		"groq/openai/gpt-oss-120b":           {InputPerMTok: f(0.15), OutputPerMTok: f(0.60)},
		"local/qwen3":                        {InputPerMTok: f(0), OutputPerMTok: f(0)},
		"vllm/half-priced":                   {InputPerMTok: f(1)},
		"bedrock-us/amazon.nova-pro-v1:0":    {CachedInputPerMTok: f(0.1)},
		"bedrock-eu/eu.amazon.nova-pro-v1:0": {InputPerMTok: f(0.9)},
		"no-slash":                           {InputPerMTok: f(9)},
		"/gpt-4o":                            {InputPerMTok: f(9)},
	})
	gpt41, _ := base.Lookup("openai", "openai", "gpt-4.1")
	gpt41.ContextWindow = 500000
	wantMini := gpt4oMini
	wantMini.InputPerMTok, wantMini.OutputPerMTok, wantMini.ContextWindow = 0.10, 0.50, 64000
	novaCached := nova
	novaCached.CachedInputPerMTok = 0.1
	novaEU := nova
	novaEU.InputPerMTok = 0.9

	tests := []struct {
		name, typ, provider, model string
		want                       Price
		ok                         bool
	}{
		{"override wins over the catalog", "openai", "openai", "gpt-4o-mini", wantMini, true},
		{"nil fields keep catalog values", "openai", "openai", "gpt-4.1", gpt41, true},
		{"only that provider", "openai", "azure-east", "gpt-4o-mini", gpt4oMini, true},
		{"exact model only, no prefix", "openai", "openai", "gpt-4o-mini-2024-07-18", gpt4oMini, true},
		{"model the catalog lacks", "openai-compatible", "groq", "llama-3.3-70b-versatile",
			Price{InputPerMTok: 0.59, OutputPerMTok: 0.79, ContextWindow: 131072}, true},
		{"model with a slash", "openai-compatible", "groq", "openai/gpt-oss-120b", Price{InputPerMTok: 0.15, OutputPerMTok: 0.60}, true},
		{"free self-hosted model is priced", "openai-compatible", "local", "qwen3", Price{}, true},
		{"input alone does not price an unknown model", "openai-compatible", "vllm", "half-priced", Price{InputPerMTok: 1}, false},
		{"override on the plain id covers region profiles", "bedrock", "bedrock-us", "us.amazon.nova-pro-v1:0", novaCached, true},
		{"override on a region profile", "bedrock", "bedrock-eu", "eu.amazon.nova-pro-v1:0", novaEU, true},
		{"region override is not the plain id's", "bedrock", "bedrock-eu", "amazon.nova-pro-v1:0", nova, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := c.Lookup(tt.typ, tt.provider, tt.model)
			if ok != tt.ok || got != tt.want {
				t.Errorf("Lookup(%q, %q, %q) = %+v, %v; want %+v, %v", tt.typ, tt.provider, tt.model, got, ok, tt.want, tt.ok)
			}
		})
	}
	t.Run("malformed keys ignored", func(t *testing.T) {
		if len(c.overrides[""]) != 0 || len(c.overrides["no-slash"]) != 0 {
			t.Errorf("overrides kept malformed keys: %v", c.overrides)
		}
	})
	t.Run("base catalog unchanged", func(t *testing.T) {
		if got, _ := base.Lookup("openai", "openai", "gpt-4o-mini"); got != gpt4oMini {
			t.Errorf("Default() changed to %+v", got)
		}
	})
}

func TestWithOverridesLayers(t *testing.T) {
	first := Default().WithOverrides(map[string]config.Model{
		"openai/gpt-4o": {InputPerMTok: f(1), OutputPerMTok: f(2)},
		"openai/o3":     {InputPerMTok: f(3)},
	})
	second := first.WithOverrides(map[string]config.Model{"openai/gpt-4o": {OutputPerMTok: f(5)}})
	tests := []struct {
		name          string
		c             *Catalog
		model         string
		input, output float64
	}{
		{"later fields win", second, "gpt-4o", 1, 5},
		{"untouched keys kept", second, "o3", 3, 8},
		{"earlier catalog unchanged", first, "gpt-4o", 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := tt.c.Lookup("openai", "openai", tt.model)
			if p.InputPerMTok != tt.input || p.OutputPerMTok != tt.output {
				t.Errorf("%s = %v/%v per MTok, want %v/%v", tt.model, p.InputPerMTok, p.OutputPerMTok, tt.input, tt.output)
			}
		})
	}
}

func TestWithOverridesCopiesValues(t *testing.T) {
	in := f(0.5)
	models := map[string]config.Model{"openai/gpt-4o": {InputPerMTok: in}}
	c := Default().WithOverrides(models)
	*in = 99
	models["openai/o3"] = config.Model{InputPerMTok: f(99)}
	if p, _ := c.Lookup("openai", "openai", "gpt-4o"); p.InputPerMTok != 0.5 {
		t.Errorf("input = %v after the caller changed its config; want 0.5", p.InputPerMTok)
	}
	if p, _ := c.Lookup("openai", "openai", "o3"); p.InputPerMTok == 99 {
		t.Error("an entry added to the config map after WithOverrides took effect")
	}
}
