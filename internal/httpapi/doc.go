// Package httpapi is the gateway's OpenAI-compatible HTTP surface (DESIGN
// §3): chat completions (streamed and not), embeddings, the Responses API
// (responses.go, streamed as semantic events by responsesse.go), models, routing explain,
// metrics, admin config and health. It authenticates, parses, maps engine
// results and errors to responses and headers, and logs one line per
// request. The same handler serves the local server and Lambda. Before any
// handler it guards the edge (guard.go): canonical paths, keyless mode's
// Host/Origin/content-type rules (keyless.go), max_in_flight, the body
// memory budget and the body and per-write deadlines (limits.go, body.go).
//
// It must not route or call providers itself: that is package engine.
package httpapi
