package chat

import "fmt"

// Limits on the caller's numbers that multiply into money. They are
// checked at the door (Decode, WithParams) so that no estimate downstream
// computes with a value a caller picked to overflow: n × max_tokens once
// wrapped int64 around to a negative reservation that let spend through a
// hard budget.
const (
	// MaxChoices is the largest n, as OpenAI accepts it.
	MaxChoices = 128
	// MaxOutputTokens is the largest max_tokens or max_completion_tokens
	// accepted whatever the model: ten times the largest output cap any
	// model has today. A model's own, smaller cap is applied by pricing
	// and enforced by its provider.
	MaxOutputTokens = 10_000_000
)

// OpenAI's error codes for an integer out of its range.
const (
	CodeBelowMin = "integer_below_min_value"
	CodeAboveMax = "integer_above_max_value"
)

// CheckLimits refuses n outside 1–MaxChoices and max_tokens or
// max_completion_tokens outside 1–MaxOutputTokens, naming the parameter.
// Every way a Request is built from a caller's numbers must call it
// before the request is priced or sent.
func (r *Request) CheckLimits() *FieldError {
	for _, f := range [...]struct {
		param string
		v     *int
		max   int
	}{
		{"max_tokens", r.MaxTokens, MaxOutputTokens},
		{"max_completion_tokens", r.MaxCompletionTokens, MaxOutputTokens},
		{"n", r.N, MaxChoices},
	} {
		if f.v == nil {
			continue
		}
		if v := *f.v; v < 1 || v > f.max {
			code := CodeAboveMax
			if v < 1 {
				code = CodeBelowMin
			}
			return &FieldError{Param: f.param, Code: code,
				Msg: fmt.Sprintf("%s must be an integer from 1 to %d, not %d", f.param, f.max, v)}
		}
	}
	return nil
}
