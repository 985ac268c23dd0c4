package bedrockfake

import (
	"encoding/json"
	"errors"
	"fmt"
)

// bodyKeys are the members of the Converse and ConverseStream request
// body (the model id is in the path); the service rejects others.
var bodyKeys = map[string]bool{
	"messages": true, "system": true, "inferenceConfig": true, "toolConfig": true,
	"guardrailConfig": true, "additionalModelRequestFields": true, "promptVariables": true,
	"additionalModelResponseFieldPaths": true, "requestMetadata": true, "performanceConfig": true,
	"outputConfig": true, "serviceTier": true,
}

type wireMessage struct {
	Role    string      `json:"role"`
	Content []wireBlock `json:"content"`
}

// wireBlock is a ContentBlock union; only the members the checks need.
type wireBlock struct {
	ToolUse *struct {
		ToolUseID string          `json:"toolUseId"`
		Name      string          `json:"name"`
		Input     json.RawMessage `json:"input"`
	} `json:"toolUse"`
	ToolResult *struct {
		ToolUseID string `json:"toolUseId"`
	} `json:"toolResult"`
}

type wireToolConfig struct {
	Tools      []json.RawMessage `json:"tools"`
	ToolChoice json.RawMessage   `json:"toolChoice"`
}

type wireInference struct {
	MaxTokens   *int     `json:"maxTokens"`
	Temperature *float64 `json:"temperature"`
	TopP        *float64 `json:"topP"`
}

// ValidateBody checks a Converse request body the way the service does
// (the messages in the error are Bedrock's ValidationException texts), so a
// translation test can prove a body would be accepted without sending it.
func ValidateBody(body []byte) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return fmt.Errorf("body is not a JSON object: %v", err)
	}
	if _, ok := obj["modelId"]; ok {
		return errors.New("modelId belongs in the path, not the body")
	}
	for k := range obj {
		if !bodyKeys[k] {
			return fmt.Errorf("unknown field %q in the request body", k)
		}
	}
	var msgs []wireMessage
	if err := json.Unmarshal(obj["messages"], &msgs); err != nil || len(msgs) == 0 {
		return errors.New("messages must be a non-empty array")
	}
	if err := validateMessages(msgs, obj["toolConfig"]); err != nil {
		return err
	}
	if raw, ok := obj["inferenceConfig"]; ok {
		var ic wireInference
		if err := json.Unmarshal(raw, &ic); err != nil {
			return fmt.Errorf("inferenceConfig: %v", err)
		}
		switch {
		case ic.MaxTokens != nil && *ic.MaxTokens < 1:
			return errors.New("inferenceConfig.maxTokens: must be at least 1")
		case ic.Temperature != nil && (*ic.Temperature < 0 || *ic.Temperature > 1):
			return errors.New("inferenceConfig.temperature: must be between 0 and 1")
		case ic.TopP != nil && (*ic.TopP < 0 || *ic.TopP > 1):
			return errors.New("inferenceConfig.topP: must be between 0 and 1")
		}
	}
	return nil
}

// validateMessages checks the conversation rules Converse enforces: it
// starts with a user message, roles alternate, no message is empty, each
// toolResult answers a toolUse of the assistant message just before it,
// and toolConfig is defined whenever toolUse or toolResult blocks appear.
func validateMessages(msgs []wireMessage, rawToolConfig json.RawMessage) error {
	toolBlocks := false
	prevUses := map[string]bool{}
	for i, m := range msgs {
		switch {
		case m.Role != "user" && m.Role != "assistant":
			return fmt.Errorf("message role must be user or assistant, got %q", m.Role)
		case i == 0 && m.Role != "user":
			return errors.New("A conversation must start with a user message. Try again with a conversation that starts with a user message.")
		case i > 0 && m.Role == msgs[i-1].Role:
			return errors.New("A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.")
		case len(m.Content) == 0:
			return fmt.Errorf("messages.%d: message content must not be empty", i)
		}
		uses := map[string]bool{}
		for j, b := range m.Content {
			switch {
			case b.ToolUse != nil:
				toolBlocks = true
				if m.Role != "assistant" || b.ToolUse.ToolUseID == "" || b.ToolUse.Name == "" || len(b.ToolUse.Input) == 0 {
					return fmt.Errorf("messages.%d.content.%d: toolUse needs an assistant message, a toolUseId, a name and an input", i, j)
				}
				uses[b.ToolUse.ToolUseID] = true
			case b.ToolResult != nil:
				toolBlocks = true
				if m.Role != "user" || !prevUses[b.ToolResult.ToolUseID] {
					return fmt.Errorf("messages.%d.content.%d: toolResult %q does not answer a toolUse of the previous assistant message", i, j, b.ToolResult.ToolUseID)
				}
			}
		}
		prevUses = uses
	}
	var tc wireToolConfig
	if len(rawToolConfig) > 0 {
		if err := json.Unmarshal(rawToolConfig, &tc); err != nil {
			return fmt.Errorf("toolConfig: %v", err)
		}
		if len(tc.Tools) == 0 {
			return errors.New("toolConfig.tools: must hold at least one tool")
		}
	}
	if toolBlocks && len(tc.Tools) == 0 {
		return errors.New("The toolConfig field must be defined when using toolUse and toolResult content blocks.")
	}
	return nil
}
