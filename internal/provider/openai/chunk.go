package openai

import (
	"bytes"
	"encoding/json"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// fastChunk decodes one stream event (already checked with json.Valid) into
// c, reusing c's Choices array and, for the fields every chunk repeats (id,
// object, model, system_fingerprint), its strings when unchanged. It is the
// hot path of every streamed token: encoding/json spent most of a stream's
// CPU here (reflection, a map of field names, ~30 allocations per chunk).
//
// It only handles what OpenAI-compatible upstreams send: an object with the
// chat.Chunk fields in their exact spelling and types, each once, and no
// error. On anything else it returns false with c in an unspecified state,
// and the caller decodes the event with encoding/json instead, so the
// result is always what encoding/json gives (FuzzChunk holds it to that).
func fastChunk(data []byte, c *chat.Chunk) bool {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	prev := *c
	*c = chat.Chunk{}
	choices := prev.Choices[:0]
	var seen uint
	return eachField(data, i, func(key, v []byte) bool {
		var bit uint
		ok := true
		switch string(key) {
		case "id":
			bit = 1
			c.ID, ok = str(v, prev.ID)
		case "object":
			bit = 2
			c.Object, ok = str(v, prev.Object)
		case "created":
			bit = 4
			c.Created, ok = integer(v)
		case "model":
			bit = 8
			c.Model, ok = str(v, prev.Model)
		case "system_fingerprint":
			bit = 16
			c.SystemFingerprint, ok = str(v, prev.SystemFingerprint)
		case "choices":
			bit = 32
			if isNull(v) {
				break
			}
			if choices == nil {
				choices = make([]chat.ChunkChoice, 0, 1)
			}
			c.Choices, ok = fastChoices(v, choices)
		case "usage":
			bit = 64
			// Many upstreams send "usage":null on every chunk.
			ok = isNull(v) || json.Unmarshal(v, &c.Usage) == nil
		case "error":
			// An error event (or a null one): rare, left to encoding/json.
			return false
		default:
			return !knownFold(key, chunkFields)
		}
		if seen&bit != 0 {
			return false // a repeated key: encoding/json merges, leave it to it
		}
		seen |= bit
		return ok
	})
}

var (
	chunkFields  = []string{"id", "object", "created", "model", "system_fingerprint", "choices", "usage", "error"}
	choiceFields = []string{"index", "delta", "finish_reason", "logprobs"}
	deltaFields  = []string{"role", "content", "refusal", "tool_calls"}
)

// fastChoices decodes a choices array into dst[:0].
func fastChoices(v []byte, dst []chat.ChunkChoice) ([]chat.ChunkChoice, bool) {
	if v[0] != '[' {
		return nil, false
	}
	i := skipSpace(v, 1)
	if v[i] == ']' {
		return dst, true
	}
	for {
		if v[i] != '{' {
			return nil, false
		}
		end := skipValue(v, i)
		dst = append(dst, chat.ChunkChoice{})
		if !fastChoice(v[i:end], &dst[len(dst)-1]) {
			return nil, false
		}
		i = skipSpace(v, end)
		if v[i] == ']' {
			return dst, true
		}
		i = skipSpace(v, i+1) // past ','
	}
}

func fastChoice(obj []byte, ch *chat.ChunkChoice) bool {
	var seen uint
	return eachField(obj, 0, func(key, v []byte) bool {
		var bit uint
		ok := true
		switch string(key) {
		case "index":
			bit = 1
			var n int64
			n, ok = integer(v)
			ch.Index = int(n)
		case "delta":
			bit = 2
			ok = isNull(v) || (v[0] == '{' && fastDelta(v, &ch.Delta))
		case "finish_reason":
			bit = 4
			ch.FinishReason, ok = strPtr(v)
		case "logprobs":
			bit = 8
			// As encoding/json does for a RawMessage: the value, null included
			// (the usual value, shared: nothing writes into a chunk's fields).
			if isNull(v) {
				ch.Logprobs = jsonNull
			} else {
				ch.Logprobs = append(json.RawMessage(nil), v...)
			}
		default:
			return !knownFold(key, choiceFields)
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return ok
	})
}

func fastDelta(obj []byte, d *chat.Delta) bool {
	var seen uint
	return eachField(obj, 0, func(key, v []byte) bool {
		var bit uint
		ok := true
		switch string(key) {
		case "role":
			bit = 1
			d.Role, ok = str(v, "")
		case "content":
			bit = 2
			d.Content, ok = strPtr(v)
		case "refusal":
			bit = 4
			d.Refusal, ok = strPtr(v)
		case "tool_calls":
			bit = 8
			ok = isNull(v) || json.Unmarshal(v, &d.ToolCalls) == nil
		default:
			return !knownFold(key, deltaFields)
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return ok
	})
}

// eachField calls f with each key (raw, between its quotes) and value of
// the valid JSON object starting at b[i], until f returns false.
func eachField(b []byte, i int, f func(key, v []byte) bool) bool {
	i = skipSpace(b, i+1)
	if b[i] == '}' {
		return true
	}
	for {
		kEnd := skipString(b, i)
		key := b[i+1 : kEnd-1]
		i = skipSpace(b, skipSpace(b, kEnd)+1) // past ':'
		vEnd := skipValue(b, i)
		if !f(key, b[i:vEnd]) {
			return false
		}
		i = skipSpace(b, vEnd)
		if b[i] == '}' {
			return true
		}
		i = skipSpace(b, i+1) // past ','
	}
}

// knownFold reports whether an unknown key could still be one of names to
// encoding/json, which matches keys case-insensitively (with Unicode
// folding, hence any non-ASCII or escaped key counts as a match).
func knownFold(key []byte, names []string) bool {
	for _, c := range key {
		if c >= 0x80 || c == '\\' {
			return true
		}
	}
	for _, n := range names {
		if bytes.EqualFold(key, []byte(n)) {
			return true
		}
	}
	return false
}

var jsonNull = json.RawMessage("null")

func isNull(v []byte) bool { return len(v) == 4 && string(v) == "null" }

// str decodes a JSON string (null leaves it empty), returning prev itself
// when equal so that repeated fields cost no allocation.
func str(v []byte, prev string) (string, bool) {
	if isNull(v) {
		return "", true
	}
	if v[0] != '"' {
		return "", false
	}
	in := v[1 : len(v)-1]
	if !plain(in) {
		var s string
		err := json.Unmarshal(v, &s)
		return s, err == nil
	}
	if string(in) == prev {
		return prev, true
	}
	return string(in), true
}

func strPtr(v []byte) (*string, bool) {
	if isNull(v) {
		return nil, true
	}
	s, ok := str(v, "")
	if !ok {
		return nil, false
	}
	return &s, true
}

// plain reports whether a string's raw bytes are its value: ASCII without
// escapes (encoding/json rewrites invalid UTF-8, so anything else goes to it).
func plain(b []byte) bool {
	for _, c := range b {
		if c == '\\' || c >= 0x80 {
			return false
		}
	}
	return true
}

// integer decodes a JSON integer as encoding/json does into an int64; a
// fraction, an exponent or an overflow are left to encoding/json.
func integer(v []byte) (int64, bool) {
	if isNull(v) {
		return 0, true
	}
	neg := v[0] == '-'
	if neg {
		v = v[1:]
	}
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
