package bedrock

import (
	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider/oairules"
)

// converseAPI is what Bedrock's Converse API can do with the OpenAI
// parameters package oairules checks.
var converseAPI = oairules.API{
	Name: "Bedrock Converse",
	// inferenceConfig.temperature; OpenAI allows up to 2.
	MinTemperature: 0,
	MaxTemperature: 1,
	// MultipleChoices and Logprobs are false: Converse returns one choice
	// and no log probabilities.
	WebSearchAdvice: "Converse has no web search",
}

// checkParameters refuses the OpenAI parameters Converse cannot honour
// without changing what the caller reads: one choice for a caller that
// asked for three, no logprobs for one that reads them, function calling
// silently switched off, audio output; docs/providers/bedrock.md lists
// them. Unlike the other providers' invalid, bedrock's does not name the
// parameter in the message, so the violation's param is put there.
func checkParameters(req *chat.Request) error {
	if v := oairules.Check(req, converseAPI); v != nil {
		return invalid(v.Param, "%s: %s", v.Param, v.Message)
	}
	return nil
}
