package pricing

import (
	"strings"
	"sync"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/config"
)

func TestEmbeddedCatalogParses(t *testing.T) {
	c, err := parseCatalog(catalogYAML)
	if err != nil {
		t.Fatalf("catalog.yaml: %v", err)
	}
	for typ, models := range c.prices {
		for model, p := range models {
			t.Run(typ+"/"+model, func(t *testing.T) {
				if c.embedding[typ+"/"+model] {
					if p.InputPerMTok <= 0 || p.OutputPerMTok != 0 || p.MaxOutputTokens != 0 || p.ContextWindow <= 0 {
						t.Errorf("embedding model %+v; want an input price and a context window only", p)
					}
					return
				}
				if p.InputPerMTok <= 0 || p.OutputPerMTok <= 0 {
					t.Errorf("input %v, output %v per MTok; want both > 0", p.InputPerMTok, p.OutputPerMTok)
				}
				if p.ContextWindow <= 0 || p.MaxOutputTokens <= 0 {
					t.Errorf("context window %d, max output %d; want both > 0", p.ContextWindow, p.MaxOutputTokens)
				}
				if model != strings.TrimSpace(model) || model != strings.ToLower(model) {
					t.Errorf("key %q must be trimmed lower case to be found", model)
				}
			})
		}
	}
	if len(Default().prices) == 0 {
		t.Error("Default() is empty")
	}
	if Default() != Default() {
		t.Error("Default() parsed the catalog more than once")
	}
}

// TestCatalogCoverage pins the models the gateway promises to price out of
// the box, in the form a caller names them.
func TestCatalogCoverage(t *testing.T) {
	want := map[string][]string{
		"openai": {"gpt-6.2-astra", "gpt-6.2-sol", "gpt-6.1-sol", "gpt-6-astra", "gpt-6-sol", "gpt-6-luna",
			"gpt-5.5", "gpt-5.5-pro", "gpt-5.4", "gpt-5.4-mini", "gpt-5.4-nano",
			"gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano",
			"gpt-4o", "gpt-4o-mini", "o3", "o4-mini"},
		"anthropic": {"claude-fable-5-2", "claude-fable-5-1", "claude-fable-5", "claude-opus-5-5", "claude-opus-5",
			"claude-sonnet-5-5", "claude-sonnet-5", "claude-haiku-5-5",
			"claude-opus-4-8", "claude-opus-4-7", "claude-opus-4-6", "claude-opus-4-5-20251101",
			"claude-opus-4-1", "claude-opus-4", "claude-sonnet-4-6", "claude-sonnet-4-5", "claude-sonnet-4",
			"claude-3-7-sonnet", "claude-haiku-4-5", "claude-3-5-haiku"},
		"gemini": {"gemini-3.5-flash", "gemini-3.1-pro-preview", "gemini-3.1-flash-lite", "gemini-3-pro-preview", "gemini-3-flash-preview",
			"gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.0-flash"},
		"bedrock": {"global.anthropic.claude-fable-5-1", "global.anthropic.claude-fable-5", "global.anthropic.claude-opus-5-5",
			"us.anthropic.claude-opus-5", "eu.anthropic.claude-sonnet-5-5", "global.anthropic.claude-sonnet-5",
			"global.anthropic.claude-haiku-5-5",
			"anthropic.claude-opus-4-8", "us.anthropic.claude-opus-4-7-v1:0", "anthropic.claude-opus-4-6-v1",
			"anthropic.claude-sonnet-4-6", "anthropic.claude-haiku-4-5-20251001-v1:0",
			"anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-3-5-sonnet-20241022-v2:0",
			"anthropic.claude-3-haiku-20240307-v1:0", "amazon.nova-premier-v1:0", "amazon.nova-pro-v1:0",
			"amazon.nova-lite-v1:0", "amazon.nova-micro-v1:0", "meta.llama3-1-70b-instruct-v1:0",
			"openai.gpt-oss-120b-1:0", "openai.gpt-oss-20b-1:0"},
	}
	for typ, models := range want {
		for _, model := range models {
			t.Run(typ+"/"+model, func(t *testing.T) {
				if _, ok := Default().Lookup(typ, typ, model); !ok {
					t.Errorf("no price for %s model %s", typ, model)
				}
			})
		}
	}
}

// TestAuditedListPrices pins the list prices (input, output per MTok) an
// audit on 2026-11-26 found missing or wrong, as the providers' pages give
// them, and for the second audit of that day also cache prices and limits
// where set (0 = not pinned): a catalog edit that changes one must change
// this table and its source too.
func TestAuditedListPrices(t *testing.T) {
	tests := []struct {
		typ, model         string
		input, output      float64
		cached, cacheWrite float64
		window, maxOut     int
	}{
		// aws.amazon.com/bedrock/pricing (Anthropic, global / N. Virginia)
		{"bedrock", "anthropic.claude-opus-4-6-v1", 5, 25, 0, 0, 0, 0},
		{"bedrock", "us.anthropic.claude-opus-4-7-v1:0", 5, 25, 0, 0, 0, 0},
		{"bedrock", "anthropic.claude-opus-4-8", 5, 25, 0, 0, 0, 0},
		{"bedrock", "anthropic.claude-sonnet-4-6", 3, 15, 0, 0, 0, 0},
		{"bedrock", "anthropic.claude-haiku-4-5-20251001-v1:0", 1, 5, 0, 0, 0, 0},
		// aws.amazon.com/bedrock/pricing (Amazon, OpenAI)
		{"bedrock", "amazon.nova-premier-v1:0", 2.5, 12.5, 0, 0, 0, 0},
		{"bedrock", "openai.gpt-oss-120b-1:0", 0.15, 0.60, 0, 0, 0, 0},
		{"bedrock", "openai.gpt-oss-20b-1:0", 0.07, 0.30, 0, 0, 0, 0},
		// ai.google.dev/gemini-api/docs/pricing (Standard, <= 200K)
		{"gemini", "gemini-3-pro-preview", 2, 12, 0, 0, 0, 0},
		{"gemini", "gemini-3.1-pro-preview", 2, 12, 0, 0, 0, 0},
		{"gemini", "gemini-3-flash-preview", 0.50, 3, 0, 0, 0, 0},

		// Second audit. platform.claude.com model pages and pricing page.
		{"anthropic", "claude-fable-5-2", 8, 40, 0.20, 10, 1000000, 128000},
		{"anthropic", "claude-fable-5-1", 10, 50, 0.25, 12.50, 1000000, 128000},
		{"anthropic", "claude-fable-5", 10, 50, 1, 12.50, 1000000, 128000},
		{"anthropic", "claude-opus-5-5", 4, 20, 0.20, 5, 1000000, 128000},
		{"anthropic", "claude-opus-5", 5, 25, 0.50, 6.25, 1000000, 128000},
		{"anthropic", "claude-sonnet-5-5", 2, 10, 0.10, 2.50, 1000000, 128000},
		{"anthropic", "claude-sonnet-5", 2, 10, 0.20, 2.50, 1000000, 128000},
		{"anthropic", "claude-haiku-5-5", 0.10, 0.50, 0.01, 0.125, 1000000, 128000},
		// Limits the model pages give as 1M / 128K (the catalog had 200K).
		{"anthropic", "claude-opus-4-8", 5, 25, 0.50, 6.25, 1000000, 128000},
		{"anthropic", "claude-opus-4-7", 5, 25, 0.50, 6.25, 1000000, 128000},
		{"anthropic", "claude-opus-4-6", 5, 25, 0.50, 6.25, 1000000, 128000},
		{"anthropic", "claude-sonnet-4-6", 3, 15, 0.30, 3.75, 1000000, 128000},
		// Claude on Bedrock: inference profiles at the global price.
		{"bedrock", "global.anthropic.claude-fable-5-1", 10, 50, 0.25, 12.50, 1000000, 128000},
		{"bedrock", "global.anthropic.claude-fable-5", 10, 50, 1, 12.50, 1000000, 128000},
		{"bedrock", "global.anthropic.claude-opus-5-5-v1", 4, 20, 0.20, 5, 1000000, 128000},
		{"bedrock", "us.anthropic.claude-opus-5", 5, 25, 0.50, 6.25, 1000000, 128000},
		{"bedrock", "global.anthropic.claude-sonnet-5-5", 2, 10, 0.10, 2.50, 1000000, 128000},
		{"bedrock", "global.anthropic.claude-sonnet-5", 2, 10, 0.20, 2.50, 1000000, 128000},
		{"bedrock", "us.anthropic.claude-haiku-5-5", 0.10, 0.50, 0.01, 0.125, 1000000, 128000},
		{"bedrock", "anthropic.claude-sonnet-4-6", 3, 15, 0.30, 3.75, 1000000, 128000},
		// developers.openai.com models and pricing (text tokens, Standard).
		{"openai", "gpt-6.2-astra", 8, 40, 0.40, 0, 1050000, 128000},
		{"openai", "gpt-6.2-sol", 2, 10, 0.10, 0, 1050000, 128000},
		{"openai", "gpt-6.1-sol", 2, 10, 0.10, 0, 1050000, 128000},
		{"openai", "gpt-6-astra", 10, 50, 1, 0, 1050000, 128000},
		{"openai", "gpt-6-sol", 2, 10, 0.20, 0, 1050000, 128000},
		{"openai", "gpt-6-luna", 0.10, 0.50, 0.01, 0, 1050000, 128000},
		{"openai", "gpt-5.5", 5, 30, 0.50, 0, 1050000, 128000},
		{"openai", "gpt-5.5-pro", 30, 180, 0, 0, 1050000, 128000},
		{"openai", "gpt-5.4", 2.50, 15, 0.25, 0, 1050000, 128000},
		{"openai", "gpt-5.4-mini", 0.75, 4.50, 0.075, 0, 400000, 128000},
		{"openai", "gpt-5.4-nano", 0.20, 1.25, 0.02, 0, 400000, 128000},
		// ai.google.dev Gemini 3.5 Flash model page and pricing.
		{"gemini", "gemini-3.5-flash", 1.50, 9, 0.15, 0, 1048576, 65536},
	}
	for _, tt := range tests {
		p, ok := Default().Lookup(tt.typ, tt.typ, tt.model)
		if !ok || p.InputPerMTok != tt.input || p.OutputPerMTok != tt.output {
			t.Errorf("Lookup(%s, %s) = $%v/$%v, %v; want $%v/$%v", tt.typ, tt.model, p.InputPerMTok, p.OutputPerMTok, ok, tt.input, tt.output)
			continue
		}
		if tt.cached != 0 && p.CachedInputPerMTok != tt.cached {
			t.Errorf("%s %s cache read = $%v, want $%v", tt.typ, tt.model, p.CachedInputPerMTok, tt.cached)
		}
		if tt.cacheWrite != 0 && p.CacheWritePerMTok != tt.cacheWrite {
			t.Errorf("%s %s cache write = $%v, want $%v", tt.typ, tt.model, p.CacheWritePerMTok, tt.cacheWrite)
		}
		if tt.window != 0 && (p.ContextWindow != tt.window || p.MaxOutputTokens != tt.maxOut) {
			t.Errorf("%s %s limits = %d/%d, want %d/%d", tt.typ, tt.model, p.ContextWindow, p.MaxOutputTokens, tt.window, tt.maxOut)
		}
	}
}

// TestUnpricedModelsAreUnknown: a model the catalog lists as unpriced, in
// every id form, has no price, where before it took its family's
// (gemini-3.5-flash-lite at gemini-3.5-flash's $1.50/$9, gpt-5.4-pro at
// gpt-5.4's $2.50/$15); an override that sets both prices still prices it.
func TestUnpricedModelsAreUnknown(t *testing.T) {
	c := Default()
	if len(c.unpriced) == 0 {
		t.Fatal("the catalog lists no unpriced model")
	}
	for typ, keys := range c.unpriced {
		for key := range keys {
			for _, id := range []string{key, key + "-preview", key + "-2027-01-01", key + "-preview-09-2026", strings.ToUpper(key)} {
				if p, ok := c.Lookup(typ, typ, id); ok {
					k, _ := c.builtinKey(typ, normalize(typ, id))
					t.Errorf("Lookup(%s, %s) = %+v from %s; want unknown", typ, id, p, k)
				}
			}
		}
	}
	o := c.WithOverrides(map[string]config.Model{
		"google/gemini-3.5-flash-lite": {InputPerMTok: f(0.3), OutputPerMTok: f(2.5)},
	})
	if p, ok := o.Lookup("gemini", "google", "gemini-3.5-flash-lite"); !ok || p.InputPerMTok != 0.3 {
		t.Errorf("override on an unpriced model = %+v, %v; want priced at $0.30", p, ok)
	}
	if p, ok := o.Lookup("gemini", "gemini", "gemini-3.5-flash-lite"); ok {
		t.Errorf("another provider's gemini-3.5-flash-lite = %+v after an override; want unknown", p)
	}
}

func TestParseCatalogRejects(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"not yaml", "openai: [", "decode catalog"},
		{"unknown field", "openai:\n  m: {input_per_mtok: 1, output_per_mtok: 2, context_window: 10, max_output_tokens: 5, input_price: 3}",
			"input_price"},
		{"no input price", "openai:\n  m: {output_per_mtok: 2, context_window: 10, max_output_tokens: 5}", "openai.m: input_per_mtok"},
		{"negative output", "openai:\n  m: {input_per_mtok: 1, output_per_mtok: -2, context_window: 10, max_output_tokens: 5}",
			"openai.m: output_per_mtok"},
		{"cache read above input", "anthropic:\n  m: {input_per_mtok: 1, cached_input_per_mtok: 2, output_per_mtok: 2, context_window: 10, max_output_tokens: 5}",
			"anthropic.m: cached_input_per_mtok"},
		{"no context window", "gemini:\n  m: {input_per_mtok: 1, output_per_mtok: 2, max_output_tokens: 5}", "gemini.m: context_window"},
		{"output above context", "gemini:\n  m: {input_per_mtok: 1, output_per_mtok: 2, context_window: 10, max_output_tokens: 50}",
			"gemini.m: max_output_tokens"},
		{"unpriced with a price", "openai:\n  m: {unpriced: true, input_per_mtok: 1}", "openai.m: an unpriced entry"},
		{"unpriced with a limit", "openai:\n  m: {unpriced: true, context_window: 10}", "openai.m: an unpriced entry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseCatalog([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseCatalog error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	c := Default()
	price := func(typ, model string) Price {
		t.Helper()
		p, ok := c.prices[typ][model]
		if !ok {
			t.Fatalf("catalog has no %s/%s", typ, model)
		}
		return p
	}
	tests := []struct {
		name, typ, model string
		want             Price
		ok               bool
	}{
		{"exact", "openai", "gpt-4o", price("openai", "gpt-4o"), true},
		{"dated snapshot", "openai", "gpt-4o-2024-08-06", price("openai", "gpt-4o"), true},
		{"snapshot priced apart wins over its family", "openai", "gpt-4o-2024-05-13", price("openai", "gpt-4o-2024-05-13"), true},
		{"longest prefix", "openai", "gpt-4o-mini-2024-07-18", price("openai", "gpt-4o-mini"), true},
		{"pro is not its base model", "openai", "gpt-5-pro-2025-10-06", price("openai", "gpt-5-pro"), true},
		{"variant of a family", "openai", "gpt-5-codex", price("openai", "gpt-5"), true},
		{"no match inside a word", "openai", "gpt-4omega", Price{}, false},
		{"a dot is not a boundary", "openai", "gpt-4o.1", Price{}, false},
		{"openai-compatible uses openai", "openai-compatible", "gpt-4.1-mini", price("openai", "gpt-4.1-mini"), true},
		{"openai-compatible other model", "openai-compatible", "llama-3.3-70b-versatile", Price{}, false},
		{"upper case", "openai", "GPT-4o", price("openai", "gpt-4o"), true},
		{"anthropic dated", "anthropic", "claude-sonnet-4-5-20250929", price("anthropic", "claude-sonnet-4-5"), true},
		{"anthropic alias", "anthropic", "claude-3-7-sonnet-latest", price("anthropic", "claude-3-7-sonnet"), true},
		{"opus 4.1 is not opus 4", "anthropic", "claude-opus-4-1-20250805", price("anthropic", "claude-opus-4-1"), true},
		{"opus 4.5 is not opus 4", "anthropic", "claude-opus-4-5-20251101", price("anthropic", "claude-opus-4-5"), true},
		{"opus 4 snapshot", "anthropic", "claude-opus-4-20250514", price("anthropic", "claude-opus-4"), true},
		{"vertex @ version", "anthropic", "claude-sonnet-4-5@20250929", price("anthropic", "claude-sonnet-4-5"), true},
		{"gemini preview", "gemini", "gemini-2.5-flash-preview-09-2025", price("gemini", "gemini-2.5-flash"), true},
		{"gemini lite is not flash", "gemini", "gemini-2.5-flash-lite-preview-06-17", price("gemini", "gemini-2.5-flash-lite"), true},
		{"gemini resource name", "gemini", "models/gemini-2.5-pro", price("gemini", "gemini-2.5-pro"), true},
		{"bedrock id", "bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0", price("bedrock", "anthropic.claude-sonnet-4-5"), true},
		{"bedrock v2", "bedrock", "anthropic.claude-3-5-sonnet-20241022-v2:0", price("bedrock", "anthropic.claude-3-5-sonnet"), true},
		{"bedrock nova", "bedrock", "amazon.nova-micro-v1:0", price("bedrock", "amazon.nova-micro"), true},
		{"bedrock llama", "bedrock", "meta.llama3-1-70b-instruct-v1:0", price("bedrock", "meta.llama3-1-70b-instruct"), true},
		{"bedrock foundation model arn", "bedrock", "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0",
			price("bedrock", "amazon.nova-pro"), true},
		{"bedrock inference profile arn", "bedrock",
			"arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-3-haiku-20240307-v1:0",
			price("bedrock", "anthropic.claude-3-haiku"), true},
		{"bedrock opus 4.6 is not opus 4", "bedrock", "anthropic.claude-opus-4-6-v1", price("bedrock", "anthropic.claude-opus-4-6"), true},
		{"bedrock opus 4.7 profile", "bedrock", "us.anthropic.claude-opus-4-7-v1:0", price("bedrock", "anthropic.claude-opus-4-7"), true},
		{"bedrock opus 4.8 global", "bedrock", "global.anthropic.claude-opus-4-8", price("bedrock", "anthropic.claude-opus-4-8"), true},
		{"bedrock sonnet 4.6", "bedrock", "eu.anthropic.claude-sonnet-4-6", price("bedrock", "anthropic.claude-sonnet-4-6"), true},
		{"bedrock nova premier", "bedrock", "us.amazon.nova-premier-v1:0", price("bedrock", "amazon.nova-premier"), true},
		{"bedrock gpt-oss 120b", "bedrock", "openai.gpt-oss-120b-1:0", price("bedrock", "openai.gpt-oss-120b"), true},
		{"bedrock gpt-oss 20b", "bedrock", "openai.gpt-oss-20b-1:0", price("bedrock", "openai.gpt-oss-20b"), true},
		{"bedrock llama 3 is not 3.1", "bedrock", "meta.llama3-70b-instruct-v1:0", price("bedrock", "meta.llama3-70b-instruct"), true},
		{"anthropic x-0 alias is the family", "anthropic", "claude-opus-4-0", price("anthropic", "claude-opus-4"), true},
		{"unlisted newer version is unknown", "anthropic", "claude-opus-4-9", Price{}, false},
		{"unlisted newer version with date", "anthropic", "claude-haiku-4-6-20270101", Price{}, false},
		{"unlisted newer bedrock version", "bedrock", "us.anthropic.claude-opus-4-9-v1:0", Price{}, false},
		{"gemini 3 pro preview", "gemini", "gemini-3-pro-preview", price("gemini", "gemini-3-pro-preview"), true},
		{"gemini 3 flash preview", "gemini", "models/gemini-3-flash-preview", price("gemini", "gemini-3-flash-preview"), true},
		{"gemini 3.1 pro custom tools", "gemini", "gemini-3.1-pro-preview-customtools", price("gemini", "gemini-3.1-pro-preview"), true},
		{"gemini 3.1 flash-lite preview", "gemini", "gemini-3.1-flash-lite-preview", price("gemini", "gemini-3.1-flash-lite"), true},
		{"gemini 3 image model is not the text model", "gemini", "gemini-3-pro-image-preview", Price{}, false},
		{"gemini 3.5 flash", "gemini", "models/gemini-3.5-flash", price("gemini", "gemini-3.5-flash"), true},
		{"unpriced flash-lite is not flash", "gemini", "gemini-3.5-flash-lite", Price{}, false},
		{"unpriced pro is not its base model", "openai", "gpt-5.4-pro-2026-03-05", Price{}, false},
		{"gpt-5.4 snapshot", "openai", "gpt-5.4-2026-03-05", price("openai", "gpt-5.4"), true},
		{"gpt-6.1 sol is not gpt-6 sol", "openai", "gpt-6.1-sol", price("openai", "gpt-6.1-sol"), true},
		{"gpt-5.6 sol is not listed", "openai", "gpt-5.6-sol", Price{}, false},
		{"opus 5.5 is not opus 5", "anthropic", "claude-opus-5-5", price("anthropic", "claude-opus-5-5"), true},
		{"fable 5.2 is not fable 5", "anthropic", "claude-fable-5-2", price("anthropic", "claude-fable-5-2"), true},
		{"unlisted fable 5.3 is unknown", "anthropic", "claude-fable-5-3", Price{}, false},
		{"bedrock opus 5.5 global profile", "bedrock", "global.anthropic.claude-opus-5-5-v1", price("bedrock", "anthropic.claude-opus-5-5"), true},
		{"bedrock fable 5.2 is not fable 5", "bedrock", "global.anthropic.claude-fable-5-2", Price{}, false},
		{"anthropic name under bedrock", "bedrock", "claude-sonnet-4-5", Price{}, false},
		{"region prefix only on bedrock", "anthropic", "us.claude-sonnet-4-5", Price{}, false},
		{"unknown type", "mock", "gpt-4o", Price{}, false},
		{"empty model", "openai", "", Price{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := c.Lookup(tt.typ, "p", tt.model)
			if ok != tt.ok || got != tt.want {
				t.Errorf("Lookup(%q, %q) = %+v, %v; want %+v, %v", tt.typ, tt.model, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestLookupBedrockRegionPrefixes(t *testing.T) {
	ids := []string{
		"anthropic.claude-sonnet-4-5-20250929-v1:0",
		"anthropic.claude-3-haiku-20240307-v1:0",
		"amazon.nova-lite-v1:0",
		"meta.llama3-1-70b-instruct-v1:0",
	}
	for _, id := range ids {
		want, ok := Default().Lookup("bedrock", "bedrock-us", id)
		if !ok {
			t.Fatalf("no price for %s", id)
		}
		for _, region := range []string{"us", "eu", "apac", "global", "us-gov", "jp", "au", "ca"} {
			t.Run(region+"."+id, func(t *testing.T) {
				got, ok := Default().Lookup("bedrock", "bedrock-us", region+"."+id)
				if !ok || got != want {
					t.Errorf("Lookup(%s.%s) = %+v, %v; want %+v", region, id, got, ok, want)
				}
			})
		}
	}
}

func TestLookupConcurrent(t *testing.T) {
	c := Default().WithOverrides(overrides(map[string]float64{"openai/gpt-4o": 1}))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				if p, ok := c.Lookup("openai", "openai", "gpt-4o"); !ok || p.InputPerMTok != 1 {
					t.Errorf("Lookup = %+v, %v", p, ok)
					return
				}
				_, _ = c.Lookup("bedrock", "b", "us.amazon.nova-pro-v1:0")
			}
		}()
	}
	wg.Wait()
}

// TestEmbeddingEntries: an entry marked embedding is priced by input alone
// and may set nothing about output; an unmarked entry without an output
// price is still refused (a forgotten output price would make answers free).
func TestEmbeddingEntries(t *testing.T) {
	for _, tc := range []struct {
		doc string
		ok  bool
	}{
		{"bedrock:\n  e1: {embedding: true, input_per_mtok: 0.02, context_window: 8192}\n", true},
		{"bedrock:\n  e1: {embedding: true, input_per_mtok: 0.02, output_per_mtok: 1, context_window: 8192}\n", false},
		{"bedrock:\n  e1: {embedding: true, input_per_mtok: 0.02, context_window: 8192, max_output_tokens: 10}\n", false},
		{"bedrock:\n  e1: {embedding: true, context_window: 8192}\n", false},
		{"bedrock:\n  e1: {input_per_mtok: 0.02, context_window: 8192}\n", false},
	} {
		c, err := parseCatalog([]byte(tc.doc))
		if (err == nil) != tc.ok {
			t.Errorf("%q: err %v, want ok %v", tc.doc, err, tc.ok)
			continue
		}
		if tc.ok {
			if p, ok := c.Lookup("bedrock", "bedrock", "e1"); !ok || p.InputPerMTok != 0.02 {
				t.Errorf("%q: lookup %+v %v", tc.doc, p, ok)
			}
		}
	}
}
