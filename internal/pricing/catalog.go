package pricing

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

//go:embed catalog.yaml
var catalogYAML []byte

// Catalog holds list prices per provider type and per-deployment overrides.
// It is immutable after construction and safe for concurrent use.
type Catalog struct {
	// prices maps provider type -> model id or family -> price.
	prices map[string]map[string]Price
	// unpriced maps provider type -> keys listed in the catalog without a
	// price (`unpriced: true`): an id resolving to one is unknown, never
	// priced as a shorter family key (gemini-3.5-flash-lite is not
	// gemini-3.5-flash).
	unpriced map[string]map[string]bool
	// embedding holds "type/key" of the embedding models (input price only).
	embedding map[string]bool
	// overrides maps provider name -> model -> the fields a config set.
	overrides map[string]map[string]override
}

// typeAliases lists provider types priced under another type's table.
var typeAliases = map[string]string{
	// An OpenAI-compatible upstream serving an OpenAI model name is assumed
	// to charge OpenAI's list price; anything else it serves is unknown
	// unless overridden.
	"openai-compatible": "openai",
}

// bedrockRegionPrefixes are the cross-region inference profile prefixes
// ("us.anthropic.claude-...") that route the same model through another
// region set. The catalog keeps one price per model for all of them.
var bedrockRegionPrefixes = map[string]bool{
	"us": true, "us-gov": true, "eu": true, "apac": true,
	"jp": true, "au": true, "ca": true, "global": true,
}

var defaultCatalog = sync.OnceValue(func() *Catalog {
	c, err := parseCatalog(catalogYAML)
	if err != nil {
		// TestEmbeddedCatalogParses fails on this. At run time an empty
		// catalog only means "no built-in price", never a crash.
		return &Catalog{}
	}
	return c
})

// Default returns the embedded catalog, parsed once.
func Default() *Catalog { return defaultCatalog() }

// entry is one model in catalog.yaml.
type entry struct {
	// Unpriced marks a model whose list price no source confirmed but whose
	// id extends a priced family key; it must set nothing else.
	Unpriced bool `yaml:"unpriced"`
	// Embedding marks an embedding model: priced per input token only, so
	// it must set no output price or output cap (other entries must:
	// a missing output price would make every answer's output free).
	Embedding       bool    `yaml:"embedding"`
	Input           float64 `yaml:"input_per_mtok"`
	Output          float64 `yaml:"output_per_mtok"`
	CachedInput     float64 `yaml:"cached_input_per_mtok"`
	CacheWrite      float64 `yaml:"cache_write_per_mtok"`
	ContextWindow   int     `yaml:"context_window"`
	MaxOutputTokens int     `yaml:"max_output_tokens"`
}

// parseCatalog decodes and validates a catalog document, reporting every
// bad entry rather than the first.
func parseCatalog(doc []byte) (*Catalog, error) {
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	dec.KnownFields(true) // a misspelt field must not silently price at 0
	var raw map[string]map[string]entry
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("pricing: decode catalog: %w", err)
	}
	var errs []error
	prices := make(map[string]map[string]Price, len(raw))
	unpriced := make(map[string]map[string]bool)
	embedding := make(map[string]bool)
	for typ, models := range raw {
		prices[typ] = make(map[string]Price, len(models))
		for model, e := range models {
			if err := e.validate(); err != nil {
				errs = append(errs, fmt.Errorf("pricing: catalog %s.%s: %w", typ, model, err))
				continue
			}
			if e.Unpriced {
				if unpriced[typ] == nil {
					unpriced[typ] = make(map[string]bool)
				}
				unpriced[typ][model] = true
				continue
			}
			if e.Embedding {
				embedding[typ+"/"+model] = true
			}
			prices[typ][model] = Price{
				InputPerMTok:       e.Input,
				OutputPerMTok:      e.Output,
				CachedInputPerMTok: e.CachedInput,
				CacheWritePerMTok:  e.CacheWrite,
				ContextWindow:      e.ContextWindow,
				MaxOutputTokens:    e.MaxOutputTokens,
			}
		}
	}
	if len(errs) > 0 {
		sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
		return nil, errors.Join(errs...)
	}
	return &Catalog{prices: prices, unpriced: unpriced, embedding: embedding}, nil
}

func (e entry) validate() error {
	if e.Unpriced {
		if e != (entry{Unpriced: true}) {
			return errors.New("an unpriced entry must set no price or limit")
		}
		return nil
	}
	if e.Embedding {
		switch {
		case e.Input <= 0:
			return errors.New("input_per_mtok must be > 0")
		case e.Output != 0 || e.MaxOutputTokens != 0 || e.CachedInput != 0 || e.CacheWrite != 0:
			return errors.New("an embedding model has an input price and context_window only")
		case e.ContextWindow <= 0:
			return errors.New("context_window must be > 0")
		}
		return nil
	}
	switch {
	case e.Input <= 0:
		return errors.New("input_per_mtok must be > 0")
	case e.Output <= 0:
		return errors.New("output_per_mtok must be > 0")
	case e.CachedInput < 0 || e.CachedInput > e.Input:
		return errors.New("cached_input_per_mtok must be between 0 and input_per_mtok")
	case e.CacheWrite < 0:
		return errors.New("cache_write_per_mtok must not be negative")
	case e.ContextWindow <= 0:
		return errors.New("context_window must be > 0")
	case e.MaxOutputTokens <= 0 || e.MaxOutputTokens > e.ContextWindow:
		return errors.New("max_output_tokens must be > 0 and at most context_window")
	}
	return nil
}

// Lookup finds the price for a model served by a provider named
// providerName of type providerType. In order:
//
//  1. an override for "providerName/model" (the model as given, then with
//     the normalisation of step 2), laid over whatever the catalog has;
//  2. the catalog table of providerType ("openai-compatible" uses
//     "openai"), after normalising the model: Bedrock drops an ARN's path
//     and a cross-region prefix (us., eu., apac., global., ...), Gemini
//     drops "models/";
//  3. the exact model id, then the longest catalog key that is a prefix of
//     it ending at a '-', '@' or ':' (gpt-4o-2024-08-06 -> gpt-4o,
//     claude-sonnet-4-5@20250929 -> claude-sonnet-4-5), unless what
//     follows that key is a newer minor version (claude-opus-4-9 is not
//     claude-opus-4, see newerVersion); a model with upper-case letters is
//     retried in lower case. A key listed as unpriced stops the search:
//     the model is unknown rather than priced as a shorter family.
//
// ok is false when no price is known: neither the catalog nor an override
// setting both input and output prices. The Price returned then may still
// carry limits an override set.
func (c *Catalog) Lookup(providerType, providerName, model string) (Price, bool) {
	name := normalize(providerType, model)
	base, ok := c.builtin(providerType, name)
	if o, has := c.override(providerName, model, name); has {
		return o.apply(base), ok || o.pricesSet()
	}
	return base, ok
}

// Family returns the built-in catalog entry model resolves to (its
// family: "gpt-4o" for "gpt-4o-2024-08-06", "GPT-4o" or "gpt-4o-anything"),
// for bounding what callers can name. ok=false when no entry matches.
func (c *Catalog) Family(providerType, model string) (string, bool) {
	key, ok := c.builtinKey(providerType, normalize(providerType, model))
	if !ok {
		return "", false
	}
	if _, priced := c.prices[aliasOf(providerType)][key]; !priced {
		return "", false // an `unpriced` marker, not a family
	}
	return key, true
}

func (c *Catalog) builtin(providerType, name string) (Price, bool) {
	key, ok := c.builtinKey(providerType, name)
	if !ok {
		return Price{}, false
	}
	return c.prices[aliasOf(providerType)][key], true
}

// builtinKey returns the catalog key a normalised model name resolves to in
// providerType's table.
func (c *Catalog) builtinKey(providerType, name string) (string, bool) {
	typ := aliasOf(providerType)
	models, blocked := c.prices[typ], c.unpriced[typ]
	if len(models) == 0 {
		return "", false
	}
	listed := func(key string) bool {
		_, ok := models[key]
		return ok || blocked[key]
	}
	key, ok := matchKey(listed, name)
	if !ok && hasUpper(name) {
		key, ok = matchKey(listed, strings.ToLower(name))
	}
	if !ok || blocked[key] {
		return "", false
	}
	return key, true
}

func aliasOf(providerType string) string {
	if alias, ok := typeAliases[providerType]; ok {
		return alias
	}
	return providerType
}

// matchKey returns the listed key name resolves to. The nearest family
// found by prefix is refused when what follows it names a newer minor
// version (claude-opus-4-9 after claude-opus-4): a newer family must be
// listed, or it is unknown rather than priced as an older one.
func matchKey(listed func(string) bool, name string) (string, bool) {
	if listed(name) {
		return name, true
	}
	for i := len(name) - 1; i > 0; i-- {
		switch name[i] {
		case '-', '@', ':':
			if listed(name[:i]) {
				if newerVersion(name[i+1:]) {
					return "", false
				}
				return name[:i], true
			}
		}
	}
	return "", false
}

// newerVersion reports whether rest, what follows a family key and its
// boundary, starts with a minor version number ("9" in claude-opus-4-9,
// "1-20250805" in claude-opus-4-1-20250805, "7-v1:0" in
// anthropic.claude-opus-4-7-v1:0) rather than a snapshot of the family.
// Not a newer version: ".0" of the family (claude-opus-4-0), a date
// (20250514, 2024-08-06, 09-2025, 05-20), a number of three or more digits
// (gemini-2.0-flash-001), a Bedrock version (v1:0, and 1:0 as in
// openai.gpt-oss-120b-1:0), or a word (latest, preview, codex).
func newerVersion(rest string) bool {
	n := digits(rest)
	if n == 0 || n > 2 || strings.Trim(rest[:n], "0") == "" {
		return false
	}
	if n == len(rest) {
		return true
	}
	switch rest[n] {
	case ':':
		return false
	case '-':
		// MM-DD or MM-YYYY after a preview key is a date; a version is
		// followed by an 8-digit date, a word or nothing.
		next := rest[n+1:]
		if m := digits(next); m == 2 || m == 4 {
			return false
		}
	}
	return true
}

// digits counts the ASCII digits s starts with.
func digits(s string) int {
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	return n
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// normalize strips what names a route rather than a model.
func normalize(providerType, model string) string {
	switch providerType {
	case "bedrock":
		// arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0 and
		// .../inference-profile/us.amazon.nova-pro-v1:0 name the model last.
		if strings.HasPrefix(model, "arn:") {
			if i := strings.LastIndexByte(model, '/'); i >= 0 {
				model = model[i+1:]
			}
		}
		if i := strings.IndexByte(model, '.'); i > 0 && bedrockRegionPrefixes[model[:i]] {
			model = model[i+1:]
		}
	case "gemini":
		model = strings.TrimPrefix(model, "models/")
	}
	return model
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}
