package provider

import "context"

// Responder is a provider that speaks OpenAI's Responses API natively:
// OpenAI itself (type openai). POST /v1/responses passes the caller's
// request through to such a target unchanged but for the model, so
// nothing the Responses API has and chat lacks (built-in tools, file
// inputs, reasoning items, include, truncation...) is lost. Other targets,
// OpenAI-compatible ones included (most do not serve /responses), are
// served by translating to chat and back. It is a capability checked by
// type assertion, like Messager.
type Responder interface {
	// NativeResponses reports whether model takes Responses requests as is.
	NativeResponses(model string) bool
	// Responses sends a non-streamed Responses request. Errors are *Error.
	Responses(ctx context.Context, call *NativeCall) (*NativeResponse, error)
	// ResponsesStream opens a streamed Responses request: its events are
	// the Responses API's (response.created ... response.completed), as
	// received; an upstream error event or response.failed ends it with
	// an Err.
	ResponsesStream(ctx context.Context, call *NativeCall) (EventStream, error)
}
