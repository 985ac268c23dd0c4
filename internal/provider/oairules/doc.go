// Package oairules holds the rules, shared by the providers that translate
// OpenAI chat requests into another API (anthropic, gemini, bedrock), for
// refusing an OpenAI parameter that API cannot honour: legacy function
// calling, a tool_choice that demands a call without tools, n > 1, an
// out-of-range temperature, an output limit below 1, logprobs,
// web_search_options, and audio output.
//
// A provider describes what its API can do in an API value; Check returns
// the first parameter the request sets that the API cannot serve, as a
// Violation naming the parameter. The provider turns it into its own error
// (class, status, message prefix), so this package knows nothing of
// provider.Error, of routing, or of any one provider's wire format.
//
// It must not drop, clamp or rewrite anything: it only reads the request.
// Which parameters are refused, and why, is written down for each provider
// in docs/providers/<name>.md; a change of rule belongs there too.
package oairules
