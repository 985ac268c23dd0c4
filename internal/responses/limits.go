package responses

import "github.com/switchyard-llm/switchyard/internal/chat"

// Bounds on a request's shape, on top of the server's body limit (10 MiB
// by default). A body within the limit can still hold a million empty
// items ("[{},{},...]"), each of which would become a chat message, a
// metric estimate and a provider-side conversion: the counts are bounded
// so that the work per request stays proportional to its useful content.
const (
	// MaxInputItems is the most items input may hold.
	MaxInputItems = 10_000
	// MaxContentParts is the most content parts one message item (or one
	// function_call_output's output) may hold.
	MaxContentParts = 1_000
	// MaxTools is the most tools a request may declare.
	MaxTools = 512
	// MaxOutputTokens is max_output_tokens' upper bound: chat's.
	MaxOutputTokens = chat.MaxOutputTokens
)
