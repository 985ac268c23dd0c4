// Package bedrock is the Amazon Bedrock provider: it serves OpenAI-style chat
// requests through the Bedrock Runtime Converse and ConverseStream APIs with
// the official AWS SDK, signing with the default credential chain (the
// Lambda role in production). It also passes Anthropic Messages requests
// through to Claude models natively (InvokeModel,
// InvokeModelWithResponseStream and CountTokens with an Anthropic body:
// native.go, native_stream.go) and serves embeddings with Titan Text
// Embeddings and Cohere Embed through InvokeModel (embed.go).
//
// The package translates and calls, nothing more. client.go builds the SDK
// client once and makes the calls; rules.go refuses what Converse cannot
// honour (it describes Converse to package oairules, which holds the rules
// the providers share); convert.go, messages.go, params.go and extra.go turn a
// chat.Request into a Converse input (pure functions);
// response.go and stream.go turn Converse output and ConverseStream events
// back into OpenAI responses and chunks; errors.go maps SDK errors onto
// provider classes; transport.go works around an SDK/net/http race. The
// rules for every OpenAI parameter (mapped, dropped or rejected) are in
// docs/providers/bedrock.md.
//
// It must not retry, back off, fall back or keep health state: the SDK's own
// retries are turned off because the gateway's attempt loop owns all of that.
// It must not fetch image URLs on the caller's behalf, and it must never put
// credentials into errors or logs.
package bedrock
