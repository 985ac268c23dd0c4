package oairules

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// API describes what a provider's API can do with the OpenAI parameters
// Check looks at. A zero field refuses what it governs: false
// MultipleChoices refuses n > 1, and a zero MaxTemperature every
// temperature above 0, so Name and the temperature range must be set.
type API struct {
	// Name names the API in messages: "Anthropic", "Bedrock Converse".
	Name string

	// MinTemperature and MaxTemperature bound the temperature the API
	// accepts. A value outside is refused rather than clamped or rescaled:
	// either would answer a different request than the one the caller
	// sent, while another target (with a wider range) may serve it as is.
	MinTemperature, MaxTemperature float64

	// MultipleChoices reports that the API can return n > 1 choices; when
	// false n > 1 is refused, since a caller that asked for three reads
	// three.
	MultipleChoices bool

	// Logprobs reports that the API can return log probabilities; the
	// provider then maps (and validates) logprobs and top_logprobs itself.
	// When false, logprobs: true and top_logprobs > 0 are refused.
	Logprobs bool

	// WebSearchAdvice follows "not supported; " in the refusal of
	// web_search_options: why the API cannot honour it through this
	// gateway, and what to send instead if anything.
	WebSearchAdvice string
}

// Violation is the first parameter of a request that the API cannot
// honour: Param names it as OpenAI's error param does
// ("messages[1].function_call"), Message says why without repeating the
// parameter or the provider's name.
type Violation struct {
	Param   string
	Message string
}

// LegacyFunctionRole is the message refusing a role "function" message,
// the result half of OpenAI's deprecated function calling. Providers refuse
// it while converting messages (its param is messages[i].role), for the
// same reason Check refuses the request fields.
const LegacyFunctionRole = `role "function" (deprecated function calling) is not supported; send assistant tool_calls and role "tool" messages instead`

// Check returns the first parameter of req that api cannot honour without
// changing what the caller reads, or nil. The order is fixed (legacy
// functions, tool_choice, n, temperature, output limit, logprobs, web
// search, audio), so a request with several violations always gets the
// same answer. Parameters an API merely lacks (seed, penalties, logit_bias)
// are the provider's to drop; Check does not look at them.
func Check(req *chat.Request, api API) *Violation {
	for _, rule := range []func(*chat.Request, API) *Violation{
		legacyFunctions,
		toolChoiceWithoutTools,
		choices,
		temperature,
		outputLimit,
		logprobs,
		webSearch,
		audioOutput,
	} {
		if v := rule(req, api); v != nil {
			return v
		}
	}
	return nil
}

func violation(param, format string, args ...any) *Violation {
	return &Violation{Param: param, Message: fmt.Sprintf(format, args...)}
}

// legacyFunctions refuses OpenAI's deprecated function-calling fields.
// Dropping them, as unknown fields are dropped, would silently turn the
// caller's function calling off; translating them would answer with
// tool_calls a legacy caller does not read. A message's function_call is
// the call half in a conversation's history: left out, the model would
// read a history in which it never called the function whose result
// follows.
func legacyFunctions(req *chat.Request, _ API) *Violation {
	if present(req.Extra["functions"]) {
		return violation("functions", "the deprecated functions field is not supported; send tools instead")
	}
	if present(req.Extra["function_call"]) {
		return violation("function_call", "the deprecated function_call field is not supported; send tool_choice (with tools) instead")
	}
	for i, m := range req.Messages {
		if present(m.FunctionCall) {
			return violation(fmt.Sprintf("messages[%d].function_call", i),
				"the deprecated function_call field of a message is not supported; send assistant tool_calls instead")
		}
	}
	return nil
}

// toolChoiceWithoutTools: a tool_choice of auto or none without tools
// changes nothing (no tool can be called either way) and is left to the
// provider to drop; one that demands a call (required, or a named
// function) cannot be met.
func toolChoiceWithoutTools(req *chat.Request, _ API) *Violation {
	tc := req.ToolChoice
	if len(req.Tools) > 0 || tc == nil {
		return nil
	}
	if tc.Function != "" {
		return violation("tool_choice.function.name", "%q is not one of the request's tools (it has none)", tc.Function)
	}
	if tc.Mode == "required" {
		return violation("tool_choice", `"required" needs tools, and the request has none`)
	}
	return nil
}

func choices(req *chat.Request, api API) *Violation {
	if !api.MultipleChoices && req.N != nil && *req.N > 1 {
		return violation("n", "only n=1 is supported (%s returns one choice)", api.Name)
	}
	return nil
}

func temperature(req *chat.Request, api API) *Violation {
	if t := req.Temperature; t != nil && (*t < api.MinTemperature || *t > api.MaxTemperature) {
		return violation("temperature", "%g is outside %s's range %g to %g (it is not rescaled or clamped)",
			*t, api.Name, api.MinTemperature, api.MaxTemperature)
	}
	return nil
}

// outputLimit refuses an output limit below 1 under either name, even the
// one the newer name overrides: the caller sent an invalid value.
func outputLimit(req *chat.Request, _ API) *Violation {
	for _, f := range []struct {
		name string
		v    *int
	}{{"max_completion_tokens", req.MaxCompletionTokens}, {"max_tokens", req.MaxTokens}} {
		if f.v != nil && *f.v < 1 {
			return violation(f.name, "must be at least 1")
		}
	}
	return nil
}

// logprobs refuses logprobs: true and top_logprobs > 0 when the API
// returns no log probabilities; false and 0 ask for nothing.
func logprobs(req *chat.Request, api API) *Violation {
	if api.Logprobs {
		return nil
	}
	if raw := req.Extra["logprobs"]; present(raw) {
		var want bool
		if json.Unmarshal(raw, &want) != nil {
			return violation("logprobs", "must be a boolean")
		}
		if want {
			return violation("logprobs", "not supported by %s (it returns no log probabilities)", api.Name)
		}
	}
	if raw := req.Extra["top_logprobs"]; present(raw) {
		var n int
		if json.Unmarshal(raw, &n) != nil || n < 0 {
			return violation("top_logprobs", "must be a non-negative integer")
		}
		if n > 0 {
			return violation("top_logprobs", "not supported by %s (it returns no log probabilities)", api.Name)
		}
	}
	return nil
}

// webSearch refuses web_search_options: dropped, the answer would come
// from the model's memory alone.
func webSearch(req *chat.Request, api API) *Violation {
	if !present(req.Extra["web_search_options"]) {
		return nil
	}
	if api.WebSearchAdvice == "" {
		return violation("web_search_options", "not supported")
	}
	return violation("web_search_options", "not supported; %s", api.WebSearchAdvice)
}

// audioOutput refuses a request for audio output, modalities other than
// text or an audio parameter: the translated reply is text only (OpenAI's
// message.audio is never filled), so the caller would silently get none.
func audioOutput(req *chat.Request, _ API) *Violation {
	if raw := req.Extra["modalities"]; present(raw) {
		var modalities []string
		if json.Unmarshal(raw, &modalities) != nil {
			return violation("modalities", "must be an array of strings")
		}
		for _, m := range modalities {
			if m != "text" {
				return violation("modalities", "only text output is supported, not %q", m)
			}
		}
	}
	if present(req.Extra["audio"]) {
		return violation("audio", "audio output is not supported (the reply is text only)")
	}
	return nil
}

// present reports a field the caller set to something other than null.
func present(raw json.RawMessage) bool {
	return len(raw) > 0 && !bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}
