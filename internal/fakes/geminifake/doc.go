// Package geminifake is an httptest fake of the Gemini API's
// models/{model}:generateContent, :streamGenerateContent?alt=sse and
// :batchEmbedContents for tests of the gemini provider and of the gateway
// end to end. Embeddings are checked by ValidateEmbedBody (documented
// members only, 1-100 requests each naming the path's model, documented
// taskType values) and answered with Vector(i, outputDimensionality), no
// token counts, as the real API answers.
//
// It validates every request the way the real API would reject it (method,
// path, alt=sse, the key in x-goog-api-key and never in the URL; a body
// whose every member, generationConfig's included, is a documented
// GenerateContentRequest field of the documented JSON type, with
// generationConfig values in their documented ranges, non-empty contents,
// user/model roles alternating and one data field per part), reporting a
// violation both as Gemini's INVALID_ARGUMENT 400 and as a test failure.
// ValidateBody applies the body rules alone, for translation tests. It answers from recorded bodies built from Google's
// documented examples (testdata/responses, testdata/streams,
// testdata/errors), streams events framed with CRLF as Gemini does, counts
// hits per model, and plays scripted replies per model: 429
// RESOURCE_EXHAUSTED, 503 UNAVAILABLE, an error object mid-stream, and a cut
// connection.
//
// It must not be imported by non-test code, and it knows nothing of the
// gateway: it only speaks Gemini's wire format.
package geminifake
