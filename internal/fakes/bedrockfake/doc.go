// Package bedrockfake is an httptest fake of the Bedrock Runtime Converse
// and ConverseStream operations (POST /model/{modelId}/converse and
// /converse-stream) for tests of the bedrock provider and of the gateway
// end to end, reached through the real AWS SDK via its endpoint override.
// It also serves InvokeModel (/invoke) for Claude (Anthropic Messages
// bodies, answered from testdata/invoke), Titan Text Embeddings and Cohere
// Embed (vectors computed from the text: Vector, Tokens),
// InvokeModelWithResponseStream (/invoke-with-response-stream: Anthropic
// events as "chunk" events, scripts in testdata/invoke_stream) and
// CountTokens (/count-tokens), validating those bodies too
// (validate_invoke.go: anthropic_version, no model or stream member,
// max_tokens; the embedding models' fields and limits).
//
// It validates what the SDK sends (route, path-escaped model id, a SigV4
// Authorization header for the bedrock service in us-east-1 signed with
// AccessKeyID, X-Amz-Date, and a JSON body of known Converse fields whose
// non-empty messages start with a user turn, alternate user/assistant,
// answer each toolResult to a toolUse of the turn before, come with a
// toolConfig whenever they hold toolUse or toolResult blocks, and whose
// inferenceConfig values are in range), reporting a violation as a test
// failure and answering it with a ValidationException. ValidateBody
// applies the body rules alone.
//
// It answers from recorded bodies built from AWS's documented examples
// (testdata/converse, and testdata/stream encoded with the real AWS
// event-stream binary framing), counts hits per model, and plays scripted
// replies per model: errors shaped as the service shapes them
// (ThrottlingException 429, ServiceUnavailableException 503, ...), an
// exception event mid-stream, a cut connection, and any stopReason in place
// of the recorded one (Stopped).
//
// It must not be imported by non-test code, and it knows nothing of the
// gateway: it only speaks Bedrock's wire format.
package bedrockfake
