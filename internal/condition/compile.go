package condition

import (
	"fmt"
	"slices"
	"strings"
)

// Compile checks and compiles a condition document as decoded from YAML or
// JSON: map[string]any, []any, string, float64, bool and nil, with integers
// also as int or int64 (or any Go integer type, or json.Number).
//
// A document is a map whose keys are ANDed. A key is a logical operator
// ($and and $or take a non-empty list of documents, $not takes one document)
// or a variable name. A variable's value is an operator map such as
// {"$gt": 3, "$lt": 9}, whose operators are ANDed, or a literal meaning $eq.
//
// A variable must be one the router supplies (KnownVariables); compared
// with equality, time.weekday must be one of Weekdays and
// request.operation one of Operations. Any budget name is
// accepted; CompileWith also checks them against the config's budgets.
//
// Every problem is reported, as Errors, each with its path inside the
// condition, e.g. `$and[1].metadata.tier.$regex: invalid regular expression "(": ...`.
func Compile(doc any) (*Expr, error) {
	return CompileWith(doc, Options{})
}

// CompileWith is Compile with the extra checks opts asks for.
func CompileWith(doc any, opts Options) (*Expr, error) {
	c := compiler{vars: map[string]struct{}{}, opts: opts}
	root := c.document("", doc)
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	vars := make([]string, 0, len(c.vars))
	for name := range c.vars {
		vars = append(vars, name)
	}
	slices.Sort(vars)
	return &Expr{root: root, vars: vars}, nil
}

// compiler collects errors instead of stopping at the first; a failed part
// compiles to nil, which is harmless because no Expr is returned then.
type compiler struct {
	errs Errors
	vars map[string]struct{}
	opts Options
}

func (c *compiler) errorf(path, format string, args ...any) {
	c.errs = append(c.errs, &Error{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// operators are the operators of a variable's operator map, listed in error
// messages so a typo is fixed without opening the docs.
var operators = []string{"$eq", "$ne", "$in", "$nin", "$gt", "$gte", "$lt", "$lte", "$regex", "$contains", "$exists"}

var (
	knownLogical   = "$and, $or, $not"
	knownOperators = strings.Join(operators, ", ")
)

func (c *compiler) document(path string, doc any) node {
	m, ok := doc.(map[string]any)
	if !ok {
		c.errorf(path, "a condition must be a map, got %s", describe(doc))
		return nil
	}
	keys := sortedKeys(m)
	nodes := make(allOf, 0, len(keys))
	for _, k := range keys {
		p := join(path, k)
		switch {
		case k == "$and":
			nodes = append(nodes, allOf(c.list(p, m[k])))
		case k == "$or":
			nodes = append(nodes, anyOf(c.list(p, m[k])))
		case k == "$not":
			nodes = append(nodes, noneOf{c.document(p, m[k])})
		case slices.Contains(operators, k):
			c.errorf(p, "%s must be applied to a variable, e.g. {\"metadata.tier\": {%q: ...}}", k, k)
		case strings.HasPrefix(k, "$"):
			c.errorf(p, "unknown logical operator (known: %s)", knownLogical)
		default:
			nodes = append(nodes, c.field(path, k, m[k]))
		}
	}
	if len(nodes) == 1 {
		return nodes[0] // skip a level for the common single-key document
	}
	return nodes
}

// list compiles the operand of $and or $or.
func (c *compiler) list(path string, v any) []node {
	l, ok := v.([]any)
	if !ok || len(l) == 0 {
		c.errorf(path, "must be a non-empty list of conditions, got %s", describe(v))
		return nil
	}
	nodes := make([]node, len(l))
	for i, d := range l {
		nodes[i] = c.document(index(path, i), d)
	}
	return nodes
}

// field compiles a variable's value: an operator map or a literal for $eq.
func (c *compiler) field(parent, name string, v any) node {
	path := join(parent, name)
	m, isMap := v.(map[string]any)
	if !c.variable(parent, path, name, isMap && hasField(m)) {
		return nil
	}
	if e, ok := enums[name]; ok {
		c.enumOperands(path, e, v)
	}
	if !isMap {
		return &field{name: name, ops: []matcher{c.eq(path, v)}}
	}
	if len(m) == 0 {
		c.errorf(path, "must be a value or a map of operators (%s), got an empty map", knownOperators)
		return nil
	}
	keys := sortedKeys(m)
	ops := make([]matcher, 0, len(keys))
	for _, k := range keys {
		if !strings.HasPrefix(k, "$") {
			// A literal map as $eq is almost always a nested-field mistake,
			// so point at the dotted name rather than silently comparing maps.
			c.errorf(join(path, k), "is not an operator; to match a nested variable write %q, to compare a whole map use $eq", name+"."+k)
			continue
		}
		ops = append(ops, c.operator(join(path, k), k, m[k]))
	}
	return &field{name: name, ops: ops}
}

// variable checks a variable name (its syntax, then that the router
// supplies it) and records it for Variables. nested skips the second check:
// the value is a map with field keys, {"metadata": {"tier": ...}}, and field
// reports a more useful error for each of them.
func (c *compiler) variable(parent, path, name string, nested bool) bool {
	switch {
	case name == "":
		c.errorf(parent, "empty variable name")
		return false
	case strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, ".."):
		c.errorf(path, "invalid variable name: empty part between dots")
		return false
	case !nested && !c.knownName(path, name):
		return false
	}
	c.vars[name] = struct{}{}
	return true
}

// hasField reports whether an operator map has a key that is not an operator.
func hasField(m map[string]any) bool {
	for k := range m {
		if !strings.HasPrefix(k, "$") {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
