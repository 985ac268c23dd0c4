package condition

import (
	"slices"
	"strings"
)

// KnownVariables lists the variables a condition may read (DESIGN §4), in
// the form error messages and docs show them. A name outside this list is a
// compile error: the router would never supply it, so a typo such as
// "metdata.tier" or a bare "tier" would otherwise make its route silently
// never match.
const KnownVariables = "metadata.<key>, user, headers.<name>, params.<field>, " +
	"request.input_tokens, request.messages, request.has_tools, request.has_images, request.operation, " +
	"budget.<name>.remaining_pct, geo.country, geo.region, time.hour_utc, time.weekday"

// Weekdays are the values of time.weekday: the UTC day of the week as a
// lowercase English name.
var Weekdays = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

// Operations are the values of request.operation: the API a request came
// in by (POST /v1/chat/completions, /v1/embeddings, /v1/messages,
// /v1/responses), as the engine's Op* constants name them.
var Operations = []string{"chat", "embeddings", "messages", "responses"}

// fixedFields are the variables under a root that reads named fields only.
var fixedFields = map[string][]string{
	"request": {"input_tokens", "messages", "has_tools", "has_images", "operation"},
	"geo":     {"country", "region"},
	"time":    {"hour_utc", "weekday"},
}

// Options are checks that need more than the condition itself.
type Options struct {
	// CheckBudgets makes budget.<name>.remaining_pct an error unless name
	// is one of Budgets (the config's budget names). Without it any
	// budget name is accepted, for callers that have no config at hand.
	CheckBudgets bool
	Budgets      []string
}

// knownName reports whether name is a variable the router supplies, and
// records an error at path when it is not. name is syntactically valid
// (non-empty parts between dots).
func (c *compiler) knownName(path, name string) bool {
	root, rest, _ := strings.Cut(name, ".")
	switch root {
	case "metadata", "headers":
		if rest != "" {
			return true
		}
	case "user":
		if rest == "" {
			return true
		}
	case "params":
		if rest != "" && !strings.Contains(rest, ".") {
			return true
		}
		if rest != "" {
			c.errorf(path, "unknown variable: params.<field> reads a top-level request field, not a nested one (known: %s)", KnownVariables)
			return false
		}
	case "budget":
		bname, ok := strings.CutSuffix(rest, ".remaining_pct")
		if ok && bname != "" {
			return c.budget(path, bname)
		}
	default:
		if fields, ok := fixedFields[root]; ok && slices.Contains(fields, rest) {
			return true
		}
	}
	c.errorf(path, "unknown variable (known: %s)", KnownVariables)
	return false
}

// budget checks the <name> of budget.<name>.remaining_pct.
func (c *compiler) budget(path, name string) bool {
	if strings.Contains(name, ".") {
		// The router splits budget.<name>.remaining_pct at the first dot.
		c.errorf(path, "budget %q: a budget read by a condition cannot have a dot in its name", name)
		return false
	}
	if !c.opts.CheckBudgets || slices.Contains(c.opts.Budgets, name) {
		return true
	}
	if len(c.opts.Budgets) == 0 {
		c.errorf(path, "unknown budget %q (no budgets are configured)", name)
	} else {
		c.errorf(path, "unknown budget %q (configured: %s)", name, strings.Join(c.opts.Budgets, ", "))
	}
	return false
}

// enum is a variable with a closed set of values: compared by equality,
// an operand outside the set could never match, so the route would
// silently never (or, negated, always) apply.
type enum struct {
	values []string
	what   string // the error's description of the values
}

// enums are the variables whose values are a closed set.
var enums = map[string]enum{
	"time.weekday":      {Weekdays, "time.weekday is the UTC day as a lowercase English name"},
	"request.operation": {Operations, "request.operation is the API the request came in by"},
}

// enumOperands checks the operands an enum variable is compared with by
// equality ($eq, $ne, $in, $nin or a literal): each must be one of its
// values, since "tue", "Tuesday" or 2 could never equal time.weekday.
func (c *compiler) enumOperands(path string, e enum, v any) {
	m, ok := v.(map[string]any)
	if !ok {
		c.enumValue(path, e, v)
		return
	}
	for _, op := range sortedKeys(m) {
		switch op {
		case "$eq", "$ne":
			c.enumValue(join(path, op), e, m[op])
		case "$in", "$nin":
			if l, ok := m[op].([]any); ok {
				for i, x := range l {
					c.enumValue(index(join(path, op), i), e, x)
				}
			}
		}
	}
}

func (c *compiler) enumValue(path string, e enum, v any) {
	if s, ok := v.(string); ok && slices.Contains(e.values, s) {
		return
	}
	c.errorf(path, "%s (%s), got %s", e.what, strings.Join(e.values, ", "), describe(v))
}
