// Package benchfake is a minimal, fast fake of OpenAI's Chat Completions
// endpoint for benchmarks and the load generator (cmd/loadgen): it answers
// every POST .../chat/completions with one fixed, realistic completion, or
// with a fixed SSE stream when the request says "stream": true.
//
// Its bodies are rendered once, so the fake spends as little CPU as
// possible per request and the measurements are the gateway's. It must not
// grow features of a test fake (fault injection, request checks, delays):
// the provider tests have their own fakes for behaviour.
package benchfake
