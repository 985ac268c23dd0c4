package bedrockfake

import (
	"strings"
	"testing"
)

// TestValidateBody: each rule of the service the fake enforces refuses the
// body that breaks it and accepts the same body without the break.
func TestValidateBody(t *testing.T) {
	const (
		user      = `{"role":"user","content":[{"text":"hi"}]}`
		assistant = `{"role":"assistant","content":[{"text":"hello"}]}`
		toolUse   = `{"role":"assistant","content":[{"toolUse":{"toolUseId":"t1","name":"f","input":{}}}]}`
		result    = `{"role":"user","content":[{"toolResult":{"toolUseId":"t1","content":[{"text":"42"}]}}]}`
		tools     = `"toolConfig":{"tools":[{"toolSpec":{"name":"f","inputSchema":{"json":{"type":"object"}}}}]}`
	)
	tests := []struct {
		name, body, wantErr string // wantErr "" means accepted
	}{
		{"one user message", `{"messages":[` + user + `]}`, ""},
		{"alternating turns", `{"messages":[` + user + `,` + assistant + `,` + user + `]}`, ""},
		{"tool round trip with toolConfig", `{"messages":[` + user + `,` + toolUse + `,` + result + `],` + tools + `}`, ""},
		{"every known field", `{"messages":[` + user + `],"system":[{"text":"s"}],"inferenceConfig":{"maxTokens":1,"temperature":1,"topP":0},` +
			`"additionalModelRequestFields":{},"guardrailConfig":{},"performanceConfig":{},"requestMetadata":{},"outputConfig":{}}`, ""},

		{"not JSON", `{"messages":`, "not a JSON object"},
		{"modelId in the body", `{"modelId":"m","messages":[` + user + `]}`, "modelId"},
		{"unknown field", `{"messages":[` + user + `],"temperature":0.5}`, `unknown field "temperature"`},
		{"no messages", `{"messages":[]}`, "non-empty"},
		{"starts with the assistant", `{"messages":[` + assistant + `,` + user + `]}`, "must start with a user message"},
		{"two user turns in a row", `{"messages":[` + user + `,` + user + `]}`, "must alternate"},
		{"two assistant turns in a row", `{"messages":[` + user + `,` + assistant + `,` + assistant + `]}`, "must alternate"},
		{"system role in messages", `{"messages":[{"role":"system","content":[{"text":"s"}]}]}`, "user or assistant"},
		{"empty content", `{"messages":[{"role":"user","content":[]}]}`, "must not be empty"},
		{"toolUse without toolConfig", `{"messages":[` + user + `,` + toolUse + `]}`, "toolConfig field must be defined"},
		{"toolResult without toolConfig", `{"messages":[` + user + `,` + toolUse + `,` + result + `]}`, "toolConfig field must be defined"},
		{"toolConfig without tools", `{"messages":[` + user + `],"toolConfig":{"tools":[]}}`, "at least one tool"},
		{"toolResult answering nothing", `{"messages":[` + user + `,` + assistant + `,` + result + `],` + tools + `}`, "does not answer a toolUse"},
		{"toolUse in a user turn", `{"messages":[{"role":"user","content":[{"toolUse":{"toolUseId":"t1","name":"f","input":{}}}]}],` + tools + `}`, "toolUse needs an assistant message"},
		{"temperature above 1", `{"messages":[` + user + `],"inferenceConfig":{"temperature":1.5}}`, "temperature"},
		{"zero maxTokens", `{"messages":[` + user + `],"inferenceConfig":{"maxTokens":0}}`, "maxTokens"},
		{"topP above 1", `{"messages":[` + user + `],"inferenceConfig":{"topP":2}}`, "topP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateBody([]byte(tt.body))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("valid body refused: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("invalid body accepted, want an error containing %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("error %q does not say %q", err, tt.wantErr)
			}
		})
	}
}

func TestWithStopReason(t *testing.T) {
	got, err := withStopReason([]byte(`{"p":"abc","stopReason":"end_turn"}`), "content_filtered")
	if err != nil || string(got) != `{"p":"abc","stopReason":"content_filtered"}` {
		t.Errorf("got %s, %v", got, err)
	}
}
