package gemini

import (
	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider/oairules"
)

// geminiAPI is what Gemini's generateContent can do with the OpenAI
// parameters package oairules checks.
var geminiAPI = oairules.API{
	Name: "Gemini",
	// OpenAI's range too.
	MinTemperature: 0,
	MaxTemperature: 2,
	// n is candidateCount; logprobs and top_logprobs are mapped (and
	// validated) by applyLogprobs.
	MultipleChoices: true,
	Logprobs:        true,
	// Gemini's search is Google Search grounding (a google_search tool),
	// which this provider does not send: its grounding citations would have
	// no place in the translated reply, and OpenAI's search_context_size
	// and user_location have no Gemini equivalent.
	WebSearchAdvice: "Gemini's equivalent, Google Search grounding, is not available through this provider",
}

// checkParameters refuses the OpenAI parameters Gemini cannot honour
// without changing what the caller reads: function calling silently
// switched off, a tool call demanded with no tools, audio output, an
// out-of-range temperature; docs/providers/gemini.md lists them.
func checkParameters(r *chat.Request) error {
	if v := oairules.Check(r, geminiAPI); v != nil {
		return invalid(v.Param, "%s", v.Message)
	}
	return nil
}
