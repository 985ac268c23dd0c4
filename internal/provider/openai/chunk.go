package openai

import (
	"bytes"
	"encoding/json"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/jsonscan"
)

// fastChunk decodes one stream event into c, reusing c's Choices array
// and, for the fields every chunk repeats (id, object, model,
// system_fingerprint), its strings when unchanged. It is the hot path of
// every streamed token: encoding/json spent most of a stream's CPU here
// (reflection, a map of field names, ~30 allocations per chunk).
//
// It checks the syntax in the same pass as it decodes (one scan of the
// event, not a json.Valid scan and then a decode): when it returns true,
// data is one valid JSON value as json.Valid defines it, so the gateway
// still relays only JSON.
//
// It only handles what OpenAI-compatible upstreams send: an object with the
// chat.Chunk fields in their exact spelling and types, each once, and no
// error. On anything else (malformed JSON included) it returns false with
// c in an unspecified state, and the caller decodes the event with
// encoding/json instead, so the result is always what encoding/json gives
// (FuzzChunk holds it to that, and to json.Valid).
func fastChunk(data []byte, c *chat.Chunk) bool { return decodeChunk(data, c, false) }

// skimChunk is fastChunk for a committed stream whose events the gateway
// relays as received (Raw): it checks the syntax of the whole event the
// same way, but decodes only what the gateway reads after commit, the
// model, the usage and each choice's index and finish_reason. The other
// members (a choice's delta: its content, tool calls, logprobs; the id,
// object, created and system fingerprint) are checked as JSON and not
// decoded: no string is built for each token, no tool call goes through
// encoding/json. Where it returns true, those fields are what encoding/json
// gives for any event encoding/json accepts (FuzzSkimChunk). A delta that
// is valid JSON but not what a delta should be (say, a number for
// content) is relayed as the upstream sent it, not refused: after commit
// the caller gets the upstream's events, checked to be JSON.
func skimChunk(data []byte, c *chat.Chunk) bool { return decodeChunk(data, c, true) }

// decodeChunk is fastChunk, or skimChunk when skim is set.
func decodeChunk(data []byte, c *chat.Chunk, skim bool) bool {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	prev := *c
	*c = chat.Chunk{}
	choices := prev.Choices[:0]
	var seen uint
	end, ok := fields(data, i, func(key []byte, i int) (int, bool) {
		var bit uint
		end, ok := i, true
		switch string(key) {
		case "id":
			bit = 1
			if skim {
				end, ok = jsonscan.Value(data, i, 1)
				break
			}
			c.ID, end, ok = strAt(data, i, prev.ID)
		case "object":
			bit = 2
			if skim {
				end, ok = jsonscan.Value(data, i, 1)
				break
			}
			c.Object, end, ok = strAt(data, i, prev.Object)
		case "created":
			bit = 4
			if skim {
				end, ok = jsonscan.Value(data, i, 1)
				break
			}
			c.Created, end, ok = intAt(data, i)
		case "model":
			bit = 8
			c.Model, end, ok = strAt(data, i, prev.Model)
		case "system_fingerprint":
			bit = 16
			if skim {
				end, ok = jsonscan.Value(data, i, 1)
				break
			}
			c.SystemFingerprint, end, ok = strAt(data, i, prev.SystemFingerprint)
		case "choices":
			bit = 32
			if end, ok = nullAt(data, i); ok {
				break
			}
			if choices == nil {
				choices = make([]chat.ChunkChoice, 0, 1)
			}
			c.Choices, end, ok = fastChoices(data, i, choices, skim)
		case "usage":
			bit = 64
			// Many upstreams send "usage":null on every chunk.
			if end, ok = nullAt(data, i); ok {
				break
			}
			if data[i] != '{' {
				return i, false
			}
			c.Usage = new(chat.Usage)
			end, ok = fastUsage(data, i, c.Usage)
		case "error":
			// An error event (or a null one): rare, left to encoding/json.
			return i, false
		default:
			if knownFold(key, chunkFields) {
				return i, false
			}
			return jsonscan.Value(data, i, 1)
		}
		if seen&bit != 0 {
			return i, false // a repeated key: encoding/json merges, leave it to it
		}
		seen |= bit
		return end, ok
	})
	return ok && skipSpace(data, end) == len(data)
}

var (
	chunkFields  = []string{"id", "object", "created", "model", "system_fingerprint", "choices", "usage", "error"}
	choiceFields = []string{"index", "delta", "finish_reason", "logprobs"}
	deltaFields  = []string{"role", "content", "refusal", "tool_calls"}
)

// Nesting depths of the members of a chunk's objects, for encoding/json's
// limit (validValue): the chunk is at depth 1, a choice at 3, a delta at 4.
const (
	choiceDepth = 3
	deltaDepth  = 4
)

// fastChoices decodes the choices array at b[i] into dst[:0] (skimmed:
// see skimChunk).
func fastChoices(b []byte, i int, dst []chat.ChunkChoice, skim bool) ([]chat.ChunkChoice, int, bool) {
	if b[i] != '[' {
		return nil, i, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return dst, i + 1, true
	}
	for {
		if i >= len(b) || b[i] != '{' {
			return nil, i, false
		}
		dst = append(dst, chat.ChunkChoice{})
		var ok bool
		if i, ok = fastChoice(b, i, &dst[len(dst)-1], skim); !ok {
			return nil, i, false
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return nil, i, false
		}
		switch b[i] {
		case ']':
			return dst, i + 1, true
		case ',':
			i = skipSpace(b, i+1)
		default:
			return nil, i, false
		}
	}
}

// fastChoice decodes the choice object at b[i] into ch; skimmed, only its
// index and finish_reason.
func fastChoice(b []byte, i int, ch *chat.ChunkChoice, skim bool) (int, bool) {
	var seen uint
	return fields(b, i, func(key []byte, i int) (int, bool) {
		var bit uint
		end, ok := i, true
		switch string(key) {
		case "index":
			bit = 1
			var n int64
			n, end, ok = intAt(b, i)
			ch.Index = int(n)
		case "delta":
			bit = 2
			if skim {
				end, ok = jsonscan.Value(b, i, choiceDepth)
				break
			}
			if end, ok = nullAt(b, i); ok {
				break
			}
			if b[i] != '{' {
				return i, false
			}
			end, ok = fastDelta(b, i, &ch.Delta)
		case "finish_reason":
			bit = 4
			ch.FinishReason, end, ok = strPtrAt(b, i)
		case "logprobs":
			bit = 8
			if skim {
				end, ok = jsonscan.Value(b, i, choiceDepth)
				break
			}
			// As encoding/json does for a RawMessage: the value, null included
			// (the usual value, shared: nothing writes into a chunk's fields).
			if end, ok = nullAt(b, i); ok {
				ch.Logprobs = jsonNull
				break
			}
			if end, ok = jsonscan.Value(b, i, choiceDepth); ok {
				ch.Logprobs = append(json.RawMessage(nil), b[i:end]...)
			}
		default:
			if knownFold(key, choiceFields) {
				return i, false
			}
			return jsonscan.Value(b, i, choiceDepth)
		}
		if seen&bit != 0 {
			return i, false
		}
		seen |= bit
		return end, ok
	})
}

// fastDelta decodes the delta object at b[i] into d.
func fastDelta(b []byte, i int, d *chat.Delta) (int, bool) {
	var seen uint
	return fields(b, i, func(key []byte, i int) (int, bool) {
		var bit uint
		end, ok := i, true
		switch string(key) {
		case "role":
			bit = 1
			d.Role, end, ok = strAt(b, i, "")
		case "content":
			bit = 2
			d.Content, end, ok = strPtrAt(b, i)
		case "refusal":
			bit = 4
			d.Refusal, end, ok = strPtrAt(b, i)
		case "tool_calls":
			bit = 8
			if end, ok = nullAt(b, i); ok {
				break
			}
			if end, ok = jsonscan.Value(b, i, deltaDepth); ok {
				ok = json.Unmarshal(b[i:end], &d.ToolCalls) == nil
			}
		default:
			if knownFold(key, deltaFields) {
				return i, false
			}
			return jsonscan.Value(b, i, deltaDepth)
		}
		if seen&bit != 0 {
			return i, false
		}
		seen |= bit
		return end, ok
	})
}

// fields walks the object starting at b[i] == '{', checking its syntax as
// validValue does, and calls f with each key (raw, between its quotes) and
// the index of its value; f checks and decodes the value and returns the
// index just past it. fields returns the index just past the object, and
// false as soon as the syntax is wrong or f returns false.
func fields(b []byte, i int, f func(key []byte, v int) (int, bool)) (int, bool) {
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return i, false
		}
		kEnd, ok := jsonscan.String(b, i)
		if !ok {
			return i, false
		}
		key := b[i+1 : kEnd-1]
		i = skipSpace(b, kEnd)
		if i >= len(b) || b[i] != ':' {
			return i, false
		}
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return i, false
		}
		if i, ok = f(key, i); !ok {
			return i, false
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return i, false
		}
		switch b[i] {
		case '}':
			return i + 1, true
		case ',':
			i = skipSpace(b, i+1)
		default:
			return i, false
		}
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

// nullAt reports whether the value at b[i] is null, and the index past it.
func nullAt(b []byte, i int) (int, bool) {
	if len(b)-i >= 4 && string(b[i:i+4]) == "null" {
		return i + 4, true
	}
	return i, false
}

// strAt decodes the JSON string (null leaves it empty) at b[i], returning
// prev itself when equal so that repeated fields cost no allocation, and
// the index past the value.
func strAt(b []byte, i int, prev string) (string, int, bool) {
	if end, ok := nullAt(b, i); ok {
		return "", end, true
	}
	if b[i] != '"' {
		return "", i, false
	}
	end, plain, ok := jsonscan.PlainString(b, i)
	if !ok {
		return "", i, false
	}
	in := b[i+1 : end-1]
	if !plain {
		// Escapes or non-ASCII: encoding/json rewrites invalid UTF-8.
		var s string
		err := json.Unmarshal(b[i:end], &s)
		return s, end, err == nil
	}
	if string(in) == prev {
		return prev, end, true
	}
	return string(in), end, true
}

func strPtrAt(b []byte, i int) (*string, int, bool) {
	if end, ok := nullAt(b, i); ok {
		return nil, end, true
	}
	s, end, ok := strAt(b, i, "")
	if !ok {
		return nil, i, false
	}
	return &s, end, true
}

// intAt decodes the JSON integer (null leaves it 0) at b[i] as
// encoding/json does into an int64; a fraction, an exponent or an overflow
// are left to encoding/json.
func intAt(b []byte, i int) (int64, int, bool) {
	if end, ok := nullAt(b, i); ok {
		return 0, end, true
	}
	if c := b[i]; c != '-' && (c < '0' || c > '9') {
		return 0, i, false
	}
	end, ok := jsonscan.Number(b, i)
	if !ok {
		return 0, i, false
	}
	v := b[i:end]
	neg := v[0] == '-'
	if neg {
		v = v[1:]
	}
	if len(v) == 0 || len(v) > 18 {
		return 0, i, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, i, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, end, true
}
