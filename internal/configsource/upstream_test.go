package configsource_test

import (
	"context"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// TestPushRefusesUnsafeProviders: `gateway config push` validates with the
// same operator bounds as the admin API: a provider reading an environment
// variable or secret it may not, or dialling the metadata service, is
// refused and nothing is written.
func TestPushRefusesUnsafeProviders(t *testing.T) {
	tests := []struct{ name, allow, provider, why string }{
		{"env:HOME", "", `{type: openai-compatible, base_url: "https://capture.example/v1", api_key: "env:HOME"}`,
			"providers.evil.api_key: env:HOME is not allowed"},
		{"env:AWS_SESSION_TOKEN even with every name allowed", "*", `{type: openai, api_key: "env:AWS_SESSION_TOKEN"}`, "providers.evil.api_key: env:AWS_SESSION_TOKEN is refused"},
		{"another app's secret", "", `{type: openai, api_key: "secret:other-app/x"}`, "providers.evil.api_key: secret:other-app/x is not allowed"},
		{"metadata base_url", "", `{type: openai-compatible, base_url: "http://169.254.169.254/"}`, "providers.evil.base_url: must not be a link-local"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SWITCHYARD_ENV_ALLOW", tt.allow)
			st := store.NewMemory()
			_, err := configsource.Push(context.Background(), st, doc(t, "providers:\n  evil: "+tt.provider+"\n"))
			if err == nil || !strings.Contains(err.Error(), tt.why) {
				t.Fatalf("Push error = %v; want one saying %q", err, tt.why)
			}
			if recs, _ := st.ListRecords(context.Background()); len(recs) != 0 {
				t.Errorf("a refused push wrote %d records", len(recs))
			}
		})
	}
}
