package gemini

import (
	"encoding/json"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// Log probabilities are mapped rather than dropped: a caller that asks for
// them reads them, and Gemini can produce them (responseLogprobs).

// applyLogprobs maps logprobs / top_logprobs (kept in Request.Extra) to
// generationConfig.responseLogprobs / logprobs.
func applyLogprobs(r *chat.Request, g *generationConfig) error {
	raw := r.Extra["logprobs"]
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var want bool
	if err := json.Unmarshal(raw, &want); err != nil {
		return invalid("logprobs", "must be a boolean")
	}
	if !want {
		return nil
	}
	g.ResponseLogprobs = true
	if top := r.Extra["top_logprobs"]; len(top) > 0 && string(top) != "null" {
		var n int
		if err := json.Unmarshal(top, &n); err != nil || n < 0 {
			return invalid("top_logprobs", "must be a non-negative integer")
		}
		g.Logprobs = &n
	}
	return nil
}

// openAILogprobs is a choice's logprobs in OpenAI's shape.
type openAILogprobs struct {
	Content []openAITokenLogprob `json:"content"`
	Refusal []openAITokenLogprob `json:"refusal"` // always null: Gemini scores no refusal tokens
}

type openAITokenLogprob struct {
	openAITopLogprob
	TopLogprobs []openAITopLogprob `json:"top_logprobs"`
}

type openAITopLogprob struct {
	Token   string  `json:"token"`
	Logprob float64 `json:"logprob"`
	Bytes   []int   `json:"bytes"`
}

// convertLogprobs maps a candidate's logprobsResult; nil when absent.
func convertLogprobs(lr *logprobsResult) json.RawMessage {
	if lr == nil || len(lr.ChosenCandidates) == 0 {
		return nil
	}
	out := openAILogprobs{Content: make([]openAITokenLogprob, len(lr.ChosenCandidates))}
	for i, c := range lr.ChosenCandidates {
		tl := openAITokenLogprob{openAITopLogprob: token(c), TopLogprobs: []openAITopLogprob{}}
		if i < len(lr.TopCandidates) {
			for _, top := range lr.TopCandidates[i].Candidates {
				tl.TopLogprobs = append(tl.TopLogprobs, token(top))
			}
		}
		out.Content[i] = tl
	}
	b, _ := json.Marshal(out)
	return b
}

func token(t tokenLogprob) openAITopLogprob {
	b := []byte(t.Token)
	bytes := make([]int, len(b))
	for i, c := range b {
		bytes[i] = int(c)
	}
	return openAITopLogprob{Token: t.Token, Logprob: t.LogProbability, Bytes: bytes}
}
