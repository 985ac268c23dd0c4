package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/responses"
)

// ResponsesWriter is where a streamed Responses request goes: a native
// attempt's events are relayed as received to Native; a translated
// attempt's chat chunks go to a fresh Translating writer, which encodes
// them as Responses events (one per attempt: an attempt that failed
// before commit left nothing in it).
type ResponsesWriter interface {
	Translating() StreamWriter
	Native() NativeWriter
}

// Responses serves a non-streamed Responses request (POST /v1/responses)
// through the one attempt loop: routing, limits, budgets, cooldowns,
// retries, fallbacks, metrics and traces apply as for chat. A target
// whose provider serves the Responses API (type openai) gets the caller's
// body unchanged but for the model and its params; any other gets its
// chat translation, and its answer is translated back. body is the
// response object's JSON.
func (e *Engine) Responses(ctx context.Context, r *Request, in *responses.Request) (res *Result, body []byte, perr *Error) {
	unsupported, perr := prepareResponses(r, in)
	if perr != nil {
		return nil, nil, perr
	}
	res, perr = e.serve(ctx, r, func(ctx context.Context, ru *run, att attempt) attemptOut {
		if call, ok, err := e.nativeResponses(ru, att, in, false); ok {
			if err != nil {
				return attemptOut{err: err}
			}
			out, err := e.providers[att.cand.Provider].(provider.Responder).Responses(ctx, call)
			if err != nil {
				return attemptOut{err: err}
			}
			body = out.Body
			return nativeOut(out)
		}
		if unsupported != nil {
			return attemptOut{err: unsupportedErr(att, unsupported)}
		}
		out, err := e.providers[att.cand.Provider].Complete(ctx, att.call)
		if err != nil {
			return attemptOut{err: err}
		}
		full, err := withChoices(out)
		if err != nil {
			return attemptOut{err: err, upstreamID: out.UpstreamRequestID}
		}
		b, err := json.Marshal(in.FromChat(full, responses.NewID("resp")))
		if err != nil {
			return attemptOut{err: &provider.Error{Class: provider.ClassBadResponse, Message: "encode response: " + err.Error()}}
		}
		body = b
		return attemptOut{usage: out.Usage, upstreamID: out.UpstreamRequestID, model: full.Model, choices: full.Choices}
	})
	return res, body, perr
}

// ResponsesStream serves a streamed Responses request. Nothing is sent
// before the first content (text, refusal or a function call), so an
// attempt that fails before it falls back; after it, a failure ends the
// stream with the writer's Fail (an error event, then response.failed).
// The *Error is only for a stream that never committed.
func (e *Engine) ResponsesStream(ctx context.Context, r *Request, in *responses.Request, w ResponsesWriter) (*Result, *Error) {
	unsupported, perr := prepareResponses(r, in)
	if perr != nil {
		return nil, perr
	}
	return e.serve(ctx, r, func(ctx context.Context, ru *run, att attempt) attemptOut {
		if call, ok, err := e.nativeResponses(ru, att, in, true); ok {
			if err != nil {
				return attemptOut{err: err}
			}
			prov := e.providers[att.cand.Provider].(provider.Responder)
			open := func(ctx context.Context) (provider.EventStream, error) { return prov.ResponsesStream(ctx, call) }
			return e.relayNative(ctx, ru, att, open, responsesCodec{}, w.Native())
		}
		if unsupported != nil {
			return attemptOut{err: unsupportedErr(att, unsupported)}
		}
		// Usage is always asked for: the encoder puts it in
		// response.completed, as the Responses API always does.
		return e.streamAttempt(ctx, ru, att, w.Translating(), true)
	})
}

// prepareResponses sets r's operation and its chat form (routing
// conditions, estimates and budgets read it for every target).
// unsupported is what the chat form could not carry: only a native
// target can serve such a request.
func prepareResponses(r *Request, in *responses.Request) (unsupported *chat.FieldError, perr *Error) {
	if in == nil {
		return nil, &Error{Status: statusBadRequest, Type: TypeInvalidRequest, Code: "missing_required_parameter", Param: "input", Message: "input is required"}
	}
	req, fe := in.ToChat()
	if req == nil {
		return nil, &Error{Status: statusBadRequest, Type: TypeInvalidRequest, Code: fe.Code, Param: fe.Param, Message: fe.Msg}
	}
	r.Chat, r.Operation = req, OpResponses
	return fe, nil
}

// nativeResponses builds the native call for att when its provider serves
// the Responses API for its model (ok). err: the target's params do not
// fit the request.
func (e *Engine) nativeResponses(ru *run, att attempt, in *responses.Request, stream bool) (call *provider.NativeCall, ok bool, err error) {
	rp, isResponder := e.providers[att.cand.Provider].(provider.Responder)
	if !isResponder || !rp.NativeResponses(att.cand.Model) {
		return nil, false, nil
	}
	body, err := responsesWithParams(in.Raw, att.cand.Params)
	if err != nil {
		return nil, true, &provider.Error{Class: provider.ClassInvalidRequest, Status: statusBadRequest, Message: "target params: " + err.Error()}
	}
	return &provider.NativeCall{Model: att.call.Model, Body: body, Stream: stream, RequestID: ru.req.ID}, true, nil
}

// chatOnlyParams are target params a router's chat requests take that the
// Responses API has no field for; they are left out of a native body.
var chatOnlyParams = map[string]bool{"seed": true, "stop": true, "presence_penalty": true, "frequency_penalty": true,
	"n": true, "logit_bias": true, "logprobs": true, "response_format": true, "stream_options": true}

// responsesWithParams merges a target's params into a Responses body as
// top-level fields (the target's win), chat's output limits under the
// Responses name (max_tokens and max_completion_tokens become
// max_output_tokens, reasoning_effort becomes reasoning.effort), the limit
// checked again as a caller's would be; chat-only params are left out.
func responsesWithParams(raw []byte, params map[string]any) ([]byte, error) {
	if len(params) == 0 {
		return raw, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	for k, v := range params {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("params.%s: %w", k, err)
		}
		switch k {
		case "max_tokens", "max_completion_tokens":
			k = "max_output_tokens"
		case "reasoning_effort":
			k, b = "reasoning", append(append([]byte(`{"effort":`), b...), '}')
		}
		if chatOnlyParams[k] {
			// A chat parameter the Responses API does not have: OpenAI
			// would refuse the whole request, with no fallback.
			continue
		}
		m[k] = b
	}
	if v, ok := m["max_output_tokens"]; ok {
		var n int
		if json.Unmarshal(v, &n) != nil || n < 1 || n > responses.MaxOutputTokens {
			return nil, fmt.Errorf("max_output_tokens must be an integer from 1 to %d", responses.MaxOutputTokens)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// unsupportedErr fails a translated attempt of a request chat cannot
// carry: the next candidate (perhaps a native one) is tried, and if none
// serves, the caller gets this 400 naming the parameter.
func unsupportedErr(att attempt, fe *chat.FieldError) error {
	return &provider.Error{Class: provider.ClassUnsupported, Status: statusBadRequest, Code: fe.Code, Param: fe.Param,
		Message: fe.Msg + " (target " + att.cand.Key + " is served by translation to chat)"}
}

// withChoices is a chat answer with its choices decoded: an
// OpenAI-compatible provider relays its upstream's body as Raw and leaves
// Choices empty.
func withChoices(out *chat.Response) (*chat.Response, error) {
	if len(out.Choices) > 0 || out.Raw == nil {
		return out, nil
	}
	var full chat.Response
	if err := json.Unmarshal(out.Raw, &full); err != nil || len(full.Choices) == 0 {
		return nil, &provider.Error{Class: provider.ClassBadResponse, Message: "upstream chat answer has no readable choices"}
	}
	if full.Usage == nil {
		full.Usage = out.Usage
	}
	return &full, nil
}

// responsesCodec reads the Responses API's stream events for relayNative.
type responsesCodec struct{}

func (responsesCodec) Content(ev provider.Event) bool { return responses.Commits(ev.Type, ev.Data) }

func (responsesCodec) Facts(ev provider.Event, f *StreamFacts) {
	switch ev.Type {
	case "response.created", "response.completed", "response.incomplete":
	default:
		return
	}
	if u := responses.EventUsage(ev.Type, ev.Data); u != nil {
		f.Usage = u
		f.Final = ev.Type != "response.created"
	}
	var head struct {
		Response struct {
			Model  string `json:"model"`
			Status string `json:"status"`
		} `json:"response"`
	}
	if json.Unmarshal(ev.Data, &head) != nil {
		return
	}
	if head.Response.Model != "" {
		f.Model = head.Response.Model
	}
	if ev.Type != "response.created" && head.Response.Status != "" {
		f.Finish = append(f.Finish, head.Response.Status)
	}
}
