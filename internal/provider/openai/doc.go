// Package openai is the provider for OpenAI's Chat Completions API and any
// OpenAI-compatible endpoint (type openai-compatible: Groq, vLLM, Together,
// Azure-style gateways...). Requests go upstream as the caller sent them,
// with the target's model and params; responses are relayed byte for byte.
//
// It translates nothing and knows nothing of routing: errors are classified
// into provider.Class and the attempt loop decides what to do.
package openai
