package provider

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"

	"github.com/aws/smithy-go/middleware"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
)

// Provider calls one configured upstream.
type Provider interface {
	// Complete sends a non-streamed request. Errors are *Error.
	Complete(ctx context.Context, call *Call) (*chat.Response, error)
	// Stream opens a streamed request. The returned Stream yields OpenAI
	// chunks; errors (at open or mid-stream) are *Error.
	Stream(ctx context.Context, call *Call) (Stream, error)
}

// Call is one attempt's input.
type Call struct {
	// Model is the upstream model id (the part after "provider/").
	Model string
	// Request is the caller's request with the target's params merged in.
	// Providers must not modify it.
	Request *chat.Request
	// RequestID is the gateway's request id, sent upstream where the
	// provider accepts a client request id.
	RequestID string
}

// Stream is a stream of OpenAI chunks, in openai-go's ssestream shape.
// Next blocks until a chunk is ready or the stream ends; Err reports why it
// ended (nil at a clean end). Close is safe to call more than once, and
// from another goroutine to abandon a stream blocked in Next.
type Stream interface {
	Next() bool
	Current() *chat.Chunk
	Err() error
	Close() error
}

// Skimmer is a Stream that can stop decoding its chunks whole. After Skim,
// each Current carries Raw (the event as received), Model, Usage and, for
// each choice, only Index and FinishReason: what the engine reads of a
// committed stream whose writer relays Raw. The event is still checked to
// be JSON, and an error event still ends the stream with Err.
type Skimmer interface {
	Skim()
}

// RequestIDer is a Stream that knows the upstream's id for the request
// (relayed to the caller as x-upstream-request-id once the stream commits).
type RequestIDer interface {
	RequestID() string
}

// Env is what a provider constructor may use from its surroundings.
type Env struct {
	// HTTPClient is the shared, tuned client for HTTP providers.
	HTTPClient *http.Client
	// Secrets resolves api_key references (env:, secret:, ssm:).
	Secrets SecretResolver
	// Name is the provider's configured name (the key under providers:).
	Name string
	// AWSAPIOptions are added to AWS SDK clients' APIOptions (X-Ray
	// instrumentation). Only the bedrock provider uses them.
	AWSAPIOptions []func(*middleware.Stack) error
}

// SecretResolver turns an api_key reference into the secret value.
type SecretResolver interface {
	Resolve(ctx context.Context, ref string) (string, error)
}

// Factory builds a provider from its config.
type Factory func(cfg config.Provider, env Env) (Provider, error)

var (
	mu        sync.RWMutex
	factories = map[string]Factory{}
)

// Register makes a provider type available to New. Sub-packages call it
// from init.
func Register(typ string, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	factories[typ] = f
}

// New builds the provider for cfg.Type.
func New(cfg config.Provider, env Env) (Provider, error) {
	mu.RLock()
	f, ok := factories[cfg.Type]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("provider %q: type %q is not available (known: %v)", env.Name, cfg.Type, Types())
	}
	return f(cfg, env)
}

// Types lists the registered provider types.
func Types() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(factories))
	for k := range factories {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
