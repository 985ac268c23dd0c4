// Package anthropic is the provider for Anthropic's Messages API
// (POST /v1/messages). It translates an OpenAI chat request into a Messages
// request, calls the API, and translates the reply — a Message, or its
// server-sent event stream — back into an OpenAI response or chunks.
//
// The split follows the other providers: client.go makes the HTTP call,
// rules.go refuses what Anthropic cannot honour (it describes the API to
// package oairules, which holds the rules the providers share), convert.go
// and messages.go translate requests, response.go translates replies,
// stream.go turns the event stream into chunks lazily, and errors.go maps
// Anthropic's error bodies onto provider.Class; native.go passes a caller's
// own Messages request through (provider.Messager) for POST /v1/messages. The translation rules,
// parameter by parameter, are written down in docs/providers/anthropic.md;
// a change of rule belongs there too.
//
// This package must not know about routing, retries, budgets or metrics: it
// reports a failure as a *provider.Error and lets the attempt loop decide.
// It must never put the API key into an error, a log or a trace, and never
// read a whole stream into memory before handing out its first chunk.
package anthropic
