package anthropic

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

const (
	defaultBaseURL    = "https://api.anthropic.com"
	defaultAPIVersion = "2023-06-01"
)

func init() { provider.Register("anthropic", New) }

// Client calls Anthropic's Messages API for one configured provider.
type Client struct {
	endpoint string // {base_url}/v1/messages
	version  string
	// versionPinned: api_version is configured, and wins over a caller's
	// anthropic-version on native requests (the account may need it).
	versionPinned bool
	headers       map[string]string
	key           *provider.Credential
	http          *http.Client
	// now stamps "created" and reads Retry-After dates; tests fix it.
	now func() time.Time
}

var _ provider.Provider = (*Client)(nil)

// New builds the provider from its config. base_url is the API root
// (default https://api.anthropic.com; a trailing /v1 is tolerated),
// api_version the anthropic-version header (default 2023-06-01), and headers
// are added to every request (anthropic-beta, for instance). The API key is
// resolved on first use, so a cold start does not wait on a secret store.
func New(cfg config.Provider, env provider.Env) (provider.Provider, error) {
	base := defaultBaseURL
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("anthropic provider %q: base_url %q must be an absolute http(s) URL", env.Name, cfg.BaseURL)
		}
		base = strings.TrimSuffix(strings.TrimRight(cfg.BaseURL, "/"), "/v1")
	}
	version := cfg.APIVersion
	if version == "" {
		version = defaultAPIVersion
	}
	hc := env.HTTPClient
	if hc == nil {
		hc = provider.DefaultHTTPClient()
	}
	return &Client{
		endpoint:      base + "/v1/messages",
		version:       version,
		versionPinned: cfg.APIVersion != "",
		headers:       cfg.Headers,
		key:           provider.NewCredential(cfg.APIKey, env.Secrets, provider.DefaultCredentialTTL),
		http:          hc,
		now:           time.Now,
	}, nil
}

// Complete sends a non-streamed Messages request.
func (c *Client) Complete(ctx context.Context, call *provider.Call) (*chat.Response, error) {
	body, err := buildBody(call.Model, call.Request, false)
	if err != nil {
		return nil, err
	}
	resp, err := c.post(ctx, body, "application/json")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		// The connection broke mid-body: a transport failure, not a bad reply.
		e := provider.NetworkError(ctx, err)
		e.RequestID = resp.Header.Get("Request-Id")
		return nil, e
	}
	m, perr := decodeResponse(raw)
	if perr != nil {
		perr.Status, perr.RequestID = resp.StatusCode, resp.Header.Get("Request-Id")
		return nil, perr
	}
	out, cerr := convertResponse(m, call.Model, c.now().Unix())
	if cerr != nil {
		return nil, cerr
	}
	out.UpstreamRequestID = resp.Header.Get("Request-Id")
	return out, nil
}

// Stream opens a streamed Messages request. The returned stream reads the
// event stream as it arrives; the caller must Close it.
func (c *Client) Stream(ctx context.Context, call *provider.Call) (provider.Stream, error) {
	body, err := buildBody(call.Model, call.Request, true)
	if err != nil {
		return nil, err
	}
	resp, err := c.post(ctx, body, "text/event-stream")
	if err != nil {
		return nil, err
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "application/json" {
		// A proxy that ignored stream:true answers with a Message; reading it
		// as events would only end in a misleading "stream cut".
		resp.Body.Close()
		return nil, &provider.Error{
			Class: provider.ClassBadResponse, Status: resp.StatusCode, RequestID: resp.Header.Get("Request-Id"),
			Message: "anthropic: expected an event stream, got application/json",
		}
	}
	includeUsage := call.Request.StreamOptions != nil && call.Request.StreamOptions.IncludeUsage
	return newStream(ctx, resp, call.Model, c.now().Unix(), includeUsage), nil
}

// post sends body and returns a 2xx response; any other status is turned
// into an *provider.Error here, with the body closed.
func (c *Client) post(ctx context.Context, body []byte, accept string) (*http.Response, error) {
	return c.postTo(ctx, c.endpoint, body, accept, nil)
}

// postTo is post to url, with the caller's own anthropic-version and
// anthropic-beta (a native pass-through's) from hdr.
func (c *Client) postTo(ctx context.Context, url string, body []byte, accept string, hdr http.Header) (*http.Response, error) {
	key, err := c.key.Get(ctx)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("anthropic: build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", accept)
	req.Header.Set("Anthropic-Version", c.version)
	forwardCallerHeaders(req.Header, hdr, c.versionPinned)
	// The gateway's request id (Call.RequestID) is not sent: the Messages
	// API has no client request id header. Anthropic's own request-id
	// comes back on every response and is kept in errors.
	// Configured headers may override the defaults above (a pinned
	// anthropic-version for one account), but never the key below.
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	if key != "" {
		req.Header.Set("X-Api-Key", key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, provider.NetworkError(ctx, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		// A 401/403 may mean the key was rotated and revoked: the next
		// attempt resolves it again instead of resending this one.
		return nil, c.key.InvalidateOnAuth(key, errorFromResponse(resp, c.now()))
	}
	return resp, nil
}
