package engine

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// NewHTTPClient returns the client every HTTP provider shares: connections
// are kept alive and reused across requests and providers (a TLS handshake
// costs more than the gateway's whole routing work), and no overall
// timeout is set because streams may run for minutes — attempts are
// bounded by their context instead.
func NewHTTPClient() *http.Client {
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   128,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: 0, // first byte can take long for big prompts; the attempt context bounds it
	}
	return &http.Client{Transport: t}
}

// EnvSecrets resolves env:VAR references only; the Lambda build wires a
// resolver that also reads Secrets Manager and SSM.
type EnvSecrets struct{}

// Resolve returns the environment variable named by an env: reference.
func (EnvSecrets) Resolve(_ context.Context, ref string) (string, error) {
	kind, name, _ := strings.Cut(ref, ":")
	if kind != "env" {
		return "", fmt.Errorf("%s: references are not available in this build", kind)
	}
	v := os.Getenv(name)
	if v == "" {
		return "", fmt.Errorf("environment variable %s is not set", name)
	}
	return v, nil
}
