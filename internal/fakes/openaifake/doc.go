// Package openaifake is an httptest fake of OpenAI's Chat Completions API
// for tests: it answers with recorded bodies from OpenAI's documented
// examples (testdata/), validates what it receives, counts hits per model,
// and injects scripted faults (statuses with Retry-After, connection
// resets, hangs, malformed JSON, streams cut before or after content, a
// stream without [DONE]).
package openaifake
