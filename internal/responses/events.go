package responses

import (
	"bytes"
	"encoding/json"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// Commits reports whether a native upstream event carries something the
// caller would see, which commits the stream (nothing is sent before it,
// so a failure until then can still fall back): the first text, refusal
// or function-call arguments delta, or a function_call item being added.
// A terminal event (completed, incomplete) commits an answer with no
// content at all.
func Commits(typ string, data []byte) bool {
	switch typ {
	case "response.output_text.delta", "response.refusal.delta", "response.function_call_arguments.delta",
		"response.completed", "response.incomplete":
		return true
	case "response.output_item.added":
		var ev struct {
			Item struct {
				Type string `json:"type"`
			} `json:"item"`
		}
		// Only a function call: a message item is added before its text,
		// which may never come.
		return bytes.Contains(data, []byte(`function_call`)) && json.Unmarshal(data, &ev) == nil && ev.Item.Type == "function_call"
	}
	return false
}

// EventUsage is the usage of a response.completed or response.incomplete
// event's response (in chat's words, for pricing); nil for another event
// or none.
func EventUsage(typ string, data []byte) *chat.Usage {
	if typ != "response.completed" && typ != "response.incomplete" {
		return nil
	}
	var ev struct {
		Response struct {
			Usage *Usage `json:"usage"`
		} `json:"response"`
	}
	if json.Unmarshal(data, &ev) != nil {
		return nil
	}
	return ev.Response.Usage.ChatUsage()
}
