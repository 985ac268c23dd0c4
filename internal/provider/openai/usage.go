package openai

import (
	"encoding/json"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/jsonscan"
)

var (
	usageFields           = []string{"prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details", "completion_tokens_details"}
	promptDetailsFields   = []string{"cached_tokens", "cache_write_tokens"}
	completionDetailsFlds = []string{"reasoning_tokens"}
)

// fastUsage decodes the usage object at b[i] (a member of the chunk, depth
// 2), sent once per stream; its details objects are at depth 3.
func fastUsage(b []byte, i int, u *chat.Usage) (int, bool) {
	var seen uint
	return fields(b, i, func(key []byte, i int) (int, bool) {
		var bit uint
		end, ok := i, true
		switch string(key) {
		case "prompt_tokens":
			bit = 1
			end, ok = intInto(b, i, &u.PromptTokens)
		case "completion_tokens":
			bit = 2
			end, ok = intInto(b, i, &u.CompletionTokens)
		case "total_tokens":
			bit = 4
			end, ok = intInto(b, i, &u.TotalTokens)
		case "prompt_tokens_details":
			bit = 8
			if end, ok = nullAt(b, i); ok {
				break
			}
			if b[i] != '{' {
				return i, false
			}
			d := new(chat.PromptTokensDetails)
			u.PromptTokensDetails = d
			end, ok = tokenCounts(b, i, promptDetailsFields, &d.CachedTokens, &d.CacheWriteTokens)
		case "completion_tokens_details":
			bit = 16
			if end, ok = nullAt(b, i); ok {
				break
			}
			if b[i] != '{' {
				return i, false
			}
			d := new(chat.CompletionTokensDetails)
			u.CompletionTokensDetails = d
			end, ok = tokenCounts(b, i, completionDetailsFlds, &d.ReasoningTokens)
		default:
			if knownFold(key, usageFields) {
				return i, false
			}
			return jsonscan.Value(b, i, 2)
		}
		if seen&bit != 0 {
			return i, false
		}
		seen |= bit
		return end, ok
	})
}

// tokenCounts decodes the object at b[i] (depth 3) whose known members,
// names[k], are integers decoded into dst[k].
func tokenCounts(b []byte, i int, names []string, dst ...*int) (int, bool) {
	var seen uint
	return fields(b, i, func(key []byte, i int) (int, bool) {
		for k, n := range names {
			if string(key) == n {
				if seen&(1<<k) != 0 {
					return i, false
				}
				seen |= 1 << k
				return intInto(b, i, dst[k])
			}
		}
		if knownFold(key, names) {
			return i, false
		}
		return jsonscan.Value(b, i, 3)
	})
}

// intInto decodes the integer at b[i] into *dst; null leaves it as it is,
// as encoding/json does.
func intInto(b []byte, i int, dst *int) (int, bool) {
	if end, ok := nullAt(b, i); ok {
		return end, true
	}
	n, end, ok := intAt(b, i)
	if ok {
		*dst = int(n)
	}
	return end, ok
}

// readUsage decodes an answer's usage value (valid JSON, or nil when
// absent) as encoding/json does, by the stream's decoder (usage is a member
// of the top-level object here too) and encoding/json for anything
// unusual; nil when it is not an object or does not decode: an unreadable
// usage must not fail a good answer.
func readUsage(u []byte) *chat.Usage {
	if len(u) == 0 || u[0] != '{' {
		return nil
	}
	usage := new(chat.Usage)
	if end, ok := fastUsage(u, 0, usage); ok && end == len(u) {
		return usage
	}
	*usage = chat.Usage{}
	if err := json.Unmarshal(u, usage); err != nil {
		return nil
	}
	return usage
}

// readModel decodes an answer's model value (valid JSON, or nil), "" when
// it is not a string.
func readModel(m []byte) string {
	if len(m) == 0 {
		return ""
	}
	if s, end, ok := strAt(m, 0, ""); ok && end == len(m) {
		return s
	}
	var model string
	_ = json.Unmarshal(m, &model)
	return model
}
