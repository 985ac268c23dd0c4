package condition

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Error is one problem at one path inside a condition, for example
// `$and[1].metadata.tier.$regex`. Path is empty for a problem with the
// condition as a whole.
type Error struct {
	Path string
	Msg  string
	// Err is the underlying cause when there is one (a regexp syntax error).
	Err error
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errors is every problem Compile found, in a stable order (map keys are
// visited sorted), so a user fixing a config sees them all at once.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As and errors.Is reach the individual errors.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// join appends a map key to a path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// index appends a list index to a path.
func index(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

// describe names a decoded value for an error message.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", x)
	case bool:
		return fmt.Sprintf("%t", x)
	case []any:
		return "a list"
	case map[string]any:
		return "a map"
	case json.Number:
		if _, ok := toNum(x); !ok {
			return fmt.Sprintf("the invalid number %q", string(x))
		}
	}
	if n, ok := toNum(v); ok {
		if n.isInt {
			return fmt.Sprintf("the number %d", n.i)
		}
		return fmt.Sprintf("the number %v", n.f)
	}
	return fmt.Sprintf("a value of type %T", v)
}
