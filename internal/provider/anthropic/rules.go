package anthropic

import (
	"encoding/json"
	"fmt"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// Temperature range Anthropic accepts; OpenAI allows up to 2. A value
// outside it is refused rather than clamped: clamping would answer a
// different request than the one the caller sent.
const (
	minTemperature = 0.0
	maxTemperature = 1.0
)

// checkParameters refuses the OpenAI parameters Anthropic cannot honour
// without changing what the caller reads: one choice for a caller that
// asked for three, no logprobs for one that reads them, a clamped
// temperature, or function calling silently switched off. Sampling hints
// Anthropic lacks (seed, penalties, logit_bias) are dropped instead; see
// docs/providers/anthropic.md, whose rules the gemini and bedrock providers
// share where the APIs can do the same.
func checkParameters(req *chat.Request) error {
	if err := rejectLegacyFunctions(req); err != nil {
		return err
	}
	if err := checkToolChoiceWithoutTools(req); err != nil {
		return err
	}
	if req.N != nil && *req.N > 1 {
		return invalid("n", "only n=1 is supported (Anthropic returns one choice)")
	}
	if t := req.Temperature; t != nil && (*t < minTemperature || *t > maxTemperature) {
		return invalid("temperature", "%g is outside Anthropic's range 0 to 1 (it is not rescaled or clamped)", *t)
	}
	if err := rejectLogprobs(req); err != nil {
		return err
	}
	if err := rejectWebSearch(req); err != nil {
		return err
	}
	return rejectAudioOutput(req)
}

// rejectWebSearch refuses web_search_options. Anthropic searches the web
// with a server tool, not a request option, and its cited results have no
// place in the translated reply (OpenAI's url_citation annotations), so
// the caller who wants Anthropic's search sends the tool itself.
func rejectWebSearch(req *chat.Request) error {
	if present(req.Extra["web_search_options"]) {
		return invalid("web_search_options", `not supported by Anthropic; to search with Claude, send Anthropic's server-side web search tool in extra.anthropic.tools, e.g. [{"type":"web_search_20250305","name":"web_search"}]`)
	}
	return nil
}

// rejectLogprobs refuses logprobs: true and top_logprobs > 0, since
// Anthropic returns no log probabilities; false and 0 ask for nothing.
func rejectLogprobs(req *chat.Request) error {
	if raw := req.Extra["logprobs"]; present(raw) {
		var want bool
		if json.Unmarshal(raw, &want) != nil {
			return invalid("logprobs", "must be a boolean")
		}
		if want {
			return invalid("logprobs", "not supported by Anthropic (it returns no log probabilities)")
		}
	}
	if raw := req.Extra["top_logprobs"]; present(raw) {
		var n int
		if json.Unmarshal(raw, &n) != nil || n < 0 {
			return invalid("top_logprobs", "must be a non-negative integer")
		}
		if n > 0 {
			return invalid("top_logprobs", "not supported by Anthropic (it returns no log probabilities)")
		}
	}
	return nil
}

// rejectLegacyFunctions refuses OpenAI's deprecated function-calling
// fields. Dropping them, as unknown fields are dropped, would silently turn
// the caller's function calling off; translating them would answer with
// tool_calls a legacy caller does not read.
func rejectLegacyFunctions(req *chat.Request) error {
	if present(req.Extra["functions"]) {
		return invalid("functions", "the deprecated functions field is not supported; send tools instead")
	}
	if present(req.Extra["function_call"]) {
		return invalid("function_call", "the deprecated function_call field is not supported; send tool_choice (with tools) instead")
	}
	for i, m := range req.Messages {
		if present(m.FunctionCall) {
			return invalid(fmt.Sprintf("messages[%d].function_call", i), legacyFunctionCallMessage)
		}
	}
	return nil
}

// checkToolChoiceWithoutTools: a tool_choice of auto or none without tools
// changes nothing (no tool can be called either way) and is dropped; one
// that demands a call (required, or a named function) cannot be met.
func checkToolChoiceWithoutTools(req *chat.Request) error {
	tc := req.ToolChoice
	if len(req.Tools) > 0 || tc == nil {
		return nil
	}
	if tc.Function != "" {
		return invalid("tool_choice.function.name", "%q is not one of the request's tools (it has none)", tc.Function)
	}
	if tc.Mode == "required" {
		return invalid("tool_choice", `"required" needs tools, and the request has none`)
	}
	return nil
}

// rejectAudioOutput refuses a request for audio output, which Anthropic
// cannot produce: modalities other than text, or an audio parameter.
func rejectAudioOutput(req *chat.Request) error {
	if raw := req.Extra["modalities"]; present(raw) {
		var modalities []string
		if json.Unmarshal(raw, &modalities) != nil {
			return invalid("modalities", "must be an array of strings")
		}
		for _, m := range modalities {
			if m != "text" {
				return invalid("modalities", "only text output is supported, not %q", m)
			}
		}
	}
	if present(req.Extra["audio"]) {
		return invalid("audio", "audio output is not supported by Anthropic")
	}
	return nil
}

// present reports a field the caller set to something other than null.
func present(raw json.RawMessage) bool {
	return len(raw) > 0 && !isNull(raw)
}

// legacyFunctionRole refuses a role "function" message, the result half of
// the deprecated function calling, for the same reason as the request
// fields.
const legacyFunctionRole = `role "function" (deprecated function calling) is not supported; send assistant tool_calls and role "tool" messages instead`

// legacyFunctionCallMessage refuses a message's function_call, the call
// half of the deprecated function calling in a conversation's history:
// left out, the model would read a history in which it never called the
// function whose result follows.
const legacyFunctionCallMessage = "the deprecated function_call field of a message is not supported; send assistant tool_calls instead"
