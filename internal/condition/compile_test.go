package condition

import (
	"encoding/json"
	"errors"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"
)

const known = "(known: $eq, $ne, $in, $nin, $gt, $gte, $lt, $lte, $regex, $contains, $exists)"

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  any // a JSON string is parsed first
		want []string
	}{
		{"null document", nil, []string{"a condition must be a map, got null"}},
		{"string document", `"premium"`, []string{`a condition must be a map, got the string "premium"`}},
		{"list document", `[{"user": "a"}]`, []string{"a condition must be a map, got a list"}},
		{"$and not a list", `{"$and": {"user": "a"}}`, []string{"$and: must be a non-empty list of conditions, got a map"}},
		{"$and empty", `{"$and": []}`, []string{"$and: must be a non-empty list of conditions, got a list"}},
		{"$or not a list", `{"$or": "x"}`, []string{`$or: must be a non-empty list of conditions, got the string "x"`}},
		{"$or element not a map", `{"$or": [{"user": "a"}, 1]}`, []string{"$or[1]: a condition must be a map, got the number 1"}},
		{"$not not a map", `{"$not": [{"user": "a"}]}`, []string{"$not: a condition must be a map, got a list"}},
		{"unknown logical operator", `{"$nor": []}`, []string{"$nor: unknown logical operator (known: $and, $or, $not)"}},
		{"field operator at document level", `{"$in": ["a"]}`,
			[]string{`$in: $in must be applied to a variable, e.g. {"metadata.tier": {"$in": ...}}`}},
		{"empty variable name", `{"$and": [{"": 1}]}`, []string{"$and[0]: empty variable name"}},
		{"empty variable name at root", `{"": 1}`, []string{"empty variable name"}},
		{"double dot", `{"metadata..tier": 1}`, []string{"metadata..tier: invalid variable name: empty part between dots"}},
		{"trailing dot", `{"metadata.": 1}`, []string{"metadata.: invalid variable name: empty part between dots"}},
		{"unknown operator", `{"metadata.tier": {"$foo": 1}}`, []string{"metadata.tier.$foo: unknown operator " + known}},
		{"$options is not supported", `{"user": {"$regex": "a", "$options": "i"}}`, []string{"user.$options: unknown operator " + known}},
		{"$not inside a variable", `{"user": {"$not": {"$eq": "a"}}}`,
			[]string{`user.$not: unknown operator ` + known + `; $not goes outside variables, e.g. {"$not": {"a": {"$gt": 1}}}`}},
		{"$or inside a variable", `{"user": {"$or": [{"$eq": "a"}]}}`,
			[]string{`user.$or: unknown operator ` + known + `; $or goes outside variables, e.g. {"$or": [{"a": 1}, {"b": 2}]}`}},
		{"nested map instead of dotted name", `{"metadata": {"tier": "premium"}}`,
			[]string{`metadata.tier: is not an operator; to match a nested variable write "metadata.tier", to compare a whole map use $eq`}},
		{"operators mixed with a field", `{"metadata": {"$exists": true, "tier": "premium"}}`,
			[]string{`metadata.tier: is not an operator; to match a nested variable write "metadata.tier", to compare a whole map use $eq`}},
		{"empty operator map", `{"user": {}}`, []string{"user: must be a value or a map of operators ($eq, $ne, $in, $nin, $gt, $gte, $lt, $lte, $regex, $contains, $exists), got an empty map"}},
		{"$in not a list", `{"user": {"$in": "alice"}}`, []string{`user.$in: operand must be a list, got the string "alice"`}},
		{"$nin not a list", `{"user": {"$nin": {"a": 1}}}`, []string{"user.$nin: operand must be a list, got a map"}},
		{"$gt list", `{"metadata.n": {"$gt": [1]}}`, []string{"metadata.n.$gt: operand must be a number or a string, got a list"}},
		{"$gte bool", `{"metadata.n": {"$gte": true}}`, []string{"metadata.n.$gte: operand must be a number or a string, got true"}},
		{"$lt null", `{"metadata.n": {"$lt": null}}`, []string{"metadata.n.$lt: operand must be a number or a string, got null"}},
		{"$lte map", `{"metadata.n": {"$lte": {}}}`, []string{"metadata.n.$lte: operand must be a number or a string, got a map"}},
		{"$regex not a string", `{"user": {"$regex": 1}}`, []string{"user.$regex: operand must be a string (a regular expression), got the number 1"}},
		{"$regex invalid", `{"$and": [{"user": "a"}, {"metadata.tier": {"$regex": "("}}]}`,
			[]string{"$and[1].metadata.tier.$regex: invalid regular expression \"(\": error parsing regexp: missing closing ): `(`"}},
		{"$regex PCRE lookahead", `{"user": {"$regex": "a(?=b)"}}`,
			[]string{"user.$regex: invalid regular expression \"a(?=b)\": error parsing regexp: invalid or unsupported Perl syntax: `(?=`"}},
		{"$contains list", `{"metadata.tags": {"$contains": ["a"]}}`, []string{"metadata.tags.$contains: operand must be a string, a number or a boolean, got a list"}},
		{"$contains null", `{"metadata.tags": {"$contains": null}}`, []string{"metadata.tags.$contains: operand must be a string, a number or a boolean, got null"}},
		{"$exists not a bool", `{"user": {"$exists": "yes"}}`, []string{`user.$exists: operand must be true or false, got the string "yes"`}},
		{"$exists number", `{"user": {"$exists": 1}}`, []string{"user.$exists: operand must be true or false, got the number 1"}},
		{"unsupported Go value", map[string]any{"user": struct{}{}}, []string{"user: unsupported value: a value of type struct {}"}},
		{"unsupported $in element", map[string]any{"metadata.n": map[string]any{"$in": []any{1, []string{"x"}}}},
			[]string{"metadata.n.$in[1]: unsupported value: a value of type []string"}},
		{"unsupported value deep in $eq", map[string]any{"metadata.n": map[string]any{"$eq": map[string]any{"a": []any{1, complex(1, 1)}}}},
			[]string{"metadata.n.$eq.a[1]: unsupported value: a value of type complex128"}},
		{"invalid json.Number", map[string]any{"metadata.n": map[string]any{"$gt": json.Number("1x")}},
			[]string{`metadata.n.$gt: operand must be a number or a string, got the invalid number "1x"`}},
		{"invalid json.Number literal", map[string]any{"metadata.n": json.Number("")},
			[]string{`metadata.n: unsupported value: the invalid number ""`}},
		{"every problem reported, in key order", `{
			"$or": [{"metadata.a": {"$gt": []}}, "x"],
			"user": {"$regex": "[", "$in": 3, "$bogus": 1},
			"$not": {"geo.country": {"$exists": null}}
		}`, []string{
			"$not.geo.country.$exists: operand must be true or false, got null",
			"$or[0].metadata.a.$gt: operand must be a number or a string, got a list",
			`$or[1]: a condition must be a map, got the string "x"`,
			"user.$bogus: unknown operator " + known,
			"user.$in: operand must be a list, got the number 3",
			"user.$regex: invalid regular expression \"[\": error parsing regexp: missing closing ]: `[`",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := tt.doc
			if s, ok := doc.(string); ok {
				doc = parse(t, s)
			}
			e, err := Compile(doc)
			if e != nil {
				t.Errorf("Compile returned an Expr along with errors")
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Compile error = %v (%T), want Errors", err, err)
			}
			got := make([]string, len(errs))
			for i, e := range errs {
				got[i] = e.Error()
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if err.Error() != strings.Join(tt.want, "\n") {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

// TestErrorsUnwrap: config validation re-parents each error under its own
// path, so the individual errors and their causes must be reachable.
func TestErrorsUnwrap(t *testing.T) {
	_, err := Compile(parse(t, `{"metadata.a": {"$regex": "("}, "metadata.b": {"$in": 1}}`))
	var one *Error
	if !errors.As(err, &one) || one.Path != "metadata.a.$regex" {
		t.Fatalf("errors.As(*Error) = %v, path %q", one, one.Path)
	}
	var syn *syntax.Error
	if !errors.As(err, &syn) || syn.Code != syntax.ErrMissingParen {
		t.Errorf("errors.As(*syntax.Error) = %v", syn)
	}
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 2 || errs[1].Path != "metadata.b.$in" {
		t.Errorf("Errors = %v", errs)
	}
}

func TestCompileAccepts(t *testing.T) {
	tests := []struct {
		name string
		doc  any
	}{
		{"empty document", map[string]any{}},
		{"Go ints", map[string]any{"metadata.n": map[string]any{"$gt": 1, "$lt": int64(9), "$in": []any{uint8(3), int32(4)}}}},
		{"json.Number", map[string]any{"metadata.n": json.Number("12.5")}},
		{"$in of anything", map[string]any{"metadata.n": map[string]any{"$in": []any{"a", 1.0, true, nil, []any{}, map[string]any{}}}}},
		{"$eq of a map", map[string]any{"metadata.n": map[string]any{"$eq": map[string]any{"tier": "x"}}}},
		{"empty $in", map[string]any{"metadata.n": map[string]any{"$in": []any{}}}},
		{"empty $regex", map[string]any{"metadata.n": map[string]any{"$regex": ""}}},
		{"dollar inside a name", map[string]any{"metadata.$price": 1.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Compile(tt.doc); err != nil {
				t.Errorf("Compile: %v", err)
			}
		})
	}
}

func TestVariables(t *testing.T) {
	tests := []struct {
		name string
		when string
		want []string
	}{
		{"empty", `{}`, []string{}},
		{"one", `{"user": "a"}`, []string{"user"}},
		{"sorted and deduplicated across logic", `{
			"time.hour_utc": {"$gte": 9},
			"$or": [{"metadata.tier": "a"}, {"$not": {"metadata.tier": {"$exists": false}}}],
			"$and": [{"headers.x-team": "s"}, {"budget.monthly.remaining_pct": {"$lt": 10}}]
		}`, []string{"budget.monthly.remaining_pct", "headers.x-team", "metadata.tier", "time.hour_utc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustCompile(t, parse(t, tt.when))
			got := e.Variables()
			if !slices.Equal(got, tt.want) {
				t.Errorf("Variables() = %q, want %q", got, tt.want)
			}
			if len(got) > 0 {
				got[0] = "changed"
				if e.Variables()[0] == "changed" {
					t.Errorf("Variables returned the Expr's own slice")
				}
			}
		})
	}
}

const knownVars = "(known: " + KnownVariables + ")"

// TestCompileVariables: a name the router never supplies is an error at its
// own path, listing the variables that exist, instead of a route that
// silently never matches.
func TestCompileVariables(t *testing.T) {
	tests := []struct {
		name    string
		when    string
		wantErr string // "" accepts
	}{
		{"metadata key", `{"metadata.tier": "a"}`, ""},
		{"metadata key with dots", `{"metadata.team.id": "a"}`, ""},
		{"user", `{"user": "a"}`, ""},
		{"header", `{"headers.x-team": "a"}`, ""},
		{"header, any case", `{"headers.X-Team": "a"}`, ""},
		{"typed param", `{"params.temperature": {"$lt": 1}}`, ""},
		{"extra param", `{"params.reasoning_effort": "high"}`, ""},
		{"request.input_tokens", `{"request.input_tokens": {"$gt": 1}}`, ""},
		{"request.messages", `{"request.messages": {"$gt": 1}}`, ""},
		{"request.has_tools", `{"request.has_tools": true}`, ""},
		{"request.has_images", `{"request.has_images": true}`, ""},
		{"budget, unchecked name", `{"budget.anything.remaining_pct": {"$lt": 5}}`, ""},
		{"geo.country", `{"geo.country": "DE"}`, ""},
		{"geo.region", `{"geo.region": "eu-west-1"}`, ""},
		{"time.hour_utc", `{"time.hour_utc": {"$gte": 9}}`, ""},
		{"time.weekday", `{"time.weekday": "tuesday"}`, ""},

		{"bare name", `{"n": 1}`, "n: unknown variable " + knownVars},
		{"metadata key without its root", `{"tier": "premium"}`, "tier: unknown variable " + knownVars},
		{"misspelt root", `{"metdata.tier": "premium"}`, "metdata.tier: unknown variable " + knownVars},
		{"roots are case-sensitive", `{"Metadata.tier": "premium"}`, "Metadata.tier: unknown variable " + knownVars},
		{"bare metadata", `{"metadata": {"$exists": true}}`, "metadata: unknown variable " + knownVars},
		{"bare headers", `{"headers": {"$exists": true}}`, "headers: unknown variable " + knownVars},
		{"bare params", `{"params": {"$exists": true}}`, "params: unknown variable " + knownVars},
		{"nested param", `{"params.response_format.type": "json_object"}`,
			"params.response_format.type: unknown variable: params.<field> reads a top-level request field, not a nested one " + knownVars},
		{"field under user", `{"user.name": "a"}`, "user.name: unknown variable " + knownVars},
		{"unknown request field", `{"request.tokens": {"$gt": 1}}`, "request.tokens: unknown variable " + knownVars},
		{"bare request", `{"request": {"$exists": true}}`, "request: unknown variable " + knownVars},
		{"unknown geo field", `{"geo.city": "Paris"}`, "geo.city: unknown variable " + knownVars},
		{"unknown time field", `{"time.hour": 9}`, "time.hour: unknown variable " + knownVars},
		{"budget without field", `{"budget.monthly": {"$lt": 5}}`, "budget.monthly: unknown variable " + knownVars},
		{"budget, other field", `{"budget.monthly.remaining": {"$lt": 5}}`, "budget.monthly.remaining: unknown variable " + knownVars},
		{"budget without name", `{"budget.remaining_pct": {"$lt": 5}}`, "budget.remaining_pct: unknown variable " + knownVars},
		{"budget name with a dot", `{"budget.a.b.remaining_pct": {"$lt": 5}}`,
			`budget.a.b.remaining_pct: budget "a.b": a budget read by a condition cannot have a dot in its name`},
		{"inside logic", `{"$or": [{"user": "a"}, {"$not": {"geo.contry": "DE"}}]}`, "$or[1].$not.geo.contry: unknown variable " + knownVars},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(parse(t, tt.when))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Errorf("Compile(%s) error:\n%s\nwant:\n%s", tt.when, got, tt.wantErr)
			}
		})
	}
}

// TestCompileWithBudgets: config validation passes the configured budget
// names, and a budget.<name>.remaining_pct naming another is an error.
func TestCompileWithBudgets(t *testing.T) {
	const when = `{"$or": [{"budget.monthly.remaining_pct": {"$lt": 10}}, {"budget.montly.remaining_pct": {"$lt": 10}}]}`
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{"unchecked", Options{}, ""},
		{"unchecked, names given", Options{Budgets: []string{"monthly"}}, ""},
		{"both configured", Options{CheckBudgets: true, Budgets: []string{"montly", "monthly"}}, ""},
		{"typo", Options{CheckBudgets: true, Budgets: []string{"monthly", "team-a"}},
			`$or[1].budget.montly.remaining_pct: unknown budget "montly" (configured: monthly, team-a)`},
		{"no budgets", Options{CheckBudgets: true},
			"$or[0].budget.monthly.remaining_pct: unknown budget \"monthly\" (no budgets are configured)\n" +
				`$or[1].budget.montly.remaining_pct: unknown budget "montly" (no budgets are configured)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := CompileWith(parse(t, when), tt.opts)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Errorf("error:\n%s\nwant:\n%s", got, tt.wantErr)
			}
			if err == nil && !e.Eval(MapVars{"budget.montly.remaining_pct": 5.0}) {
				t.Errorf("compiled condition does not read the budget")
			}
		})
	}
}

// TestCompileWeekday: time.weekday is a lowercase English day name, so an
// equality with anything else ("tue", "Tuesday", 2) could never hold.
func TestCompileWeekday(t *testing.T) {
	const days = "monday, tuesday, wednesday, thursday, friday, saturday, sunday"
	tests := []struct {
		name    string
		when    string
		wantErr string
	}{
		{"literal", `{"time.weekday": "saturday"}`, ""},
		{"$in", `{"time.weekday": {"$in": ["saturday", "sunday"]}}`, ""},
		{"$nin and $ne", `{"time.weekday": {"$nin": ["monday"], "$ne": "friday"}}`, ""},
		{"$regex is free-form", `{"time.weekday": {"$regex": "^(sat|sun)"}}`, ""},
		{"$exists", `{"time.weekday": {"$exists": true}}`, ""},
		{"abbreviation", `{"time.weekday": "tue"}`, `time.weekday: time.weekday is the UTC day as a lowercase English name (` + days + `), got the string "tue"`},
		{"capitalised", `{"time.weekday": {"$eq": "Tuesday"}}`, `time.weekday.$eq: time.weekday is the UTC day as a lowercase English name (` + days + `), got the string "Tuesday"`},
		{"number", `{"time.weekday": {"$ne": 2}}`, `time.weekday.$ne: time.weekday is the UTC day as a lowercase English name (` + days + `), got the number 2`},
		{"one bad in a list", `{"$and": [{"time.weekday": {"$in": ["saturday", "sun"]}}]}`,
			`$and[0].time.weekday.$in[1]: time.weekday is the UTC day as a lowercase English name (` + days + `), got the string "sun"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(parse(t, tt.when))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Errorf("error:\n%s\nwant:\n%s", got, tt.wantErr)
			}
		})
	}
}

// TestCompileOperation: request.operation is one of Operations, so an
// equality with anything else ("embedding", "/v1/embeddings") could never
// hold and is refused; a route on it matches by the request's API.
func TestCompileOperation(t *testing.T) {
	const ops = "chat, embeddings, messages, responses"
	tests := []struct {
		name    string
		when    string
		wantErr string
	}{
		{"literal", `{"request.operation": "embeddings"}`, ""},
		{"$in", `{"request.operation": {"$in": ["messages", "responses"]}}`, ""},
		{"$ne", `{"request.operation": {"$ne": "chat"}}`, ""},
		{"singular", `{"request.operation": "embedding"}`,
			`request.operation: request.operation is the API the request came in by (` + ops + `), got the string "embedding"`},
		{"a path", `{"request.operation": {"$in": ["chat", "/v1/embeddings"]}}`,
			`request.operation.$in[1]: request.operation is the API the request came in by (` + ops + `), got the string "/v1/embeddings"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Compile(parse(t, tt.when))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Fatalf("error:\n%s\nwant:\n%s", got, tt.wantErr)
			}
			if err != nil {
				return
			}
			if tt.name == "literal" && !e.Eval(MapVars{"request": map[string]any{"operation": "embeddings"}}) {
				t.Errorf("request.operation = embeddings does not match %s", tt.when)
			}
		})
	}
}
