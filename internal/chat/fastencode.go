package chat

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// appendFast appends r's encoding to dst, byte for byte what marshalSlow
// (encoding/json) writes, without reflection: an OpenAI-compatible
// upstream's body is built from it on every request. The rarer fields
// (tools, tool_choice, response_format, stop, metadata, re-encoded
// messages) go through encoding/json on their own. It returns false when
// a value does not encode (encoding/json's error is then what the caller
// gets, from marshalSlow). FuzzEncodeFast holds it to marshalSlow.
func (r *Request) appendFast(dst []byte) ([]byte, bool) {
	b := append(dst, `{"model":`...)
	b = appendString(b, r.Model)
	b = append(b, `,"messages":`...)
	if r.messagesAsReceived() {
		b = append(b, r.rawMessages...)
	} else if b = appendMarshal(b, r.Messages); b == nil {
		return nil, false
	}
	if r.Stream {
		b = append(b, `,"stream":true`...)
	}
	if o := r.StreamOptions; o != nil {
		b = append(b, `,"stream_options":{`...)
		if o.IncludeUsage {
			b = append(b, `"include_usage":true`...)
		}
		if o.IncludeObfuscation != nil {
			if o.IncludeUsage {
				b = append(b, ',')
			}
			b = append(b, `"include_obfuscation":`...)
			b = strconv.AppendBool(b, *o.IncludeObfuscation)
		}
		b = append(b, '}')
	}
	var ok bool
	if b, ok = appendFloatField(b, `,"temperature":`, r.Temperature); !ok {
		return nil, false
	}
	if b, ok = appendFloatField(b, `,"top_p":`, r.TopP); !ok {
		return nil, false
	}
	b = appendIntField(b, `,"max_tokens":`, r.MaxTokens)
	b = appendIntField(b, `,"max_completion_tokens":`, r.MaxCompletionTokens)
	if len(r.Stop) > 0 {
		if b = appendMarshal(append(b, `,"stop":`...), []string(r.Stop)); b == nil {
			return nil, false
		}
	}
	if r.Seed != nil {
		b = strconv.AppendInt(append(b, `,"seed":`...), *r.Seed, 10)
	}
	b = appendIntField(b, `,"n":`, r.N)
	if b, ok = appendFloatField(b, `,"presence_penalty":`, r.PresencePenalty); !ok {
		return nil, false
	}
	if b, ok = appendFloatField(b, `,"frequency_penalty":`, r.FrequencyPenalty); !ok {
		return nil, false
	}
	if len(r.Tools) > 0 {
		if b = appendMarshal(append(b, `,"tools":`...), r.Tools); b == nil {
			return nil, false
		}
	}
	if r.ToolChoice != nil {
		if b = appendMarshal(append(b, `,"tool_choice":`...), r.ToolChoice); b == nil {
			return nil, false
		}
	}
	if r.ParallelToolCalls != nil {
		b = strconv.AppendBool(append(b, `,"parallel_tool_calls":`...), *r.ParallelToolCalls)
	}
	if r.ResponseFormat != nil {
		if b = appendMarshal(append(b, `,"response_format":`...), r.ResponseFormat); b == nil {
			return nil, false
		}
	}
	if r.User != "" {
		b = appendString(append(b, `,"user":`...), r.User)
	}
	if len(r.Metadata) > 0 {
		if b = appendMarshal(append(b, `,"metadata":`...), r.Metadata); b == nil {
			return nil, false
		}
	}
	if b, ok = appendExtra(b, r.Extra); !ok {
		return nil, false
	}
	return append(b, '}'), true
}

// appendExtra appends the members of extra, in encoding/json's order (the
// keys sorted), each value compacted as encoding/json writes a RawMessage.
func appendExtra(b []byte, extra map[string]json.RawMessage) ([]byte, bool) {
	if len(extra) == 0 {
		return b, true
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = append(appendString(append(b, ','), k), ':')
		v := extra[k]
		if v == nil {
			b = append(b, "null"...)
			continue
		}
		buf := bytes.NewBuffer(b)
		if json.Compact(buf, v) != nil {
			return nil, false
		}
		b = buf.Bytes()
	}
	return b, true
}

// appendMarshal appends v as marshalRaw encodes it, or returns nil.
func appendMarshal(b []byte, v any) []byte {
	enc, err := marshalRaw(v)
	if err != nil {
		return nil
	}
	return append(b, enc...)
}

func appendIntField(b []byte, key string, v *int) []byte {
	if v == nil {
		return b
	}
	return strconv.AppendInt(append(b, key...), int64(*v), 10)
}

func appendFloatField(b []byte, key string, v *float64) ([]byte, bool) {
	if v == nil {
		return b, true
	}
	f := *v
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, false // encoding/json refuses them
	}
	return appendFloat(append(b, key...), f), true
}

// appendFloat writes a float64 as encoding/json does: like ES6, %f between
// 1e-6 and 1e21, else an exponent without padding (1e-7, not 1e-07).
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string as encoding/json does without
// HTML escaping (marshalRaw): short escapes for \b \f \n \r \t, \u00XX for
// the other control characters, \ufffd for invalid UTF-8, and U+2028 and
// U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(append(b, s[start:]...), '"')
}
