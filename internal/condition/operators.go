package condition

import (
	"fmt"
	"regexp"
)

// operator compiles one `$op: operand` of a variable's operator map.
func (c *compiler) operator(path, op string, arg any) matcher {
	switch op {
	case "$eq":
		return c.eq(path, arg)
	case "$ne":
		return not{c.eq(path, arg)}
	case "$in":
		return c.in(path, arg)
	case "$nin":
		return not{c.in(path, arg)}
	case "$gt":
		return c.ordered(path, gt, arg)
	case "$gte":
		return c.ordered(path, gte, arg)
	case "$lt":
		return c.ordered(path, lt, arg)
	case "$lte":
		return c.ordered(path, lte, arg)
	case "$regex":
		return c.regex(path, arg)
	case "$contains":
		return c.contains(path, arg)
	case "$exists":
		b, ok := arg.(bool)
		if !ok {
			c.errorf(path, "operand must be true or false, got %s", describe(arg))
			return nil
		}
		return exists{b}
	case "$and", "$or":
		c.errorf(path, "unknown operator (known: %s); %s goes outside variables, e.g. {%q: [{\"a\": 1}, {\"b\": 2}]}", knownOperators, op, op)
	case "$not":
		c.errorf(path, "unknown operator (known: %s); $not goes outside variables, e.g. {\"$not\": {\"a\": {\"$gt\": 1}}}", knownOperators)
	default:
		c.errorf(path, "unknown operator (known: %s)", knownOperators)
	}
	return nil
}

// eq picks the matcher for the operand's type so Eval does no type dispatch
// on the operand.
func (c *compiler) eq(path string, arg any) matcher {
	if !c.value(path, arg) {
		return nil
	}
	switch x := arg.(type) {
	case string:
		return eqString{x}
	case bool:
		return eqBool{x}
	}
	if n, ok := toNum(arg); ok {
		return eqNum{n}
	}
	return eqAny{arg}
}

func (c *compiler) in(path string, arg any) matcher {
	l, ok := arg.([]any)
	if !ok {
		c.errorf(path, "operand must be a list, got %s", describe(arg))
		return nil
	}
	m := &inMatcher{}
	for i, e := range l {
		if !c.value(index(path, i), e) {
			continue
		}
		if s, ok := e.(string); ok {
			m.strs = append(m.strs, s)
		} else if n, ok := toNum(e); ok {
			m.nums = append(m.nums, n)
		} else {
			m.other = append(m.other, e)
		}
	}
	if len(m.strs) >= bigIn {
		m.strSet = make(map[string]struct{}, len(m.strs))
		for _, s := range m.strs {
			m.strSet[s] = struct{}{}
		}
	}
	return m
}

func (c *compiler) ordered(path string, op order, arg any) matcher {
	if s, ok := arg.(string); ok {
		return &cmpMatcher{op: op, s: s}
	}
	if n, ok := toNum(arg); ok {
		return &cmpMatcher{op: op, isNum: true, n: n}
	}
	c.errorf(path, "operand must be a number or a string, got %s", describe(arg))
	return nil
}

func (c *compiler) regex(path string, arg any) matcher {
	s, ok := arg.(string)
	if !ok {
		c.errorf(path, "operand must be a string (a regular expression), got %s", describe(arg))
		return nil
	}
	re, err := regexp.Compile(s)
	if err != nil {
		c.errs = append(c.errs, &Error{
			Path: path,
			Msg:  fmt.Sprintf("invalid regular expression %q: %v", s, err),
			Err:  err,
		})
		return nil
	}
	return regexMatcher{re}
}

func (c *compiler) contains(path string, arg any) matcher {
	switch x := arg.(type) {
	case string:
		return &containsMatcher{want: x, s: x, isStr: true}
	case bool:
		return &containsMatcher{want: x}
	}
	if _, ok := toNum(arg); ok {
		return &containsMatcher{want: arg}
	}
	c.errorf(path, "operand must be a string, a number or a boolean, got %s", describe(arg))
	return nil
}

// value checks that an operand is made only of decoded YAML/JSON shapes, so
// Eval never meets a type it cannot compare.
func (c *compiler) value(path string, v any) bool {
	switch x := v.(type) {
	case nil, string, bool:
		return true
	case []any:
		ok := true
		for i, e := range x {
			ok = c.value(index(path, i), e) && ok
		}
		return ok
	case map[string]any:
		ok := true
		for _, k := range sortedKeys(x) {
			ok = c.value(join(path, k), x[k]) && ok
		}
		return ok
	}
	if _, ok := toNum(v); ok {
		return true
	}
	c.errorf(path, "unsupported value: %s", describe(v))
	return false
}
