package provider

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/trace"
)

// TransportOptions configure NewHTTPClient. Zero values take the stated
// defaults.
type TransportOptions struct {
	// Policy bounds the addresses the client connects to (CheckDial);
	// the zero value allows http only to loopback and refuses link-local
	// and metadata addresses, like config validation's defaults.
	Policy config.UpstreamPolicy
	// Resolver resolves upstream host names; nil: net.DefaultResolver.
	// Tests inject one that answers from memory.
	Resolver *net.Resolver
}

// NewHTTPClient returns a client for upstream calls. Connections are kept
// alive and reused across requests and providers (a TLS handshake costs
// more than the gateway's whole routing work), and no overall timeout is
// set because streams may run for minutes: attempts are bounded by their
// context instead.
//
// Two guards hold whatever the config says, since an admin key can change
// it:
//   - a redirect is never followed. Go's client would re-send the prompt
//     to the new location with every header but Authorization (api-key,
//     x-api-key, x-goog-api-key included); here a 3xx answer is a failed
//     attempt of class bad_response, so the loop moves to the next target.
//   - every connection's resolved address passes Policy.CheckDial before it
//     is made, so a host name that resolves to the metadata service (or
//     plain http that resolves off loopback) is refused even though config
//     validation could only see the name.
func NewHTTPClient(opts TransportOptions) *http.Client {
	pol := opts.Policy
	d := &net.Dialer{
		Timeout:   10 * time.Second,
		KeepAlive: 30 * time.Second,
		Resolver:  opts.Resolver,
		ControlContext: func(ctx context.Context, _, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &Error{Class: ClassNetwork, Message: "refused to connect to an address that is not an IP address"}
			}
			plaintext, _ := ctx.Value(plaintextKey{}).(bool)
			if err := pol.CheckDial(ap.Addr(), plaintext); err != nil {
				return &Error{Class: ClassNetwork, Message: "refused to connect to the upstream: " + err.Error()}
			}
			return nil
		},
	}
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   128,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: 0, // first byte can take long for big prompts; the attempt context bounds it
	}
	return &http.Client{
		Transport: noRedirects{next: t},
		// Not reached through noRedirects; kept so a client whose
		// Transport is replaced still never follows one.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

var (
	defaultClientOnce sync.Once
	defaultClient     *http.Client
)

// DefaultHTTPClient is the client providers use when Env.HTTPClient is
// nil: NewHTTPClient with the operator's settings from the environment,
// never http.DefaultClient (which follows redirects).
func DefaultHTTPClient() *http.Client {
	defaultClientOnce.Do(func() {
		defaultClient = NewHTTPClient(TransportOptions{Policy: config.UpstreamPolicyFromEnv(os.Getenv)})
	})
	return defaultClient
}

// plaintextKey marks a request's context as http://, for the dial check.
// The transport keys its connection pool by scheme, so a connection dialled
// for https is never handed to an http request or the other way round.
type plaintextKey struct{}

// noRedirects turns a 3xx answer into a failed attempt before the
// client's redirect logic sees it, marks http:// requests for the dial
// check, and passes the attempt's trace context (W3C traceparent, when
// OpenTelemetry traces) to the upstream.
type noRedirects struct{ next http.RoundTripper }

func (n noRedirects) RoundTrip(r *http.Request) (*http.Response, error) {
	if trace.HasInjector(r.Context()) {
		// A RoundTripper must not change the caller's request: inject
		// into a copy.
		r = r.Clone(r.Context())
		trace.Inject(r.Context(), r.Header)
	}
	if r.URL.Scheme == "http" {
		r = r.WithContext(context.WithValue(r.Context(), plaintextKey{}, true))
	}
	resp, err := n.next.RoundTrip(r)
	if err != nil || resp.StatusCode < 300 || resp.StatusCode > 399 {
		return resp, err
	}
	resp.Body.Close()
	// The Location is not quoted: it is the upstream's text and may name
	// a host of whoever set base_url.
	return nil, &Error{Class: ClassBadResponse, Status: resp.StatusCode,
		Message: fmt.Sprintf("upstream answered %d %s; redirects are not followed", resp.StatusCode, http.StatusText(resp.StatusCode))}
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// transport through the wrapper.
func (n noRedirects) CloseIdleConnections() {
	if c, ok := n.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
