package responses

import (
	"encoding/json"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// Commits reports whether a native upstream event carries something the
// caller would see, which commits the stream (nothing is sent before it,
// so a failure until then can still fall back): any delta (text, refusal,
// function-call arguments, reasoning text and summaries, a built-in tool's
// code or input), a partial image, or an output item being added that is
// neither a message nor a reasoning item (a function or built-in tool
// call: the model is acting). A message item is added before its text,
// which may never come, and a reasoning item before its summary. A
// terminal event (completed, incomplete) commits an answer with no
// content at all. Committing on reasoning as soon as it streams keeps a
// reasoning model's long first phase from being held (in memory, unseen)
// until its first text.
func Commits(typ string, data []byte) bool {
	switch {
	case typ == "response.completed", typ == "response.incomplete":
		return true
	case strings.HasPrefix(typ, "response.") && (strings.HasSuffix(typ, ".delta") || strings.HasSuffix(typ, ".partial_image")):
		return true
	case typ == "response.output_item.added":
		var ev struct {
			Item struct {
				Type string `json:"type"`
			} `json:"item"`
		}
		return json.Unmarshal(data, &ev) == nil && ev.Item.Type != "" && ev.Item.Type != "message" && ev.Item.Type != "reasoning"
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
