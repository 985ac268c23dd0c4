package chat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// FieldError is something the caller got wrong in a request body, said in
// the caller's terms: what is wrong and where, never in Go's. encoding/json's
// own errors name Go types ("cannot unmarshal array into Go value of type
// map[string]json.RawMessage") and drop array indices.
type FieldError struct {
	// Param is the path of the offending value, as OpenAI's error param
	// names it (messages[0].content[1].image_url.url); empty when the
	// body as a whole is wrong.
	Param string
	// Msg says what is wrong; it names Param when Param is set.
	Msg string
	// Code is OpenAI's error code for the problem when it has one
	// (integer_above_max_value); empty for a body that does not decode.
	Code string
}

func (e *FieldError) Error() string { return e.Msg }

// Decode decodes a caller's chat completion request body. Every error it
// returns is a *FieldError: an empty body, one that is not JSON, not an
// object or followed by more data, or a field of the wrong type, named
// with its array indices.
//
// A body of the usual shape is decoded in one pass (decodeFast); any other
// costs one json.Unmarshal. The walk that finds and names a problem runs
// only after decoding failed.
func Decode(body []byte) (*Request, error) {
	trimmed := bytes.TrimLeft(body, jsonSpace)
	if len(trimmed) == 0 {
		return nil, &FieldError{Msg: "the request body is empty; it must be a JSON object with model and messages"}
	}
	if trimmed[0] != '{' {
		if !json.Valid(body) {
			return nil, &FieldError{Msg: syntaxProblem(body)}
		}
		return nil, mustBe("", "a JSON object", jsonKindOf(trimmed))
	}
	var req Request
	if !decodeFast(body, &req) {
		// Anything unusual, every error included: encoding/json.
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, explain(body, err)
		}
	}
	if fe := req.CheckLimits(); fe != nil {
		return nil, fe
	}
	return &req, nil
}

// explain names the problem with body, an object json.Unmarshal refused
// with err.
func explain(body []byte, err error) *FieldError {
	// json.Unmarshal checks the syntax of the whole body before decoding
	// anything, so a syntax error comes first.
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &FieldError{Msg: syntaxProblem(body)}
	}
	var fe *FieldError // from Request.UnmarshalJSON
	if errors.As(err, &fe) {
		return fe
	}
	return &FieldError{Msg: "the request body is not a chat completion request"}
}

const jsonSpace = " \t\r\n"

// syntaxProblem describes why body is not one JSON value.
func syntaxProblem(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	var v json.RawMessage
	err := dec.Decode(&v)
	var se *json.SyntaxError
	switch {
	case err == nil:
		off := int(dec.InputOffset())
		off += len(body[off:]) - len(bytes.TrimLeft(body[off:], jsonSpace))
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

// shapeError is a custom decoder's refusal of a value: it must be want,
// and was got (a JSON kind, as jsonKindOf names it).
type shapeError struct{ want, got string }

func (e *shapeError) Error() string { return "must be " + e.want }

// missingError is a custom decoder's refusal of an object that lacks
// member (a dotted path below the object).
type missingError struct{ member string }

func (e *missingError) Error() string { return e.member + " is required" }

// fieldError names the first top-level field of b (an object) that does
// not decode, in the order sent: UnmarshalJSON meets fields in map order,
// and the same body must always get the same answer. It runs only after a
// decode failed (err, decoding field key), so it may walk each value to
// name the bad one by its array indices, which encoding/json's errors drop.
func fieldError(b []byte, key string, err error) *FieldError {
	var scratch Request
	for _, m := range members(b) {
		if dst := scratch.field(m.key); dst != nil {
			if fe := check(m.key, reflect.TypeOf(dst), m.val); fe != nil {
				return fe
			}
		}
	}
	return describe(key, err)
}

// describe turns err, from decoding the value at path, into the caller's
// terms. It is the one place the wording of a decode error is chosen.
func describe(path string, err error) *FieldError {
	var te *json.UnmarshalTypeError
	var se *shapeError
	var me *missingError
	switch {
	case errors.As(err, &te):
		p := join(path, te.Field)
		return mustBe(p, kindName(te.Type), valueName(te.Value))
	case errors.As(err, &se):
		return mustBe(path, se.want, se.got)
	case errors.As(err, &me):
		p := join(path, me.member)
		return &FieldError{Param: p, Msg: p + " is required"}
	case path == "":
		return &FieldError{Msg: "the request body is not a chat completion request"}
	}
	return &FieldError{Param: path, Msg: path + " is not valid"}
}

// mustBe says the value at path (the body itself when path is empty) must
// be want, and is got.
func mustBe(path, want, got string) *FieldError {
	subject := path
	if path == "" {
		subject = "the request body"
	}
	return &FieldError{Param: path, Msg: fmt.Sprintf("%s must be %s, not %s", subject, want, got)}
}

func join(path, field string) string {
	switch {
	case field == "":
		return path
	case path == "":
		return field
	}
	return path + "." + field
}

var (
	rawType         = reflect.TypeFor[json.RawMessage]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

	// arrayForms are the types that take a string or an array: an array is
	// checked element by element, so a bad element is named by its index.
	arrayForms = map[reflect.Type]reflect.Type{
		reflect.TypeFor[Content](): reflect.TypeFor[[]Part](),
		reflect.TypeFor[Stop]():    reflect.TypeFor[[]string](),
	}
)

// check returns the first part of raw (valid JSON) that cannot decode into
// t, named by its path, or nil. It mirrors what encoding/json and this
// package's decoders accept, and is slow: it runs only after a decode
// failed.
func check(path string, t reflect.Type, raw json.RawMessage) *FieldError {
	if string(raw) == "null" {
		return nil // null decodes into anything as "absent"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if elems, ok := arrayForms[t]; ok && raw[0] == '[' {
		return check(path, elems, raw)
	}
	switch {
	case t == rawType || t.Kind() == reflect.Interface:
		return nil
	case reflect.PointerTo(t).Implements(unmarshalerType):
		if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
			return describe(path, err)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		return checkFields(path, t, raw)
	case reflect.Map:
		if raw[0] != '{' {
			return mustBe(path, "an object", jsonKindOf(raw))
		}
		for _, m := range members(raw) {
			if fe := check(join(path, m.key), t.Elem(), m.val); fe != nil {
				return fe
			}
		}
		return nil
	case reflect.Slice, reflect.Array:
		if raw[0] != '[' {
			return mustBe(path, "an array", jsonKindOf(raw))
		}
		var elems []json.RawMessage
		_ = json.Unmarshal(raw, &elems)
		for i, e := range elems {
			if fe := check(fmt.Sprintf("%s[%d]", path, i), t.Elem(), e); fe != nil {
				return fe
			}
		}
		return nil
	}
	if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
		return describe(path, err)
	}
	return nil
}

// checkFields checks the members of object raw against struct t's JSON
// fields; unknown members are ignored, as decoding ignores them. Keys
// match case-insensitively, as encoding/json matches them.
func checkFields(path string, t reflect.Type, raw json.RawMessage) *FieldError {
	if len(raw) == 0 || raw[0] != '{' {
		return mustBe(path, "an object", jsonKindOf(raw))
	}
	for _, m := range members(raw) {
		f, ok := jsonField(t, m.key)
		if !ok {
			continue
		}
		if fe := check(join(path, m.key), f.Type, m.val); fe != nil {
			return fe
		}
	}
	return nil
}

func jsonField(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if strings.EqualFold(name, key) {
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

// kindName names, in JSON's terms, what a Go type accepts.
func kindName(t reflect.Type) string {
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
	}
	return "an object"
}

// jsonKinds names JSON kinds for messages, keyed as encoding/json names them.
var jsonKinds = map[string]string{"object": "an object", "array": "an array", "string": "a string",
	"bool": "a boolean", "null": "null", "number": "a number"}

// valueName names the value an UnmarshalTypeError refused: its Value is
// "string", "number", "number 3.5", "bool", "array"...; a number is quoted
// as sent, since "an integer, not 3.5" says more than "not a number".
func valueName(v string) string {
	kind, lit, _ := strings.Cut(v, " ")
	if lit != "" {
		return lit
	}
	if name, ok := jsonKinds[kind]; ok {
		return name
	}
	return "a " + kind
}

// jsonKindOf names the kind of JSON value raw (valid JSON) starts with.
func jsonKindOf(raw []byte) string {
	raw = bytes.TrimLeft(raw, jsonSpace)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
