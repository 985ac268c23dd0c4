package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/engine"
)

// decodeChat decodes a chat request body. A refusal says, in the caller's
// terms, what is wrong and where (param), never in Go's: encoding/json's
// own errors name Go types ("cannot unmarshal array into Go value of type
// map[string]json.RawMessage") and drop array indices.
func decodeChat(body []byte) (*chat.Request, *engine.Error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, badBody("", "the request body is empty; it must be a JSON object with model and messages")
	}
	if trimmed[0] != '{' {
		if !json.Valid(body) {
			return nil, badBody("", syntaxProblem(body))
		}
		return nil, badBody("", "the request body must be a JSON object, not "+jsonKindOf(trimmed))
	}
	var req chat.Request
	if err := json.Unmarshal(body, &req); err != nil {
		// json.Unmarshal checks the syntax of the whole body before
		// decoding anything, so a syntax error comes first.
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, badBody("", syntaxProblem(body))
		}
		if param, msg, bad := checkFields("", requestType, body, true); bad {
			return nil, badBody(param, msg)
		}
		return nil, badBody("", "the request body is not a chat completion request")
	}
	return &req, nil
}

func badBody(param, msg string) *engine.Error {
	e := errf(http.StatusBadRequest, engine.TypeInvalidRequest, "invalid_json", msg)
	e.Param = param
	return e
}

// syntaxProblem describes why body is not one JSON value.
func syntaxProblem(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	var v json.RawMessage
	err := dec.Decode(&v)
	var se *json.SyntaxError
	switch {
	case err == nil:
		off := int(dec.InputOffset())
		off += len(body[off:]) - len(bytes.TrimLeft(body[off:], " \t\r\n"))
		line, col := position(body, off)
		return fmt.Sprintf("the request body must be a single JSON object, but more follows it at line %d, column %d", line, col)
	case errors.As(err, &se):
		line, col := position(body, int(se.Offset)-1)
		return fmt.Sprintf("the request body is not valid JSON: %s at line %d, column %d", se.Error(), line, col)
	default: // io.ErrUnexpectedEOF
		return "the request body is not valid JSON: it ends before the JSON value is complete"
	}
}

// position is the 1-based line and column of byte off in b.
func position(b []byte, off int) (line, col int) {
	off = max(0, min(off, len(b)))
	line = 1 + bytes.Count(b[:off], []byte("\n"))
	return line, off - bytes.LastIndexByte(b[:off], '\n')
}

var (
	requestType     = reflect.TypeFor[chat.Request]()
	contentType     = reflect.TypeFor[chat.Content]()
	partsType       = reflect.TypeFor[[]chat.Part]()
	rawType         = reflect.TypeFor[json.RawMessage]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// checkValue reports the first part of raw (valid JSON) that cannot decode
// into t, with its path. It runs only after a decode failed, so it may be
// slow; it mirrors what encoding/json and chat's decoders accept.
func checkValue(path string, t reflect.Type, raw json.RawMessage) (param, msg string, bad bool) {
	if string(raw) == "null" {
		return "", "", false // null decodes into anything as "absent"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == rawType || t.Kind() == reflect.Interface:
		return "", "", false
	case t == contentType:
		switch raw[0] {
		case '"':
			return "", "", false
		case '[':
			return checkValue(path, partsType, raw)
		}
		return path, fmt.Sprintf("%s must be a string, an array of content parts or null, not %s", path, jsonKindOf(raw)), true
	case reflect.PointerTo(t).Implements(unmarshalerType):
		if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
			return describeDecodeError(path, err)
		}
		return "", "", false
	}
	switch t.Kind() {
	case reflect.Struct:
		return checkFields(path, t, raw, false)
	case reflect.Map:
		if raw[0] != '{' {
			return mismatch(path, "an object", raw)
		}
		for _, m := range members(raw) {
			if p, msg, bad := checkValue(path+"."+m.key, t.Elem(), m.val); bad {
				return p, msg, true
			}
		}
		return "", "", false
	case reflect.Slice, reflect.Array:
		if raw[0] != '[' {
			return mismatch(path, "an array", raw)
		}
		var elems []json.RawMessage
		_ = json.Unmarshal(raw, &elems)
		for i, e := range elems {
			if p, msg, bad := checkValue(fmt.Sprintf("%s[%d]", path, i), t.Elem(), e); bad {
				return p, msg, true
			}
		}
		return "", "", false
	}
	if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
		return describeDecodeError(path, err)
	}
	return "", "", false
}

// checkFields checks the members of object raw against struct t's JSON
// fields; unknown members are ignored, as decoding ignores them. Keys
// match t's field names exactly for the top-level request (its decoder
// keeps other spellings as extra fields) and case-insensitively below it,
// as encoding/json does.
func checkFields(path string, t reflect.Type, raw json.RawMessage, exact bool) (param, msg string, bad bool) {
	if len(raw) == 0 || raw[0] != '{' {
		return mismatch(path, "an object", raw)
	}
	for _, m := range members(raw) {
		f, ok := jsonField(t, m.key, exact)
		if !ok {
			continue
		}
		p := m.key
		if path != "" {
			p = path + "." + m.key
		}
		if param, msg, bad := checkValue(p, f.Type, m.val); bad {
			return param, msg, true
		}
	}
	return "", "", false
}

func jsonField(t reflect.Type, key string, exact bool) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key || !exact && strings.EqualFold(name, key) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

type member struct {
	key string
	val json.RawMessage
}

// members lists an object's members in the order sent, so the first
// problem reported is the first in the body.
func members(raw json.RawMessage) []member {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		k, _ := tok.(string)
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			return out
		}
		out = append(out, member{k, v})
	}
	return out
}

func mismatch(path, want string, raw json.RawMessage) (string, string, bool) {
	return path, fmt.Sprintf("%s must be %s, not %s", path, want, jsonKindOf(raw)), true
}

// describeDecodeError turns a decode error for the value at path into a
// caller-facing message and param.
func describeDecodeError(path string, err error) (param, msg string, bad bool) {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		p := path
		if te.Field != "" {
			p = path + "." + te.Field
		}
		// te.Value is "string", "number", "number 3.5", "bool", "array"...
		kind, got, _ := strings.Cut(te.Value, " ")
		if got == "" {
			got = jsonKinds[kind]
		}
		return p, fmt.Sprintf("%s must be %s, not %s", p, goKindName(te.Type), got), true
	}
	m := err.Error()
	switch {
	case strings.Contains(m, "Go ") || strings.HasPrefix(m, "json:"):
		m = path + " has the wrong type"
	case strings.HasPrefix(m, path+".") || strings.HasPrefix(m, path+" "):
	case strings.HasPrefix(m, "must "):
		m = path + " " + m
	default:
		m = path + ": " + m
	}
	return path, m, true
}

// goKindName names what a Go type accepts, in JSON's terms.
func goKindName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	default:
		return "an object"
	}
}

// jsonKinds names JSON kinds for messages, keyed as encoding/json names them.
var jsonKinds = map[string]string{"object": "an object", "array": "an array", "string": "a string",
	"bool": "a boolean", "null": "null", "number": "a number"}

// jsonKindOf names the kind of JSON value raw (valid JSON) starts with.
func jsonKindOf(raw []byte) string {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return "nothing"
	}
	kind := map[byte]string{'{': "object", '[': "array", '"': "string", 't': "bool", 'f': "bool", 'n': "null"}[raw[0]]
	if kind == "" {
		kind = "number"
	}
	return jsonKinds[kind]
}
