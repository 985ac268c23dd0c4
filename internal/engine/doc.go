// Package engine is the routing engine: it resolves which router serves a
// request, expands it into ordered candidates, and runs the attempt loop
// (DESIGN §5) — retries with backoff on rate limits, fallback on server,
// network and timeout failures, cooldowns, budgets, the request deadline,
// and the streaming commit rule — then records metrics and traces.
//
// It speaks chat types and provider interfaces; it must not know HTTP
// (package httpapi turns its results and *Error into responses) nor any
// concrete provider or store.
package engine
