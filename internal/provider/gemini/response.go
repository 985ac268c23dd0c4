package gemini

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// toResponse converts a generateContent answer into an OpenAI chat
// completion. model is the requested model, used when Gemini does not
// report modelVersion.
func toResponse(g *generateResponse, model string, now time.Time) (*chat.Response, error) {
	resp := &chat.Response{
		ID:      responseID(g.ResponseID),
		Object:  "chat.completion",
		Created: now.Unix(),
		Model:   firstNonEmpty(g.ModelVersion, model),
		Usage:   convertUsage(g.UsageMetadata),
	}
	if len(g.Candidates) == 0 {
		if g.PromptFeedback == nil || g.PromptFeedback.BlockReason == "" {
			return nil, &provider.Error{Class: provider.ClassBadResponse, Message: "gemini: response has neither candidates nor a promptFeedback.blockReason"}
		}
		// A blocked prompt is an answer, not a failure: the same prompt
		// would be blocked by the next Gemini target too, and OpenAI
		// reports its own moderation the same way.
		refusal := blockedRefusal(g.PromptFeedback)
		resp.Choices = []chat.Choice{{
			Message:      chat.Message{Role: "assistant", Content: chat.Content{Null: true}, Refusal: &refusal},
			FinishReason: "content_filter",
		}}
		return resp, nil
	}
	cands := append([]candidate(nil), g.Candidates...)
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].Index < cands[j].Index })
	for _, c := range cands {
		text, calls, err := candidateOutput(c.Content, 0)
		if err != nil {
			return nil, err
		}
		msg := chat.Message{Role: "assistant", Content: chat.Content{Text: text, Null: text == ""}, ToolCalls: calls}
		resp.Choices = append(resp.Choices, chat.Choice{
			Index:        c.Index,
			Message:      msg,
			FinishReason: finishReason(c.FinishReason, len(calls) > 0),
			Logprobs:     convertLogprobs(c.LogprobsResult),
		})
	}
	return resp, nil
}

// candidateOutput collects a candidate's visible text (thought summaries
// excluded) and its function calls as OpenAI tool calls. firstCall numbers
// the synthetic ids ("call_<n>") when Gemini sends no functionCall.id.
func candidateOutput(c *content, firstCall int) (string, []chat.ToolCall, error) {
	if c == nil {
		return "", nil, nil
	}
	var sb strings.Builder
	var calls []chat.ToolCall
	for _, p := range c.Parts {
		switch {
		case p.FunctionCall != nil:
			args, err := compactArgs(p.FunctionCall.Args)
			if err != nil {
				return "", nil, &provider.Error{Class: provider.ClassBadResponse, Message: "gemini: functionCall " + p.FunctionCall.Name + " has unreadable args", Err: err}
			}
			calls = append(calls, chat.ToolCall{
				ID:       toolCallID(p.FunctionCall.ID, firstCall+len(calls), p.ThoughtSignature),
				Type:     "function",
				Function: chat.FunctionCall{Name: p.FunctionCall.Name, Arguments: args},
			})
		case p.Thought:
			// Thought summaries (includeThoughts) are not part of the answer.
		default:
			sb.WriteString(p.Text)
		}
	}
	return sb.String(), calls, nil
}

// toolCallID is Gemini's functionCall.id, else the deterministic
// "call_<n>", with the call's thought signature appended (see
// thoughtSeparator) so the caller hands it back on the next turn.
func toolCallID(id string, n int, signature string) string {
	if id == "" {
		id = fmt.Sprintf("call_%d", n)
	}
	if signature != "" {
		id += thoughtSeparator + signature
	}
	return id
}

func compactArgs(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "{}", nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// finishReason maps Gemini's finishReason to OpenAI's. Every reason that
// means "output withheld by a filter" is content_filter; reasons with no
// OpenAI counterpart (OTHER, MALFORMED_FUNCTION_CALL...) are stop.
func finishReason(reason string, hasToolCalls bool) string {
	switch reason {
	case "MAX_TOKENS":
		return "length"
	case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "LANGUAGE",
		"IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION":
		return "content_filter"
	}
	if hasToolCalls {
		return "tool_calls"
	}
	return "stop"
}

// convertUsage maps usageMetadata. Thinking tokens are billed as output, so
// they count toward completion_tokens and are reported as reasoning_tokens;
// cached tokens are part of the prompt count, as in OpenAI.
func convertUsage(u *usageMetadata) *chat.Usage {
	if u == nil {
		return nil
	}
	prompt := u.PromptTokenCount + u.ToolUsePromptTokenCount
	completion := u.CandidatesTokenCount + u.ThoughtsTokenCount
	total := u.TotalTokenCount
	if total == 0 {
		total = prompt + completion
	}
	return &chat.Usage{
		PromptTokens:            prompt,
		CompletionTokens:        completion,
		TotalTokens:             total,
		PromptTokensDetails:     &chat.PromptTokensDetails{CachedTokens: u.CachedContentTokenCount},
		CompletionTokensDetails: &chat.CompletionTokensDetails{ReasoningTokens: u.ThoughtsTokenCount},
	}
}

// blockedRefusal is the refusal text for a prompt Gemini refused to answer.
func blockedRefusal(pf *promptFeedback) string {
	msg := "The prompt was blocked by Gemini (blockReason " + pf.BlockReason + ")."
	if pf.BlockReasonMessage != "" {
		msg += " " + pf.BlockReasonMessage
	}
	return msg
}

// responseID is Gemini's responseId, or a random chatcmpl- id when the
// upstream sent none.
func responseID(id string) string {
	if id != "" {
		return id
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "chatcmpl-" + hex.EncodeToString(b[:])
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
