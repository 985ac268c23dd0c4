package pricing

import (
	"strings"

	"github.com/switchyard-llm/switchyard/internal/config"
)

// override is the part of a price a config's models: entry sets. Pointer
// fields are copies, so a caller mutating its config afterwards cannot
// change a catalog that is already in use.
type override struct {
	input, output, cachedInput *float64
	contextWindow, maxOutput   int
}

// WithOverrides returns a catalog with models laid over c. Keys are
// "providerName/model" (the model may itself contain '/'); a key without a
// provider or model part is ignored, as config validation reports it. A
// field left nil (or a limit left 0) keeps the value c has, so an entry
// that only sets context_window keeps the list price. Where c already has
// an override for a key, the new fields are laid over it. c is unchanged.
func (c *Catalog) WithOverrides(models map[string]config.Model) *Catalog {
	n := &Catalog{prices: c.prices, unpriced: c.unpriced, overrides: make(map[string]map[string]override, len(c.overrides)+len(models))}
	for provider, byModel := range c.overrides {
		cp := make(map[string]override, len(byModel))
		for m, o := range byModel {
			cp[m] = o
		}
		n.overrides[provider] = cp
	}
	for key, m := range models {
		provider, model, ok := strings.Cut(key, "/")
		if !ok || provider == "" || model == "" {
			continue
		}
		byModel := n.overrides[provider]
		if byModel == nil {
			byModel = make(map[string]override)
			n.overrides[provider] = byModel
		}
		byModel[model] = byModel[model].merge(m)
	}
	return n
}

func (c *Catalog) override(providerName, model, normalized string) (override, bool) {
	byModel := c.overrides[providerName]
	if byModel == nil {
		return override{}, false
	}
	if o, ok := byModel[model]; ok {
		return o, true
	}
	if normalized != model {
		o, ok := byModel[normalized]
		return o, ok
	}
	return override{}, false
}

// merge lays the fields m sets over o.
func (o override) merge(m config.Model) override {
	if m.InputPerMTok != nil {
		o.input = ptr(*m.InputPerMTok)
	}
	if m.OutputPerMTok != nil {
		o.output = ptr(*m.OutputPerMTok)
	}
	if m.CachedInputPerMTok != nil {
		o.cachedInput = ptr(*m.CachedInputPerMTok)
	}
	if m.ContextWindow > 0 {
		o.contextWindow = m.ContextWindow
	}
	if m.MaxOutputTokens > 0 {
		o.maxOutput = m.MaxOutputTokens
	}
	return o
}

// apply lays o over a catalog price (the zero Price when there is none).
func (o override) apply(p Price) Price {
	if o.input != nil {
		p.InputPerMTok = *o.input
	}
	if o.output != nil {
		p.OutputPerMTok = *o.output
	}
	if o.cachedInput != nil {
		p.CachedInputPerMTok = *o.cachedInput
	}
	if o.contextWindow > 0 {
		p.ContextWindow = o.contextWindow
	}
	if o.maxOutput > 0 {
		p.MaxOutputTokens = o.maxOutput
	}
	return p
}

// pricesSet reports whether o alone prices a model the catalog lacks: a
// self-hosted model priced 0 is known, a model with no input price is not.
func (o override) pricesSet() bool { return o.input != nil && o.output != nil }

func ptr(f float64) *float64 { return &f }
