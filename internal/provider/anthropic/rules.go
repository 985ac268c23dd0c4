package anthropic

import (
	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider/oairules"
)

// messagesAPI is what Anthropic's Messages API can do with the OpenAI
// parameters package oairules checks.
var messagesAPI = oairules.API{
	Name: "Anthropic",
	// OpenAI allows up to 2.
	MinTemperature: 0,
	MaxTemperature: 1,
	// MultipleChoices and Logprobs are false: Anthropic returns one choice
	// and no log probabilities.

	// Anthropic searches the web with a server tool, not a request option,
	// and its cited results have no place in the translated reply (OpenAI's
	// url_citation annotations), so the caller sends the tool itself.
	WebSearchAdvice: `to search with Claude, send Anthropic's server-side web search tool in extra.anthropic.tools, e.g. [{"type":"web_search_20250305","name":"web_search"}]`,
}

// checkParameters refuses the OpenAI parameters Anthropic cannot honour
// without changing what the caller reads: one choice for a caller that
// asked for three, no logprobs for one that reads them, a clamped
// temperature, or function calling silently switched off. Sampling hints
// Anthropic lacks (seed, penalties, logit_bias) are dropped instead; see
// docs/providers/anthropic.md.
func checkParameters(req *chat.Request) error {
	if v := oairules.Check(req, messagesAPI); v != nil {
		return invalid(v.Param, "%s", v.Message)
	}
	return nil
}
