package benchfake

import (
	"encoding/json"
)

// The answers follow OpenAI's documented Chat Completions examples, with
// the fields a current API response carries.

const promptTokens = 42

const answer = "Switchyard routes each request to the provider and model that should serve it, " +
	"retries and fails over when a provider breaks, and records every decision so the route " +
	"can be explained afterwards. This reply is fixed so that benchmarks measure the gateway, not the model."

const completionTmpl = `{"id":"chatcmpl-BenchFake0000000000000000001","object":"chat.completion","created":1735689600,` +
	`"model":%q,"choices":[{"index":0,"message":{"role":"assistant","content":%s,"refusal":null,` +
	`"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":%d,` +
	`"completion_tokens":%d,"total_tokens":%d,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},` +
	`"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,` +
	`"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_benchfake"}`

const chunkTmpl = `{"id":"chatcmpl-BenchFake0000000000000000002","object":"chat.completion.chunk",` +
	`"created":1735689600,"model":%q,"service_tier":"default","system_fingerprint":"fp_benchfake",` +
	`"choices":[{"index":0,"delta":%s,"logprobs":null,"finish_reason":%s}],"usage":null}`

const usageTmpl = `{"id":"chatcmpl-BenchFake0000000000000000002","object":"chat.completion.chunk",` +
	`"created":1735689600,"model":%q,"service_tier":"default","system_fingerprint":"fp_benchfake",` +
	`"choices":[],"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d,` +
	`"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":` +
	`{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}`

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
