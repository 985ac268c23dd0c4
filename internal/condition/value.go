package condition

import (
	"cmp"
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// num is a number of any Go numeric type. Integers keep their exact int64
// value so that, say, a user id of 2^60+1 does not equal 2^60 after a trip
// through float64; everything else compares as float64.
type num struct {
	f     float64
	i     int64
	isInt bool
}

func intNum(i int64) num { return num{f: float64(i), i: i, isInt: true} }

// toNum reports whether v is a number, whatever its Go type: decoders give
// float64 (JSON), int or int64 (YAML, Go callers) or json.Number (UseNumber).
func toNum(v any) (num, bool) {
	switch x := v.(type) {
	case float64:
		return num{f: x}, true
	case int:
		return intNum(int64(x)), true
	case int64:
		return intNum(x), true
	case float32:
		return num{f: float64(x)}, true
	case int32:
		return intNum(int64(x)), true
	case int16:
		return intNum(int64(x)), true
	case int8:
		return intNum(int64(x)), true
	case uint8:
		return intNum(int64(x)), true
	case uint16:
		return intNum(int64(x)), true
	case uint32:
		return intNum(int64(x)), true
	case uint:
		return uintNum(uint64(x)), true
	case uint64:
		return uintNum(x), true
	case json.Number:
		return parseNumber(string(x))
	}
	return num{}, false
}

func uintNum(u uint64) num {
	if u > math.MaxInt64 {
		return num{f: float64(u)}
	}
	return intNum(int64(u))
}

// parseNumber parses a json.Number. It tries ParseInt only for digit-only
// text because a failed parse allocates its error, and Eval must not.
func parseNumber(s string) (num, bool) {
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return intNum(i), true
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return num{}, false
	}
	return num{f: f}, true
}

// compare orders two numbers; ok is false when either is NaN, which is
// neither equal to, less than nor greater than anything.
func (a num) compare(b num) (c int, ok bool) {
	switch {
	case a.isInt && b.isInt:
		return cmp.Compare(a.i, b.i), true
	case math.IsNaN(a.f) || math.IsNaN(b.f):
		return 0, false
	case a.isInt:
		return compareIntFloat(a.i, b.f), true
	case b.isInt:
		return -compareIntFloat(b.i, a.f), true
	}
	return cmp.Compare(a.f, b.f), true
}

// compareIntFloat orders an int64 and a (non-NaN) float64 exactly; going
// through float64 would make 2^53+1 equal 2^53 and MaxInt64 equal 2^63.
func compareIntFloat(i int64, f float64) int {
	switch {
	case f >= 1<<63:
		return -1
	case f < -(1 << 63):
		return 1
	}
	t := math.Trunc(f)
	if ti := int64(t); i != ti {
		return cmp.Compare(i, ti)
	}
	return cmp.Compare(t, f) // i == t: the fraction decides
}

// equal is $eq between a variable's value and an operand: numbers compare
// numerically across Go types, everything else by type and value, lists
// element-wise and maps key by key. A number never equals a string.
func equal(a, b any) bool {
	if na, ok := toNum(a); ok {
		nb, ok := toNum(b)
		if !ok {
			return false
		}
		c, ok := na.compare(nb)
		return ok && c == 0
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	case []any:
		return equalList(x, b)
	case []string:
		return equalStrings(x, b)
	case map[string]any:
		return equalMap(x, b)
	}
	return false
}

func equalList(x []any, b any) bool {
	switch y := b.(type) {
	case []any:
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case []string:
		return equalStrings(y, x)
	}
	return false
}

// equalStrings handles []string values, which a router's Vars may return for
// multi-valued headers, without boxing each element.
func equalStrings(x []string, b any) bool {
	switch y := b.(type) {
	case []string:
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	case []any:
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if s, ok := y[i].(string); !ok || s != x[i] {
				return false
			}
		}
		return true
	}
	return false
}

func equalMap(x map[string]any, b any) bool {
	y, ok := b.(map[string]any)
	if !ok || len(x) != len(y) {
		return false
	}
	for k, xv := range x {
		yv, ok := y[k]
		if !ok || !equal(xv, yv) {
			return false
		}
	}
	return true
}
