// Package responses is the OpenAI Responses API (POST /v1/responses) as
// the gateway speaks it: the wire types of a request and of a response
// object, the translation of a request into a chat request (for targets
// that do not serve the Responses API natively: Anthropic, Gemini,
// Bedrock, OpenAI-compatible), the translation of a chat answer back into
// a response object, and an encoder that turns a stream of chat chunks
// into the Responses API's semantic events (response.created, ...
// response.completed) with their sequence numbers.
//
// The gateway is stateless here: previous_response_id and conversation
// are refused (a 400 naming the parameter), store is accepted and
// ignored. Translation keeps what chat can express and refuses, naming
// the parameter, what it cannot (built-in tools, file inputs, item
// references); docs/api.md lists both.
//
// This package must not know about routing, providers or HTTP: it reads
// bytes and writes values. It must never trust the caller's sizes: the
// number of input items and content parts is bounded (limits.go) on top
// of the body limit.
package responses
