// Package sse reads and writes Server-Sent Events (text/event-stream), the
// framing of OpenAI, Anthropic and Gemini streams. It is the project's one
// SSE decoder; it knows nothing of what the data lines mean.
package sse
