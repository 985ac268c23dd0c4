package config

import (
	"strings"
	"testing"
)

// TestSecretRefDefaultSecret: secret:#<field> (a field of the deployment's
// provider secret) is a valid api_key; a '#' with no field is not.
func TestSecretRefDefaultSecret(t *testing.T) {
	runValidate(t, []validateCase{
		{"secret:#field for every keyed type",
			"providers: {a: {type: openai, api_key: \"secret:#openai\"}, b: {type: anthropic, api_key: \"secret:#anthropic\"}, " +
				"c: {type: gemini, api_key: \"secret:#gemini\"}, d: {type: openai-compatible, base_url: \"http://localhost:8000/v1\", api_key: \"secret:#groq\"}}\n", nil},
		{"secret:# without a field", provider("{type: openai, api_key: \"secret:#\"}"),
			[]wantErr{{"providers.p.api_key", "need a field name after '#'"}}},
		{"secret: alone", provider("{type: openai, api_key: \"secret:\"}"),
			[]wantErr{{"providers.p.api_key", "must be env:VAR"}}},
	})
}

func TestCheckSecretRef(t *testing.T) {
	tests := []struct{ ref, wantErr string }{
		{ref: "env:OPENAI_API_KEY"},
		{ref: "ssm:/switchyard/openai"},
		{ref: "secret:prod/keys"},
		{ref: "secret:prod/keys#openai"},
		{ref: "secret:arn:aws:secretsmanager:us-east-1:1:secret:x-AbC#openai"},
		{ref: "secret:#openai"},
		{ref: "secret:#", wantErr: "need a field name after '#'"},
		{ref: "secret:prod/keys#", wantErr: "need a field name after '#'"},
		{ref: "secret:", wantErr: "secret:#<field> for the deployment's provider secret"},
		{ref: "sk-proj-abc", wantErr: "literal keys are not accepted"},
	}
	for _, tt := range tests {
		err := checkSecretRef(tt.ref)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("checkSecretRef(%q) = %v; want ok", tt.ref, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("checkSecretRef(%q) = %v; want error containing %q", tt.ref, err, tt.wantErr)
		}
	}
}
