// Package gemini is the provider for the Google Gemini API
// (generativelanguage.googleapis.com, API-key auth): it translates an OpenAI
// chat request into models.generateContent / streamGenerateContent?alt=sse,
// and Gemini's answers, stream events and errors back into OpenAI responses,
// chunks and *provider.Error.
//
// Files: client.go (HTTP, registration), rules.go (parameters refused
// before translation, by the shared rules of package oairules), convert.go and params.go (request translation),
// schema.go (JSON Schema to Gemini Schema), response.go, logprobs.go,
// stream.go, errors.go (error classes), wire.go (Gemini JSON types).
// docs/providers/gemini.md is the user-facing rule table; keep it in step.
//
// It must not retry, fall back, sleep or pick models: the attempt loop does
// that from the error Class. It must not fetch URLs found in a request
// (images are sent inline or as Files API / gs:// URIs), and the API key
// must never appear in a URL, an error message or a log.
package gemini
