package chat

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/switchyard-llm/switchyard/internal/jsonscan"
)

// The value decoders of decodeFast: each checks the syntax of the value at
// b[i] (jsonscan), decodes it as encoding/json would into its Go type, and
// returns the index just past it; false leaves the body to encoding/json.

// eachMember walks the object starting at b[i] == '{', checking its syntax
// as jsonscan.Value does, and calls f with each key (raw, between its
// quotes) and the index of its value; f checks and decodes the value and
// returns the index just past it. It returns the index just past the
// object, and false as soon as the syntax is wrong or f returns false.
func eachMember(b []byte, i int, f func(key []byte, v int) (int, bool)) (int, bool) {
	i = jsonscan.Space(b, i+1)
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
		i = jsonscan.Space(b, kEnd)
		if i >= len(b) || b[i] != ':' {
			return i, false
		}
		if i = jsonscan.Space(b, i+1); i >= len(b) {
			return i, false
		}
		if i, ok = f(key, i); !ok {
			return i, false
		}
		if i = jsonscan.Space(b, i); i >= len(b) {
			return i, false
		}
		switch b[i] {
		case '}':
			return i + 1, true
		case ',':
			i = jsonscan.Space(b, i+1)
		default:
			return i, false
		}
	}
}

// plainKey reports whether a key's raw bytes are its value: ASCII without
// escapes.
func plainKey(key []byte) bool {
	for _, c := range key {
		if c == '\\' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// foldsTo reports whether key (plain) matches one of names the way
// encoding/json matches struct fields, ignoring case.
func foldsTo(key []byte, names []string) bool {
	for _, n := range names {
		if bytes.EqualFold(key, []byte(n)) {
			return true
		}
	}
	return false
}

// nullAt reports whether the value at b[i] is null, and the index past it.
func nullAt(b []byte, i int) (int, bool) {
	if len(b)-i >= 4 && string(b[i:i+4]) == "null" {
		return i + 4, true
	}
	return i, false
}

// stringAt decodes the JSON string at b[i] (null leaves it empty).
func stringAt(b []byte, i int) (string, int, bool) {
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
	if plain {
		return string(b[i+1 : end-1]), end, true
	}
	if s, ok := unquote(b[i+1 : end-1]); ok {
		return s, end, true
	}
	// \u escapes, non-ASCII (encoding/json replaces invalid UTF-8):
	// encoding/json's own unquoting.
	var s string
	err := json.Unmarshal(b[i:end], &s)
	return s, end, err == nil
}

// unquote returns the value of a string's raw bytes (valid JSON) when they
// are ASCII with no \u escape, the usual text of a prompt.
func unquote(in []byte) (string, bool) {
	esc := -1
	for k, c := range in {
		if c >= utf8.RuneSelf {
			return "", false
		}
		if c == '\\' && esc < 0 {
			esc = k
		}
	}
	if esc < 0 {
		return string(in), true
	}
	out := make([]byte, esc, len(in))
	copy(out, in[:esc])
	for k := esc; k < len(in); k++ {
		c := in[k]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		k++
		switch in[k] {
		case '"', '\\', '/':
			out = append(out, in[k])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		default: // 'u'
			return "", false
		}
	}
	return string(out), true
}

func boolAt(b []byte, i int) (*bool, int, bool) {
	if end, ok := nullAt(b, i); ok {
		return nil, end, true
	}
	for _, v := range []bool{true, false} {
		lit := strconv.FormatBool(v)
		if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
			return &v, i + len(lit), true
		}
	}
	return nil, i, false
}

// number returns the number literal at b[i].
func number(b []byte, i int) ([]byte, bool) {
	if c := b[i]; c != '-' && (c < '0' || c > '9') {
		return nil, false
	}
	end, ok := jsonscan.Number(b, i)
	return b[i:end], ok
}

// floatAt decodes a number as encoding/json does into a *float64.
func floatAt(b []byte, i int) (*float64, int, bool) {
	if end, ok := nullAt(b, i); ok {
		return nil, end, true
	}
	lit, ok := number(b, i)
	if !ok {
		return nil, i, false
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil {
		return nil, i, false
	}
	return &f, i + len(lit), true
}

// intAt decodes a number as encoding/json does into an *int: a fraction,
// an exponent or an overflow are its errors, left to it.
func intAt(b []byte, i int) (*int, int, bool) {
	n, end, ok := intBits(b, i, strconv.IntSize)
	if !ok || n == nil {
		return nil, end, ok
	}
	v := int(*n)
	return &v, end, true
}

func int64At(b []byte, i int) (*int64, int, bool) { return intBits(b, i, 64) }

func intBits(b []byte, i, bits int) (*int64, int, bool) {
	if end, ok := nullAt(b, i); ok {
		return nil, end, true
	}
	lit, ok := number(b, i)
	if !ok {
		return nil, i, false
	}
	n, err := strconv.ParseInt(string(lit), 10, bits)
	if err != nil {
		return nil, i, false
	}
	return &n, i + len(lit), true
}
