package gemini

import (
	"encoding/json"
	"fmt"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// Temperature range Gemini accepts (OpenAI's too). A value outside it is
// refused here rather than clamped or left to an upstream 400.
const (
	minTemperature = 0.0
	maxTemperature = 2.0
)

// checkParameters refuses the OpenAI parameters Gemini cannot honour
// without changing what the caller reads: function calling silently
// switched off, a tool call demanded with no tools, audio output, an
// out-of-range temperature. The rules match the anthropic and bedrock
// providers' wherever the APIs can do the same; docs/providers/gemini.md
// lists them.
func checkParameters(r *chat.Request) error {
	if err := rejectLegacyFunctions(r); err != nil {
		return err
	}
	if err := checkToolChoiceWithoutTools(r); err != nil {
		return err
	}
	if t := r.Temperature; t != nil && (*t < minTemperature || *t > maxTemperature) {
		return invalid("temperature", "%g is outside Gemini's range 0 to 2 (it is not rescaled or clamped)", *t)
	}
	for _, f := range []struct {
		name string
		v    *int
	}{{"max_completion_tokens", r.MaxCompletionTokens}, {"max_tokens", r.MaxTokens}} {
		if f.v != nil && *f.v < 1 {
			return invalid(f.name, "must be at least 1")
		}
	}
	if err := rejectWebSearch(r); err != nil {
		return err
	}
	return rejectAudioOutput(r)
}

// rejectWebSearch refuses web_search_options. Gemini's search is Google
// Search grounding (a google_search tool), which this provider does not
// send: its grounding citations would have no place in the translated
// reply, and OpenAI's search_context_size and user_location have no Gemini
// equivalent. Dropping the option would answer without searching.
func rejectWebSearch(r *chat.Request) error {
	if present(r.Extra["web_search_options"]) {
		return invalid("web_search_options", "web search is not supported by the gemini provider (Gemini's equivalent, Google Search grounding, is not available through it)")
	}
	return nil
}

// rejectLegacyFunctions refuses OpenAI's deprecated function-calling
// fields. Dropping them, as unknown fields are dropped, would silently turn
// the caller's function calling off; translating them would answer with
// tool_calls a legacy caller does not read.
func rejectLegacyFunctions(r *chat.Request) error {
	if present(r.Extra["functions"]) {
		return invalid("functions", "the deprecated functions field is not supported; send tools instead")
	}
	if present(r.Extra["function_call"]) {
		return invalid("function_call", "the deprecated function_call field is not supported; send tool_choice (with tools) instead")
	}
	for i, m := range r.Messages {
		if present(m.FunctionCall) {
			return invalid(fmt.Sprintf("messages[%d].function_call", i), legacyFunctionCallMessage)
		}
	}
	return nil
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

// checkToolChoiceWithoutTools: a tool_choice of auto or none without tools
// changes nothing (no tool can be called either way) and is dropped; one
// that demands a call (required, or a named function) cannot be met.
func checkToolChoiceWithoutTools(r *chat.Request) error {
	tc := r.ToolChoice
	if len(r.Tools) > 0 || tc == nil {
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

// rejectAudioOutput refuses a request for audio output: the gateway returns
// Gemini's text only (OpenAI's message.audio is never filled), so a caller
// asking for audio would silently get none.
func rejectAudioOutput(r *chat.Request) error {
	if raw := r.Extra["modalities"]; present(raw) {
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
	if present(r.Extra["audio"]) {
		return invalid("audio", "audio output is not supported by the gemini provider")
	}
	return nil
}

// present reports a field the caller set to something other than null.
func present(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}
