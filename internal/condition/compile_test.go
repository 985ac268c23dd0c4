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
		{"$gt list", `{"n": {"$gt": [1]}}`, []string{"n.$gt: operand must be a number or a string, got a list"}},
		{"$gte bool", `{"n": {"$gte": true}}`, []string{"n.$gte: operand must be a number or a string, got true"}},
		{"$lt null", `{"n": {"$lt": null}}`, []string{"n.$lt: operand must be a number or a string, got null"}},
		{"$lte map", `{"n": {"$lte": {}}}`, []string{"n.$lte: operand must be a number or a string, got a map"}},
		{"$regex not a string", `{"user": {"$regex": 1}}`, []string{"user.$regex: operand must be a string (a regular expression), got the number 1"}},
		{"$regex invalid", `{"$and": [{"user": "a"}, {"metadata.tier": {"$regex": "("}}]}`,
			[]string{"$and[1].metadata.tier.$regex: invalid regular expression \"(\": error parsing regexp: missing closing ): `(`"}},
		{"$regex PCRE lookahead", `{"user": {"$regex": "a(?=b)"}}`,
			[]string{"user.$regex: invalid regular expression \"a(?=b)\": error parsing regexp: invalid or unsupported Perl syntax: `(?=`"}},
		{"$contains list", `{"tags": {"$contains": ["a"]}}`, []string{"tags.$contains: operand must be a string, a number or a boolean, got a list"}},
		{"$contains null", `{"tags": {"$contains": null}}`, []string{"tags.$contains: operand must be a string, a number or a boolean, got null"}},
		{"$exists not a bool", `{"user": {"$exists": "yes"}}`, []string{`user.$exists: operand must be true or false, got the string "yes"`}},
		{"$exists number", `{"user": {"$exists": 1}}`, []string{"user.$exists: operand must be true or false, got the number 1"}},
		{"unsupported Go value", map[string]any{"user": struct{}{}}, []string{"user: unsupported value: a value of type struct {}"}},
		{"unsupported $in element", map[string]any{"n": map[string]any{"$in": []any{1, []string{"x"}}}},
			[]string{"n.$in[1]: unsupported value: a value of type []string"}},
		{"unsupported value deep in $eq", map[string]any{"n": map[string]any{"$eq": map[string]any{"a": []any{1, complex(1, 1)}}}},
			[]string{"n.$eq.a[1]: unsupported value: a value of type complex128"}},
		{"invalid json.Number", map[string]any{"n": map[string]any{"$gt": json.Number("1x")}},
			[]string{`n.$gt: operand must be a number or a string, got the invalid number "1x"`}},
		{"invalid json.Number literal", map[string]any{"n": json.Number("")},
			[]string{`n: unsupported value: the invalid number ""`}},
		{"every problem reported, in key order", `{
			"$or": [{"a": {"$gt": []}}, "x"],
			"b": {"$regex": "[", "$in": 3, "$bogus": 1},
			"$not": {"c": {"$exists": null}}
		}`, []string{
			"$not.c.$exists: operand must be true or false, got null",
			"$or[0].a.$gt: operand must be a number or a string, got a list",
			`$or[1]: a condition must be a map, got the string "x"`,
			"b.$bogus: unknown operator " + known,
			"b.$in: operand must be a list, got the number 3",
			"b.$regex: invalid regular expression \"[\": error parsing regexp: missing closing ]: `[`",
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
	_, err := Compile(parse(t, `{"a": {"$regex": "("}, "b": {"$in": 1}}`))
	var one *Error
	if !errors.As(err, &one) || one.Path != "a.$regex" {
		t.Fatalf("errors.As(*Error) = %v, path %q", one, one.Path)
	}
	var syn *syntax.Error
	if !errors.As(err, &syn) || syn.Code != syntax.ErrMissingParen {
		t.Errorf("errors.As(*syntax.Error) = %v", syn)
	}
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 2 || errs[1].Path != "b.$in" {
		t.Errorf("Errors = %v", errs)
	}
}

func TestCompileAccepts(t *testing.T) {
	tests := []struct {
		name string
		doc  any
	}{
		{"empty document", map[string]any{}},
		{"Go ints", map[string]any{"n": map[string]any{"$gt": 1, "$lt": int64(9), "$in": []any{uint8(3), int32(4)}}}},
		{"json.Number", map[string]any{"n": json.Number("12.5")}},
		{"$in of anything", map[string]any{"n": map[string]any{"$in": []any{"a", 1.0, true, nil, []any{}, map[string]any{}}}}},
		{"$eq of a map", map[string]any{"n": map[string]any{"$eq": map[string]any{"tier": "x"}}}},
		{"empty $in", map[string]any{"n": map[string]any{"$in": []any{}}}},
		{"empty $regex", map[string]any{"n": map[string]any{"$regex": ""}}},
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
