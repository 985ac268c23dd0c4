package condition

// Expr is a compiled condition. It is immutable and safe for concurrent use
// by any number of requests.
type Expr struct {
	root node
	vars []string
}

// Eval evaluates the condition against a request's variables. It never
// panics and returns no error: a type mismatch or an absent variable makes a
// comparison false. A nil *Expr is false, so a route whose condition failed
// to compile can never be taken by accident; a nil Vars has no variables.
func (e *Expr) Eval(v Vars) bool {
	if e == nil || e.root == nil {
		return false
	}
	if v == nil {
		v = noVars{}
	}
	return e.root.eval(v)
}

// Variables returns the variable names the expression reads, sorted and
// deduplicated, so config validation can reject unknown variable roots.
// The caller may modify the returned slice.
func (e *Expr) Variables() []string {
	if e == nil {
		return nil
	}
	return append([]string(nil), e.vars...)
}

// node is one level of the compiled tree.
type node interface {
	eval(v Vars) bool
}

// field applies one or more operators, ANDed, to one variable, looked up once.
type field struct {
	name string
	ops  []matcher
}

func (f *field) eval(v Vars) bool {
	x, ok := v.Lookup(f.name)
	for _, m := range f.ops {
		if !m.match(x, ok) {
			return false
		}
	}
	return true
}

// allOf is $and, and also the implicit AND of a document's keys. An empty
// allOf (the document {}) is true, as in MongoDB.
type allOf []node

func (a allOf) eval(v Vars) bool {
	for _, n := range a {
		if !n.eval(v) {
			return false
		}
	}
	return true
}

// anyOf is $or.
type anyOf []node

func (a anyOf) eval(v Vars) bool {
	for _, n := range a {
		if n.eval(v) {
			return true
		}
	}
	return false
}

// noneOf is $not over a whole condition.
type noneOf struct{ n node }

func (n noneOf) eval(v Vars) bool { return !n.n.eval(v) }
