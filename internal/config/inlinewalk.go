package config

// The walk that measures an inline router in its generic (just parsed)
// form, before it is decoded or compiled: its targets, its nesting and
// the size of its regular expressions, each of which a hostile body could
// otherwise make as large as it likes.

import (
	"regexp/syntax"
)

// InlineMaxRegexInsts bounds the compiled size of an inline router's
// regular expressions together (in program instructions, ~46 bytes
// each): "[a-z]{1000}" is 11 bytes of JSON and 1,000 instructions, so a
// 1 KB pattern could otherwise retain megabytes.
const InlineMaxRegexInsts = 2000

// InlineSize is what an inline router holds, measured on its JSON.
type InlineSize struct {
	Bytes   int // the JSON
	Targets int // every target, nested routers' included
	// Regexes counts its $regex patterns, and RegexInsts estimates
	// their compiled size.
	Regexes, RegexInsts int
}

// inlineWalk measures a generic router document.
type inlineWalk struct {
	errs *Errors
	size InlineSize
	// regexPath is the condition whose patterns went over
	// InlineMaxRegexInsts.
	regexPath string
}

// router measures the router map doc at nesting level depth (from 1).
// Shapes it does not recognise count as nothing: decoding reports them.
func (w *inlineWalk) router(path string, doc any, depth int) {
	m, ok := doc.(map[string]any)
	if !ok {
		return
	}
	if depth > MaxRouterDepth {
		// Stop here: walking deeper would follow whatever nesting the
		// body holds.
		w.errs.add(path, "routers nest deeper than %d", MaxRouterDepth)
		return
	}
	w.list(join(path, "targets"), m["targets"], depth)
	w.list(join(path, "default"), m["default"], depth)
	w.routes(join(path, "routes"), m["routes"], depth)
	if rm, ok := m["routing"].(map[string]any); ok {
		// vLLora's conditional router keeps its routes under routing.
		w.routes(join(path, "routing.routes"), rm["routes"], depth)
	}
}

// routes measures a conditional router's routes, in Switchyard's shape
// (when) or vLLora's (conditions).
func (w *inlineWalk) routes(path string, v any, depth int) {
	routes, ok := v.([]any)
	if !ok {
		return
	}
	for i, rt := range routes {
		if rm, ok := rt.(map[string]any); ok {
			rp := index(path, i)
			w.list(rp+".targets", rm["targets"], depth)
			w.when(rp+".when", rm["when"])
			w.when(rp+".conditions", rm["conditions"])
		}
	}
}

// list measures a targets list (or a single target where a list is
// expected, as the decoder accepts one) and the inline routers in it.
func (w *inlineWalk) list(path string, v any, depth int) {
	if v == nil {
		return
	}
	items, ok := v.([]any)
	if !ok {
		if pool, isPool := v.(map[string]any); isPool && pool["$any"] != nil {
			// vLLora's $any pool: its models become a nested router's.
			v, depth = pool["$any"], depth+1
		}
		if items, ok = v.([]any); !ok {
			items = []any{v}
		}
	}
	w.size.Targets += len(items)
	for i, t := range items {
		tm, ok := t.(map[string]any)
		if !ok {
			continue
		}
		_, hasStrategy := tm["strategy"]
		_, hasType := tm["type"]
		switch rm, nested := tm["router"].(map[string]any); {
		case len(*w.errs) > 0:
		case nested:
			// vLLora's nested router target: {"model": "router/x", "router": {...}}.
			w.router(index(path, i)+".router", rm, depth+1)
		case hasStrategy || hasType:
			w.router(index(path, i), tm, depth+1)
		}
	}
}

// when adds the size of every $regex pattern in a condition. A pattern
// that does not parse is left to condition compilation to report.
func (w *inlineWalk) when(path string, v any) {
	switch c := v.(type) {
	case map[string]any:
		for k, sub := range c {
			if s, ok := sub.(string); ok && k == "$regex" {
				w.size.Regexes++
				if re, err := syntax.Parse(s, syntax.Perl); err == nil {
					w.size.RegexInsts += regexInsts(re, InlineMaxRegexInsts)
					if w.size.RegexInsts > InlineMaxRegexInsts && w.regexPath == "" {
						w.regexPath = path
					}
				}
				continue
			}
			w.when(path, sub)
		}
	case []any:
		for _, sub := range c {
			w.when(path, sub)
		}
	}
}

// regexInsts estimates the instructions re compiles to as regexp/syntax's
// own size check does, without expanding repetitions (which is the cost
// being bounded). It stops counting above limit, so nested repetitions
// cannot overflow.
func regexInsts(re *syntax.Regexp, limit int) int {
	sub := func(i int) int { return regexInsts(re.Sub[i], limit) }
	n := 0
	switch re.Op {
	case syntax.OpLiteral:
		n = len(re.Rune)
	case syntax.OpCapture, syntax.OpStar:
		n = 2 + sub(0)
	case syntax.OpPlus, syntax.OpQuest:
		n = 1 + sub(0)
	case syntax.OpConcat, syntax.OpAlternate:
		for i := range re.Sub {
			if n += sub(i); n > limit {
				break
			}
		}
		if re.Op == syntax.OpAlternate {
			n += len(re.Sub) - 1
		}
	case syntax.OpRepeat:
		switch s := sub(0); {
		case re.Max == -1 && re.Min == 0:
			n = 2 + s // x*
		case re.Max == -1:
			n = 1 + re.Min*s // xx+
		default:
			n = re.Max*s + re.Max - re.Min // xx(x)?
		}
	}
	return min(max(1, n), limit+1)
}
