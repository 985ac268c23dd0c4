package config

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Errors is every problem found in a document, each with its path.
type Errors []FieldError

// FieldError is one problem at one path.
type FieldError struct {
	Path string
	Msg  string
}

func (e FieldError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

func (es *Errors) add(path, format string, args ...any) {
	*es = append(*es, FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (es Errors) orNil() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// Duration is a time.Duration written as "250ms", "2s", "1h".
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalYAML writes the Go duration syntax.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// MarshalJSON writes the Go duration syntax.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// decoder walks a generic document (maps, slices, scalars as produced by
// YAML, JSON or DynamoDB) into typed structs, collecting path-qualified
// errors instead of stopping at the first.
type decoder struct {
	errs *Errors
	// flatTargets accepts vLLora's flat target maps (extra keys are params);
	// only inline routers from request bodies use it.
	flatTargets bool
	// weighted is set while the targets of a router whose strategy reads
	// weights are decoded (see drains).
	weighted bool
	// depth is how many routers deep the decoder is (0 outside any).
	depth int
}

var (
	durationType = reflect.TypeOf(Duration(0))
	targetType   = reflect.TypeOf(Target{})
	routerType   = reflect.TypeOf(Router{})
	anyType      = reflect.TypeOf((*any)(nil)).Elem()
)

func (d *decoder) value(path string, in any, out reflect.Value) {
	if in == nil {
		return // absent and null leave the zero value
	}
	t := out.Type()
	switch {
	case t == durationType:
		d.duration(path, in, out)
		return
	case t == targetType:
		d.target(path, in, out)
		return
	case t == routerType:
		d.router(path, in, out)
		return
	case t == anyType:
		v := normalize(in)
		if !finite(v) {
			// YAML's .nan and .inf have no JSON form: params holding one
			// could never be sent upstream, nor the config pulled.
			d.errs.add(path, "must not hold .nan or .inf")
			return
		}
		out.Set(reflect.ValueOf(v))
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		v := reflect.New(t.Elem())
		d.value(path, in, v.Elem())
		out.Set(v)
	case reflect.Struct:
		d.structure(path, in, out)
	case reflect.Map:
		m, ok := in.(map[string]any)
		if !ok {
			d.errs.add(path, "must be a map, not %s", kindOf(in))
			return
		}
		if out.IsNil() {
			out.Set(reflect.MakeMapWithSize(t, len(m)))
		}
		for _, k := range sortedKeys(m) {
			v := reflect.New(t.Elem()).Elem()
			d.value(join(path, k), m[k], v)
			out.SetMapIndex(reflect.ValueOf(k), v)
		}
	case reflect.Slice:
		list, ok := in.([]any)
		if !ok {
			// A single item where a list is expected (default: {model: x}).
			if t.Elem() == targetType {
				list = []any{in}
			} else {
				d.errs.add(path, "must be a list, not %s", kindOf(in))
				return
			}
		}
		s := reflect.MakeSlice(t, len(list), len(list))
		for i, item := range list {
			d.value(index(path, i), item, s.Index(i))
		}
		out.Set(s)
	case reflect.String:
		switch v := in.(type) {
		case string:
			out.SetString(v)
		case int, int64, float64:
			// Map keys like on_status "408" may come unquoted from YAML.
			out.SetString(fmt.Sprint(v))
		default:
			d.errs.add(path, "must be a string, not %s", kindOf(in))
		}
	case reflect.Bool:
		b, ok := in.(bool)
		if !ok {
			d.errs.add(path, "must be true or false, not %s", kindOf(in))
			return
		}
		out.SetBool(b)
	case reflect.Int, reflect.Int64:
		f, ok := number(in)
		if !ok || f != math.Trunc(f) {
			d.errs.add(path, "must be a whole number, not %s", kindOf(in))
			return
		}
		// Converting an out-of-range float to int64 is implementation-defined
		// (1e30 became a negative max_body_bytes): refuse it instead.
		if f < math.MinInt64 || f >= math.MaxInt64 || out.OverflowInt(int64(f)) {
			d.errs.add(path, "%s is out of range", kindOf(in))
			return
		}
		out.SetInt(int64(f))
	case reflect.Float64:
		f, ok := number(in)
		if !ok {
			d.errs.add(path, "must be a number, not %s", kindOf(in))
			return
		}
		// YAML's .nan and .inf: a NaN price makes every cost NaN, which no
		// budget limit ever catches, and neither has a JSON form.
		if math.IsNaN(f) || math.IsInf(f, 0) {
			d.errs.add(path, "must be a finite number, not %s", kindOf(in))
			return
		}
		out.SetFloat(f)
	default:
		d.errs.add(path, "unsupported field type %s", t)
	}
}

// structure decodes a map into a struct by yaml tags, rejecting unknown keys
// (a typo must not silently become a default).
func (d *decoder) structure(path string, in any, out reflect.Value) {
	m, ok := in.(map[string]any)
	if !ok {
		d.errs.add(path, "must be a map, not %s", kindOf(in))
		return
	}
	fields := fieldsOf(out.Type())
	for _, k := range sortedKeys(m) {
		i, ok := fields[k]
		if !ok {
			d.errs.add(join(path, k), "unknown field (known: %s)", strings.Join(knownNames(fields), ", "))
			continue
		}
		d.value(join(path, k), m[k], out.Field(i))
	}
}

func (d *decoder) duration(path string, in any, out reflect.Value) {
	switch v := in.(type) {
	case string:
		dur, err := time.ParseDuration(v)
		if err != nil {
			d.errs.add(path, "invalid duration %q (use e.g. 250ms, 2s, 1m)", v)
			return
		}
		if dur < 0 {
			d.errs.add(path, "must not be negative")
			return
		}
		out.SetInt(int64(dur))
	default:
		d.errs.add(path, "must be a duration string such as \"2s\", not %s", kindOf(in))
	}
}

func fieldsOf(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("yaml")
		if tag == "" || tag == "-" {
			continue
		}
		out[strings.Split(tag, ",")[0]] = i
	}
	return out
}

func knownNames(fields map[string]int) []string {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func copyMap(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func number(in any) (float64, bool) {
	switch v := in.(type) {
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case uint64:
		return float64(v), true
	case float64:
		return v, true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	}
	return 0, false
}

func kindOf(in any) string {
	switch v := in.(type) {
	case string:
		return fmt.Sprintf("the string %q", v)
	case bool:
		return fmt.Sprintf("%v", v)
	case map[string]any:
		return "a map"
	case []any:
		return "a list"
	case nil:
		return "null"
	}
	if f, ok := number(in); ok {
		return fmt.Sprintf("the number %v", f)
	}
	return fmt.Sprintf("%T", in)
}

// normalize turns YAML's map[any]any and integer types into the JSON shapes
// (map[string]any, float64) so params and conditions see one representation.
func normalize(in any) any {
	switch v := in.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = normalize(x)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[fmt.Sprint(k)] = normalize(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = normalize(x)
		}
		return out
	case int:
		return exactNumber(json.Number(strconv.FormatInt(int64(v), 10)))
	case int64:
		return exactNumber(json.Number(strconv.FormatInt(v, 10)))
	case uint64:
		return exactNumber(json.Number(strconv.FormatUint(v, 10)))
	case json.Number:
		return exactNumber(v)
	}
	return in
}

// finite reports whether v, a normalized document, holds no NaN or
// infinity.
func finite(v any) bool {
	switch x := v.(type) {
	case float64:
		return !math.IsNaN(x) && !math.IsInf(x, 0)
	case map[string]any:
		for _, e := range x {
			if !finite(e) {
				return false
			}
		}
	case []any:
		for _, e := range x {
			if !finite(e) {
				return false
			}
		}
	}
	return true
}

// exactNumber is n as a float64 when that is exact, else n itself: an
// integer past 2^53 (a seed, an id in params) keeps its digits, since
// json.Number marshals as written and the decoder reads it as a number.
func exactNumber(n json.Number) any {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") { // an integer
		if i, err := strconv.ParseInt(s, 10, 64); err == nil && i >= -(1<<53) && i <= 1<<53 {
			return float64(i)
		}
		return n
	}
	if f, err := n.Float64(); err == nil {
		return f
	}
	return n
}
