package provider

import (
	"context"
	"net/http"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// Messager is a provider that speaks Anthropic's Messages API natively
// for some of its models: Anthropic itself, and Bedrock for its Claude
// models (InvokeModel with an Anthropic body). POST /v1/messages passes
// the caller's request through to such a target unchanged but for the
// model, so nothing the Messages API has and chat lacks (cache_control,
// thinking signatures, documents, citations, anthropic-beta) is lost. A
// target that is not native is served by translating to chat and back.
// It is a capability checked by type assertion, like Embedder.
type Messager interface {
	// NativeMessages reports whether model takes Messages requests as is.
	NativeMessages(model string) bool
	// Messages sends a non-streamed Messages request. Errors are *Error.
	Messages(ctx context.Context, call *NativeCall) (*NativeResponse, error)
	// MessagesStream opens a streamed Messages request: its events are
	// Anthropic's (message_start, content_block_start/delta/stop,
	// message_delta, message_stop, ping, error), as received.
	MessagesStream(ctx context.Context, call *NativeCall) (EventStream, error)
	// CountTokens counts the input tokens of a Messages request
	// (POST /v1/messages/count_tokens); Body has no max_tokens.
	CountTokens(ctx context.Context, call *NativeCall) (int, error)
}

// NativeCall is one attempt of a request passed through in the caller's
// own wire format (Anthropic Messages, OpenAI Responses).
type NativeCall struct {
	// Model is the upstream model id (the part after "provider/").
	Model string
	// Body is the caller's request body, a JSON object, with the target's
	// params already merged in. The provider replaces or removes "model"
	// (and adds what its API needs, such as Bedrock's anthropic_version)
	// on a copy; it must not modify Body.
	Body []byte
	// Stream is whether the caller asked for a stream (Body's "stream").
	Stream bool
	// Header holds the caller's headers the upstream API defines, for
	// instance anthropic-beta and anthropic-version; nil when none.
	Header http.Header
	// RequestID is the gateway's request id.
	RequestID string
}

// NativeResponse is a non-streamed answer in the caller's wire format.
type NativeResponse struct {
	// Body is the upstream's response JSON as received (the gateway may
	// rewrite "model" and "id" before relaying it).
	Body []byte
	// Usage is read from Body, for pricing, budgets and metrics: input
	// tokens include cache reads and writes (PromptTokensDetails).
	Usage *chat.Usage
	// Model is the model the upstream says answered.
	Model string
	// StopReason is the answer's stop reason in the upstream's words.
	StopReason        string
	UpstreamRequestID string
}

// EventStream is an upstream's stream of named SSE events in the caller's
// wire format, relayed as received. Next blocks until an event is ready
// or the stream ends; Err says why it ended (nil at a clean end), and an
// "error" event sent by the upstream is an Err too (a *Error). Close is
// safe to call more than once, and from another goroutine to abandon a
// stream blocked in Next.
type EventStream interface {
	Next() bool
	Event() Event
	Err() error
	Close() error
}

// Event is one SSE event: its name and its data, as received. Data is
// valid until the next call of Next.
type Event struct {
	Type string
	Data []byte
}
