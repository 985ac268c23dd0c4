package condition

import (
	"regexp"
	"strings"
)

// matcher is one compiled operator applied to one variable. present is false
// when the variable is absent; v is then nil and must be ignored.
//
// Matchers are small value types chosen at Compile time for the operand's
// type (eqString, eqNum, ...) so that Eval does one type assertion and one
// comparison, with no allocation.
type matcher interface {
	match(v any, present bool) bool
}

// not negates a matcher: $ne is not($eq) and $nin is not($in), which is what
// makes them true for an absent variable and for a type mismatch.
type not struct{ m matcher }

func (n not) match(v any, present bool) bool { return !n.m.match(v, present) }

type eqString struct{ s string }

func (m eqString) match(v any, present bool) bool {
	s, ok := v.(string)
	return present && ok && s == m.s
}

type eqNum struct{ n num }

func (m eqNum) match(v any, present bool) bool {
	if !present {
		return false
	}
	n, ok := toNum(v)
	if !ok {
		return false
	}
	c, ok := n.compare(m.n)
	return ok && c == 0
}

type eqBool struct{ b bool }

func (m eqBool) match(v any, present bool) bool {
	b, ok := v.(bool)
	return present && ok && b == m.b
}

// eqAny covers null, list and map operands.
type eqAny struct{ want any }

func (m eqAny) match(v any, present bool) bool { return present && equal(v, m.want) }

// order is which of $gt $gte $lt $lte a cmpMatcher applies.
type order uint8

const (
	gt order = iota
	gte
	lt
	lte
)

// cmpMatcher orders numbers numerically and strings lexically (byte-wise);
// any other pairing is false.
type cmpMatcher struct {
	op    order
	isNum bool
	n     num
	s     string
}

func (m *cmpMatcher) match(v any, present bool) bool {
	if !present {
		return false
	}
	var c int
	if m.isNum {
		n, ok := toNum(v)
		if !ok {
			return false
		}
		if c, ok = n.compare(m.n); !ok {
			return false
		}
	} else {
		s, ok := v.(string)
		if !ok {
			return false
		}
		c = strings.Compare(s, m.s)
	}
	switch m.op {
	case gt:
		return c > 0
	case gte:
		return c >= 0
	case lt:
		return c < 0
	default:
		return c <= 0
	}
}

// inMatcher is $in. Strings, the common case, are looked up without boxing;
// a map replaces the linear scan only for long lists, where it pays off.
type inMatcher struct {
	strs   []string
	strSet map[string]struct{}
	nums   []num
	other  []any // booleans, null, lists, maps
}

// bigIn is the list length from which $in looks strings up in a map.
const bigIn = 8

func (m *inMatcher) match(v any, present bool) bool {
	if !present {
		return false
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if m.has(e) {
				return true
			}
		}
		return m.hasOther(v)
	case []string:
		for _, s := range x {
			if m.hasString(s) {
				return true
			}
		}
		return m.hasOther(v)
	}
	return m.has(v)
}

func (m *inMatcher) has(v any) bool {
	if s, ok := v.(string); ok {
		return m.hasString(s)
	}
	if n, ok := toNum(v); ok {
		for _, o := range m.nums {
			if c, ok := n.compare(o); ok && c == 0 {
				return true
			}
		}
		return false
	}
	return m.hasOther(v)
}

func (m *inMatcher) hasString(s string) bool {
	if m.strSet != nil {
		_, ok := m.strSet[s]
		return ok
	}
	for _, o := range m.strs {
		if o == s {
			return true
		}
	}
	return false
}

func (m *inMatcher) hasOther(v any) bool {
	for _, o := range m.other {
		if equal(v, o) {
			return true
		}
	}
	return false
}

// regexMatcher applies to strings only; the expression was compiled once by
// Compile, and *regexp.Regexp is safe for concurrent use.
type regexMatcher struct{ re *regexp.Regexp }

func (m regexMatcher) match(v any, present bool) bool {
	s, ok := v.(string)
	return present && ok && m.re.MatchString(s)
}

// containsMatcher is $contains: a substring of a string value, or an element
// of a list value.
type containsMatcher struct {
	want  any
	s     string
	isStr bool
}

func (m *containsMatcher) match(v any, present bool) bool {
	if !present {
		return false
	}
	switch x := v.(type) {
	case string:
		return m.isStr && strings.Contains(x, m.s)
	case []any:
		for _, e := range x {
			if equal(e, m.want) {
				return true
			}
		}
	case []string:
		if !m.isStr {
			return false
		}
		for _, e := range x {
			if e == m.s {
				return true
			}
		}
	}
	return false
}

type exists struct{ want bool }

func (m exists) match(_ any, present bool) bool { return present == m.want }
