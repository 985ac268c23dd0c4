package gemini

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// DefaultBaseURL is the Gemini API (Google AI Studio keys).
const DefaultBaseURL = "https://generativelanguage.googleapis.com"

func init() { provider.Register("gemini", New) }

// Client calls the Gemini API for one configured provider.
type Client struct {
	base    string // scheme://host[/prefix]/v1beta, no trailing slash
	key     *provider.Credential
	headers map[string]string
	http    *http.Client
	now     func() time.Time // injected by tests so created is exact
}

var _ provider.Provider = (*Client)(nil)

// New builds a Gemini provider. base_url, when set, is the API root (a
// proxy or a regional endpoint); /v1beta is appended unless it already ends
// in an API version. The key is resolved on first use, never at startup.
func New(cfg config.Provider, env provider.Env) (provider.Provider, error) {
	base, err := apiBase(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("gemini provider %q: base_url: %w", env.Name, err)
	}
	hc := env.HTTPClient
	if hc == nil {
		hc = provider.DefaultHTTPClient()
	}
	return &Client{
		base:    base,
		key:     provider.NewCredential(cfg.APIKey, env.Secrets, provider.DefaultCredentialTTL),
		headers: cfg.Headers,
		http:    hc,
		now:     time.Now,
	}, nil
}

func apiBase(raw string) (string, error) {
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q must be an absolute http(s) URL", raw)
	}
	if u.RawQuery != "" {
		return "", fmt.Errorf("must not carry a query string (the API key goes in api_key)")
	}
	base := strings.TrimRight(raw, "/")
	for _, v := range []string{"/v1beta", "/v1", "/v1alpha"} {
		if strings.HasSuffix(base, v) {
			return base, nil
		}
	}
	return base + "/v1beta", nil
}

// Complete calls models/{model}:generateContent.
func (c *Client) Complete(ctx context.Context, call *provider.Call) (*chat.Response, error) {
	resp, key, err := c.post(ctx, call, "generateContent")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		// A refused key (API_KEY_INVALID, 401/403) may have been rotated
		// and revoked: the next attempt resolves it again.
		return nil, c.key.InvalidateOnAuth(key, errorFromResponse(resp, key, c.now()))
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, provider.NetworkError(ctx, err)
	}
	var g generateResponse
	if err := json.Unmarshal(body, &g); err != nil {
		return nil, &provider.Error{Class: provider.ClassBadResponse, Status: resp.StatusCode,
			Message: "gemini: cannot decode generateContent response", Err: err}
	}
	if g.Error != nil {
		return nil, fromAPIError(g.Error, 0)
	}
	out, terr := toResponse(&g, call.Model, c.now())
	if terr != nil {
		return nil, terr
	}
	// Gemini's responseId identifies the answer in Google's logs.
	out.UpstreamRequestID = g.ResponseID
	return out, nil
}

// Stream calls models/{model}:streamGenerateContent?alt=sse. Errors before
// the first event (HTTP status, transport) are returned here; later ones
// come from the Stream's Err.
func (c *Client) Stream(ctx context.Context, call *provider.Call) (provider.Stream, error) {
	resp, key, err := c.post(ctx, call, "streamGenerateContent")
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		return nil, c.key.InvalidateOnAuth(key, errorFromResponse(resp, key, c.now()))
	}
	includeUsage := call.Request.StreamOptions != nil && call.Request.StreamOptions.IncludeUsage
	return newStream(ctx, resp.Body, call.Model, includeUsage, c.now()), nil
}

// post translates the request and sends it. It returns the resolved key so
// error messages can be scrubbed of it.
func (c *Client) post(ctx context.Context, call *provider.Call, method string) (*http.Response, string, error) {
	if call == nil || call.Request == nil {
		return nil, "", invalid("request", "is missing")
	}
	target, err := c.endpoint(call.Model, method)
	if err != nil {
		return nil, "", err
	}
	greq, err := toGemini(call.Request)
	if err != nil {
		return nil, "", err
	}
	body, err := json.Marshal(greq)
	if err != nil {
		return nil, "", invalid("request", "cannot encode for gemini: %v", err)
	}
	return c.send(ctx, target, body, method == "streamGenerateContent")
}

// send POSTs body to target with the key and the provider's headers. It
// returns the resolved key so error messages can be scrubbed of it.
func (c *Client) send(ctx context.Context, target string, body []byte, stream bool) (*http.Response, string, error) {
	key, err := c.key.Get(ctx)
	if err != nil {
		return nil, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, "", fmt.Errorf("gemini: build request: %w", err)
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	if stream {
		req.Header.Set("Accept", "text/event-stream")
	}
	if key != "" {
		// In a header, never ?key=: URLs end up in logs and error messages.
		req.Header.Set("X-Goog-Api-Key", key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		pe := provider.NetworkError(ctx, err)
		pe.Message = scrub(pe.Message, key)
		return nil, "", pe
	}
	return resp, key, nil
}

// endpoint is {base}/models/{model}:{method}. A model may be given as
// "gemini-2.5-flash", "models/gemini-2.5-flash" or "tunedModels/<id>".
func (c *Client) endpoint(model, method string) (string, error) {
	resource := "models/"
	name := strings.TrimPrefix(model, "models/")
	if rest, ok := strings.CutPrefix(model, "tunedModels/"); ok {
		resource, name = "tunedModels/", rest
	}
	if name == "" || strings.Contains(name, "/") {
		return "", invalid("model", "%q is not a Gemini model name", model)
	}
	u := c.base + "/" + resource + url.PathEscape(name) + ":" + method
	if method == "streamGenerateContent" {
		u += "?alt=sse" // one GenerateContentResponse per SSE event, instead of a JSON array
	}
	return u, nil
}
