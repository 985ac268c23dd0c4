package chat

import (
	"encoding/json"

	"github.com/switchyard-llm/switchyard/internal/jsonscan"
)

// decodeFast decodes body into r in one pass, checking its syntax on the
// way (jsonscan), when body has the shape callers send: top-level keys
// written plainly, each once, with values of the expected JSON kinds, and
// messages whose keys are spelled exactly. On anything else (malformed
// JSON, a wrong type, a repeated or escaped key, a key that encoding/json
// would match case-insensitively) it returns false with r in an
// unspecified state, and the caller decodes with encoding/json instead.
// So the result, and every error the caller sees, are what the
// encoding/json path gives; FuzzDecodeFast holds it to that.
//
// encoding/json scanned a request's messages about four times (the syntax
// check, a map of raw members, the messages' own check and decode) and
// cost about 7% of the gateway's CPU per streamed request.
func decodeFast(body []byte, r *Request) bool {
	i := jsonscan.Space(body, 0)
	if i >= len(body) || body[i] != '{' {
		return false
	}
	*r = Request{}
	var seen uint32
	end, ok := eachMember(body, i, func(key []byte, i int) (int, bool) {
		bit, known := topBits[string(key)]
		if !known {
			return r.extraAt(body, key, i)
		}
		if seen&bit != 0 {
			return i, false // a repeated key: the last one wins there, leave it to encoding/json
		}
		seen |= bit
		return r.fieldAt(string(key), body, i)
	})
	if !ok || jsonscan.Space(body, end) != len(body) {
		return false
	}
	if len(r.Messages) > 0 {
		r.msgsHead, r.msgsLen = &r.Messages[0], len(r.Messages)
	}
	return true
}

// topBits numbers the typed top-level fields, to find a repeated one.
var topBits = func() map[string]uint32 {
	m := map[string]uint32{}
	for i, k := range []string{"model", "messages", "stream", "stream_options", "temperature", "top_p",
		"max_tokens", "max_completion_tokens", "stop", "seed", "n", "presence_penalty", "frequency_penalty",
		"tools", "tool_choice", "parallel_tool_calls", "response_format", "user", "metadata"} {
		m[k] = 1 << i
	}
	return m
}()

// extraAt keeps the member key (not a typed field) in Extra, as
// UnmarshalJSON does: top-level keys match exactly there (a map), so
// "Model" is an extra field.
func (r *Request) extraAt(b, key []byte, i int) (int, bool) {
	if !plainKey(key) {
		return i, false // an escaped or non-ASCII key: encoding/json unescapes and repairs it
	}
	end, ok := jsonscan.Value(b, i, 1)
	if !ok {
		return i, false
	}
	if r.Extra == nil {
		r.Extra = make(map[string]json.RawMessage)
	}
	if _, dup := r.Extra[string(key)]; dup {
		return i, false
	}
	r.Extra[string(key)] = append(json.RawMessage(nil), b[i:end]...)
	return end, true
}

// fieldAt decodes the value at b[i] into the typed field k. The common
// kinds are decoded here; the rarer fields (tools, stop, tool_choice...)
// are checked here and decoded by encoding/json on their own bytes, as
// UnmarshalJSON decodes them.
func (r *Request) fieldAt(k string, b []byte, i int) (int, bool) {
	end, ok := i, true
	switch k {
	case "model":
		r.Model, end, ok = stringAt(b, i)
	case "user":
		r.User, end, ok = stringAt(b, i)
	case "messages":
		if end, ok = nullAt(b, i); ok {
			break
		}
		end, ok = r.messagesAt(b, i)
	case "stream":
		var p *bool
		p, end, ok = boolAt(b, i)
		r.Stream = p != nil && *p
	case "parallel_tool_calls":
		r.ParallelToolCalls, end, ok = boolAt(b, i)
	case "temperature":
		r.Temperature, end, ok = floatAt(b, i)
	case "top_p":
		r.TopP, end, ok = floatAt(b, i)
	case "presence_penalty":
		r.PresencePenalty, end, ok = floatAt(b, i)
	case "frequency_penalty":
		r.FrequencyPenalty, end, ok = floatAt(b, i)
	case "max_tokens":
		r.MaxTokens, end, ok = intAt(b, i)
	case "max_completion_tokens":
		r.MaxCompletionTokens, end, ok = intAt(b, i)
	case "n":
		r.N, end, ok = intAt(b, i)
	case "seed":
		var n *int64
		if n, end, ok = int64At(b, i); ok {
			r.Seed = n
		}
	case "stream_options":
		if end, ok = nullAt(b, i); ok {
			break
		}
		r.StreamOptions = new(StreamOptions)
		end, ok = r.StreamOptions.at(b, i)
	case "metadata":
		if end, ok = nullAt(b, i); ok {
			break
		}
		if r.Metadata, end, ok = flatObjectAt(b, i); !ok && b[i] == '{' {
			// Nested values: encoding/json (the syntax is checked first, at
			// this depth, for the nesting limit).
			r.Metadata = nil
			if end, ok = jsonscan.Value(b, i, 1); ok {
				ok = json.Unmarshal(b[i:end], &r.Metadata) == nil
			}
		}
	default:
		if end, ok = jsonscan.Value(b, i, 1); ok {
			ok = json.Unmarshal(b[i:end], r.field(k)) == nil
		}
	}
	return end, ok
}

var streamOptionFields = []string{"include_usage", "include_obfuscation"}

// at decodes the stream_options object at b[i].
func (o *StreamOptions) at(b []byte, i int) (int, bool) {
	if b[i] != '{' {
		return i, false
	}
	var seen uint
	return eachMember(b, i, func(key []byte, i int) (int, bool) {
		var bit uint
		end, ok := i, true
		switch string(key) {
		case "include_usage":
			bit = 1
			var p *bool
			if p, end, ok = boolAt(b, i); p != nil {
				o.IncludeUsage = *p
			}
		case "include_obfuscation":
			bit = 2
			o.IncludeObfuscation, end, ok = boolAt(b, i)
		default:
			if !plainKey(key) || foldsTo(key, streamOptionFields) {
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

// flatObjectAt decodes an object whose values are strings, numbers,
// booleans or null (metadata's usual shape) into a map as encoding/json
// does into a map[string]any; false for anything else.
func flatObjectAt(b []byte, i int) (map[string]any, int, bool) {
	if b[i] != '{' {
		return nil, i, false
	}
	m := map[string]any{}
	end, ok := eachMember(b, i, func(key []byte, i int) (int, bool) {
		if !plainKey(key) {
			return i, false
		}
		if _, dup := m[string(key)]; dup {
			return i, false
		}
		var v any
		end, ok := i, true
		switch c := b[i]; {
		case c == '"':
			v, end, ok = stringAt(b, i)
		case c == 'n':
			end, ok = nullAt(b, i)
		case c == 't' || c == 'f':
			var p *bool
			if p, end, ok = boolAt(b, i); ok {
				v = *p
			}
		default:
			var f *float64
			if f, end, ok = floatAt(b, i); ok && f != nil {
				v = *f
			}
		}
		if ok {
			m[string(key)] = v
		}
		return end, ok
	})
	return m, end, ok
}

// messagesAt decodes the messages array at b[i].
func (r *Request) messagesAt(b []byte, i int) (int, bool) {
	if b[i] != '[' {
		return i, false
	}
	start := i
	msgs := make([]Message, 0, 4)
	i = jsonscan.Space(b, i+1)
	if i < len(b) && b[i] == ']' {
		r.Messages = msgs
		return i + 1, true
	}
	for {
		if i >= len(b) {
			return i, false
		}
		msgs = append(msgs, Message{})
		var ok bool
		if end, isNull := nullAt(b, i); isNull {
			i = end // a null element decodes to an empty message
		} else if b[i] != '{' {
			return i, false
		} else if i, ok = msgs[len(msgs)-1].fieldsAt(b, i); !ok {
			return i, false
		}
		i = jsonscan.Space(b, i)
		if i >= len(b) {
			return i, false
		}
		switch b[i] {
		case ']':
			r.Messages = msgs
			r.rawMessages = append(json.RawMessage(nil), b[start:i+1]...)
			return i + 1, true
		case ',':
			i = jsonscan.Space(b, i+1)
		default:
			return i, false
		}
	}
}

var messageFields = []string{"role", "content", "name", "tool_calls", "tool_call_id", "refusal", "function_call"}

// messageDepth is the nesting depth of a message's members (body object,
// messages array, message object), for encoding/json's limit.
const messageDepth = 3

// fieldsAt decodes the message object at b[i] into m. encoding/json
// matches a struct's keys case-insensitively: a key that is not exactly a
// field's name but could match one is left to it.
func (m *Message) fieldsAt(b []byte, i int) (int, bool) {
	var seen uint
	return eachMember(b, i, func(key []byte, i int) (int, bool) {
		var bit uint
		end, ok := i, true
		switch string(key) {
		case "role":
			bit = 1
			m.Role, end, ok = stringAt(b, i)
		case "content":
			bit = 2
			end, ok = m.Content.at(b, i)
		case "name":
			bit = 4
			m.Name, end, ok = stringAt(b, i)
		case "tool_call_id":
			bit = 8
			m.ToolCallID, end, ok = stringAt(b, i)
		case "refusal":
			bit = 16
			if end, ok = nullAt(b, i); ok {
				break
			}
			var s string
			if s, end, ok = stringAt(b, i); ok {
				m.Refusal = &s
			}
		case "tool_calls":
			bit = 32
			if end, ok = nullAt(b, i); ok {
				break
			}
			if end, ok = jsonscan.Value(b, i, messageDepth); ok {
				ok = json.Unmarshal(b[i:end], &m.ToolCalls) == nil
			}
		case "function_call":
			bit = 64
			// A RawMessage keeps the value as sent, null included.
			if end, ok = jsonscan.Value(b, i, messageDepth); ok {
				m.FunctionCall = append(json.RawMessage(nil), b[i:end]...)
			}
		default:
			if !plainKey(key) || foldsTo(key, messageFields) {
				return i, false
			}
			return jsonscan.Value(b, i, messageDepth)
		}
		if seen&bit != 0 {
			return i, false
		}
		seen |= bit
		return end, ok
	})
}

// at decodes the content at b[i] as Content.UnmarshalJSON does.
func (c *Content) at(b []byte, i int) (int, bool) {
	if end, ok := nullAt(b, i); ok {
		c.Null = true
		return end, true
	}
	switch b[i] {
	case '"':
		var ok bool
		var end int
		c.Text, end, ok = stringAt(b, i)
		return end, ok
	case '[':
		c.IsParts = true
		end, ok := jsonscan.Value(b, i, messageDepth)
		if ok {
			ok = json.Unmarshal(b[i:end], &c.Parts) == nil
		}
		return end, ok
	}
	return i, false
}
