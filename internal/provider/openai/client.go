package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/jsonscan"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// DefaultBaseURL is OpenAI's API root.
const DefaultBaseURL = "https://api.openai.com/v1"

// maxResponseBytes caps a non-streamed upstream body so a misbehaving
// upstream cannot exhaust the gateway's memory.
const maxResponseBytes = 32 << 20

func init() {
	provider.Register("openai", New)
	provider.Register("openai-compatible", New)
}

// Client calls one OpenAI-compatible endpoint.
type Client struct {
	name    string
	baseURL string
	headers http.Header
	key     *provider.Credential
	// authHeader carries the key: "Authorization" sends "Bearer <key>",
	// another name (Azure OpenAI's api-key) the bare key.
	authHeader string
	http       *http.Client
	// native is true for type openai: it serves the Responses API
	// (NativeResponses).
	native bool
}

var _ provider.Provider = (*Client)(nil)

// New builds a client from its provider config.
func New(cfg config.Provider, env provider.Env) (provider.Provider, error) {
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	hc := env.HTTPClient
	if hc == nil {
		hc = provider.DefaultHTTPClient()
	}
	h := http.Header{}
	for k, v := range cfg.Headers {
		h.Set(k, v)
	}
	auth := http.CanonicalHeaderKey(cfg.AuthHeader)
	if auth == "" {
		auth = "Authorization"
	}
	return &Client{
		name:       env.Name,
		baseURL:    base,
		headers:    h,
		key:        provider.NewCredential(cfg.APIKey, env.Secrets, provider.DefaultCredentialTTL),
		authHeader: auth,
		http:       hc,
		native:     cfg.Type == "openai",
	}, nil
}

// gatewayOnly are body fields the gateway consumes and must not forward.
var gatewayOnly = []string{"router", "extra"}

func (c *Client) body(call *provider.Call, stream bool) ([]byte, error) {
	// A shallow copy: only top-level fields change, and Extra is copied
	// below before anything is removed from it.
	cp := *call.Request
	r := &cp
	r.Model = call.Model
	r.Stream = stream
	// On a stream, stream_options goes as the call has it: the engine asks
	// for usage on every stream (StreamOptions.WithUsage) to price it.
	if !stream {
		r.StreamOptions = nil
	}
	for _, k := range gatewayOnly {
		if _, ok := r.Extra[k]; ok {
			r.Extra = maps.Clone(r.Extra)
			for _, k := range gatewayOnly {
				delete(r.Extra, k)
			}
			break
		}
	}
	// extra.openai (or extra.<this provider's name>) holds parameters for
	// this provider only; they go upstream as top-level fields.
	for _, scope := range []string{"openai", c.name} {
		for k, v := range call.Request.ExtraFor(scope) {
			b, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			r.Extra = maps.Clone(r.Extra)
			if r.Extra == nil {
				r.Extra = map[string]json.RawMessage{}
			}
			r.Extra[k] = b
		}
	}
	// MarshalJSON directly: json.Marshal would re-compact its output and
	// HTML-escape the caller's messages on the way.
	return r.MarshalJSON()
}

func (c *Client) do(ctx context.Context, call *provider.Call, stream bool) (*http.Response, error) {
	body, err := c.body(call, stream)
	if err != nil {
		return nil, &provider.Error{Class: provider.ClassInvalidRequest, Status: 400, Message: "encode request: " + err.Error()}
	}
	return c.post(ctx, "/chat/completions", body, call.RequestID, stream)
}

// post sends body to path under the base URL with the provider's headers
// and key; a non-2xx answer is mapped to a *provider.Error.
func (c *Client) post(ctx context.Context, path string, body []byte, requestID string, stream bool) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+path, bytes.NewReader(body))
	if err != nil {
		return nil, &provider.Error{Class: provider.ClassNetwork, Message: "build request", Err: err}
	}
	for k, v := range c.headers {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	if stream {
		req.Header.Set("Accept", "text/event-stream")
	}
	if requestID != "" {
		req.Header.Set("X-Client-Request-Id", requestID)
	}
	key, err := c.key.Get(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case key == "":
	case c.authHeader == "Authorization":
		req.Header.Set("Authorization", "Bearer "+key)
	default:
		req.Header.Set(c.authHeader, key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, provider.NetworkError(ctx, err)
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		// A 401/403 may mean the key was rotated and revoked: the next
		// attempt resolves it again instead of resending this one.
		return nil, c.key.InvalidateOnAuth(key, errorFromResponse(resp))
	}
	return resp, nil
}

// Complete sends a non-streamed request and relays the upstream body.
func (c *Client) Complete(ctx context.Context, call *provider.Call) (*chat.Response, error) {
	resp, err := c.do(ctx, call, false)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, rid, err := readAnswer(ctx, resp)
	if err != nil {
		return nil, err
	}
	// The body is relayed as is (Raw); only what the gateway itself needs
	// is read: that it is JSON with an answer, and the usage for pricing.
	if !jsonscan.Valid(raw) { // json.Valid's answer, faster
		return nil, &provider.Error{Class: provider.ClassBadResponse, Status: resp.StatusCode,
			Message: "upstream returned malformed JSON", RequestID: rid}
	}
	var fields [3][]byte // one scan for the three the gateway reads
	topLevels(raw, answerFields, fields[:])
	if !nonEmptyArray(fields[0]) {
		return nil, &provider.Error{Class: provider.ClassBadResponse, Status: resp.StatusCode,
			Message: "upstream response has no choices", RequestID: rid}
	}
	usage := readUsage(fields[1])
	model := readModel(fields[2])
	return &chat.Response{Object: "chat.completion", Model: model, Usage: usage,
		Raw: raw, UpstreamRequestID: rid}, nil
}

// Stream opens a streamed request.
func (c *Client) Stream(ctx context.Context, call *provider.Call) (provider.Stream, error) {
	resp, err := c.do(ctx, call, true)
	if err != nil {
		return nil, err
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "text/event-stream") {
		resp.Body.Close()
		return nil, &provider.Error{Class: provider.ClassBadResponse, Status: resp.StatusCode,
			Message: "upstream answered a stream request with " + ct}
	}
	return newStream(ctx, resp, time.Now), nil
}

// answerFields are the members of an answer the gateway reads.
var answerFields = []string{"choices", "usage", "model"}

// preallocMax bounds what readBody allocates on the upstream's word (its
// Content-Length) before the bytes arrive: an upstream announcing 32 MiB
// and sending ten bytes must not cost 32 MiB per request.
const preallocMax = 1 << 20

// readBody reads a non-streamed answer, up to maxResponseBytes+1 bytes
// (more is refused), in one allocation when the upstream sent its length
// (io.ReadAll would grow from 512 bytes, copying as it goes).
// readAnswer reads a successful answer's body (readBody) and its
// upstream request id; a cut read is a network error and a body over
// maxResponseBytes a bad response, each a *provider.Error.
func readAnswer(ctx context.Context, resp *http.Response) (raw []byte, rid string, err error) {
	rid = resp.Header.Get("X-Request-Id")
	raw, err = readBody(resp)
	if err != nil {
		return nil, rid, provider.NetworkError(ctx, err)
	}
	if len(raw) > maxResponseBytes {
		return nil, rid, &provider.Error{Class: provider.ClassBadResponse, Status: resp.StatusCode, Message: "upstream response larger than 32 MiB", RequestID: rid}
	}
	return raw, rid, nil
}

func readBody(resp *http.Response) ([]byte, error) {
	lr := io.LimitReader(resp.Body, maxResponseBytes+1)
	n := resp.ContentLength
	if n <= 0 || n > maxResponseBytes {
		return io.ReadAll(lr)
	}
	buf := make([]byte, 0, min(n, preallocMax)+1) // +1: EOF is seen without growing
	for {
		m, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		switch {
		case err == io.EOF:
			return buf, nil
		case err != nil:
			return buf, err
		case len(buf) == cap(buf):
			buf = append(buf, 0)[:len(buf)] // longer than announced or preallocated: grow
		}
	}
}
