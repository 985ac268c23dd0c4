package engine

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// NewHTTPClient returns the client every HTTP provider shares:
// provider.NewHTTPClient (kept-alive connections, no redirects followed,
// resolved addresses checked) under the operator's settings from the
// environment (config.UpstreamPolicyFromEnv).
func NewHTTPClient() *http.Client {
	return provider.NewHTTPClient(provider.TransportOptions{Policy: config.UpstreamPolicyFromEnv(os.Getenv)})
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
