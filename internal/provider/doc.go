// Package provider defines what a model provider is to the gateway: something
// that turns a chat.Request into a chat.Response or a chunk Stream, and
// reports failures as *Error with a Class from one closed vocabulary.
//
// A provider translates and calls; it knows nothing of routing, retries,
// budgets or metrics. The attempt loop (package engine) decides what a Class
// means. Implementations live in sub-packages (openai, anthropic, gemini,
// bedrock, mock) and register a constructor with Register.
package provider
