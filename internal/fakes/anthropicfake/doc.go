// Package anthropicfake is an httptest fake of Anthropic's Messages API
// (POST /v1/messages) for tests of the anthropic provider and of the
// gateway end to end.
//
// It validates every request the way Anthropic does (x-api-key,
// anthropic-version, content-type, required fields, alternating roles,
// tool_result placement, no unknown top-level keys), reporting a violation
// both as the 400 the real API would send and as a test failure. It answers
// from recorded bodies built from Anthropic's documented examples
// (testdata/responses, testdata/streams, testdata/errors), counts hits per
// model, and plays scripted replies per model: error statuses with
// Anthropic's error bodies (529 overloaded_error, 429 rate_limit_error with
// retry-after), an error event mid-stream, and a cut connection.
//
// It must not be imported by non-test code, and it knows nothing of the
// gateway: it only speaks Anthropic's wire format.
package anthropicfake
