// Package pricing knows what a model costs: an embedded catalog of list
// prices and limits per provider type, per-deployment overrides from the
// config's models: section, the USD cost of a response's usage, and a cheap
// estimate of a request's prompt tokens so budgets can reserve and the cost
// strategy can rank before any provider is called.
//
// It must not do I/O, call providers or tokenizers, or know about routing:
// every function here runs on the hot path of a request and is pure. The
// catalog is parsed once and never mutated, so a *Catalog is safe to share
// between goroutines; WithOverrides returns a new one.
package pricing
