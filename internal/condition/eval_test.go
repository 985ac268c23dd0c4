package condition

import (
	"encoding/json"
	"math"
	"testing"
)

func TestEval(t *testing.T) {
	tests := []struct {
		name string
		when string
		want bool
	}{
		// literals and $eq
		{"literal string", `{"metadata.tier": "premium"}`, true},
		{"literal string differs", `{"metadata.tier": "free"}`, false},
		{"$eq string", `{"user": {"$eq": "alice"}}`, true},
		{"$eq number float64", `{"metadata.score": {"$eq": 7.5}}`, true},
		{"$eq number vs int value", `{"params.max_tokens": 1024}`, true},
		{"$eq number vs int64 value", `{"request.input_tokens": 12000}`, true},
		{"$eq number vs json.Number value", `{"request.messages": 4}`, true},
		{"$eq number vs uint8 value", `{"time.hour_utc": 14}`, true},
		{"$eq bool", `{"params.stream": true}`, true},
		{"$eq bool differs", `{"request.has_tools": true}`, false},
		{"$eq null matches null", `{"metadata.nothing": null}`, true},
		{"$eq null vs string", `{"user": null}`, false},
		{"$eq list", `{"metadata.tags": {"$eq": ["beta", "eu", 3]}}`, true},
		{"$eq list order matters", `{"metadata.tags": {"$eq": ["eu", "beta", 3]}}`, false},
		{"$eq []string value", `{"metadata.ids": {"$eq": ["a", "b"]}}`, true},
		{"$eq map", `{"metadata.nested": {"$eq": {"k": "v"}}}`, true},
		{"$eq map differs", `{"metadata.nested": {"$eq": {"k": "w"}}}`, false},
		{"$eq large int exact", `{"metadata.big": {"$eq": 4611686018427387904}}`, false},
		// mismatched types are false, their negation true
		{"$eq number vs string value", `{"user": 1}`, false},
		{"$eq string vs number value", `{"params.max_tokens": "1024"}`, false},
		{"$eq bool vs string value", `{"user": true}`, false},
		{"$ne number vs string value", `{"user": {"$ne": 1}}`, true},
		{"$ne same", `{"user": {"$ne": "alice"}}`, false},
		{"$ne different", `{"user": {"$ne": "bob"}}`, true},
		// $in and $nin
		{"$in string", `{"metadata.tier": {"$in": ["premium", "enterprise"]}}`, true},
		{"$in string missing", `{"metadata.tier": {"$in": ["free"]}}`, false},
		{"$in empty list", `{"metadata.tier": {"$in": []}}`, false},
		{"$in number across types", `{"params.max_tokens": {"$in": [512, 1024]}}`, true},
		{"$in number vs string value", `{"params.max_tokens": {"$in": ["1024"]}}`, false},
		{"$in bool and null", `{"metadata.nothing": {"$in": [false, null]}}`, true},
		{"$in list value any element", `{"metadata.tags": {"$in": ["eu", "us"]}}`, true},
		{"$in list value number element", `{"metadata.tags": {"$in": [3]}}`, true},
		{"$in list value none", `{"metadata.tags": {"$in": ["us"]}}`, false},
		{"$in []string value", `{"metadata.ids": {"$in": ["b", "c"]}}`, true},
		{"$in long list uses set", `{"geo.country": {"$in": ["AT","BE","CH","CZ","DE","DK","ES","FI","FR","IT"]}}`, true},
		{"$in long list missing", `{"geo.country": {"$in": ["AT","BE","CH","CZ","US","DK","ES","FI","FR","IT"]}}`, false},
		{"$in whole list operand", `{"metadata.tags": {"$in": [["beta", "eu", 3]]}}`, true},
		{"$nin string", `{"metadata.tier": {"$nin": ["free"]}}`, true},
		{"$nin string present", `{"metadata.tier": {"$nin": ["premium"]}}`, false},
		{"$nin list value", `{"metadata.tags": {"$nin": ["eu"]}}`, false},
		// ordering
		{"$gt int64 value", `{"request.input_tokens": {"$gt": 8000}}`, true},
		{"$gt equal", `{"request.input_tokens": {"$gt": 12000}}`, false},
		{"$gte equal", `{"request.input_tokens": {"$gte": 12000}}`, true},
		{"$lt float", `{"params.temperature": {"$lt": 0.5}}`, true},
		{"$lte equal float vs int", `{"params.max_tokens": {"$lte": 1024.0}}`, true},
		{"$lt false", `{"params.temperature": {"$lt": 0.1}}`, false},
		{"range ANDed", `{"time.hour_utc": {"$gte": 9, "$lt": 17}}`, true},
		{"range ANDed outside", `{"time.hour_utc": {"$gte": 15, "$lt": 17}}`, false},
		{"$gt json.Number value", `{"request.messages": {"$gt": 3}}`, true},
		{"$gt flat dotted key", `{"budget.monthly.remaining_pct": {"$lt": 20}}`, true},
		{"$gt string lexical", `{"user": {"$gt": "aardvark"}}`, true},
		{"$lt string lexical", `{"user": {"$lt": "aardvark"}}`, false},
		{"$gte string equal", `{"user": {"$gte": "alice"}}`, true},
		{"$gt number vs string value", `{"user": {"$gt": 1}}`, false},
		{"$lt string vs number value", `{"params.max_tokens": {"$lt": "z"}}`, false},
		{"$gt bool value", `{"params.stream": {"$gt": 0}}`, false},
		{"$gt list value", `{"metadata.tags": {"$gt": 0}}`, false},
		{"$gt large int exact", `{"metadata.big": {"$gt": 4611686018427387904}}`, true},
		// $regex
		{"$regex match", `{"params.model": {"$regex": "^gpt-4"}}`, true},
		{"$regex no match", `{"params.model": {"$regex": "^claude"}}`, false},
		{"$regex case-insensitive flag", `{"geo.country": {"$regex": "(?i)^de$"}}`, true},
		{"$regex number value", `{"params.max_tokens": {"$regex": "1024"}}`, false},
		{"$regex list value", `{"metadata.tags": {"$regex": "beta"}}`, false},
		// $contains
		{"$contains substring", `{"params.model": {"$contains": "4o"}}`, true},
		{"$contains substring missing", `{"params.model": {"$contains": "mini"}}`, false},
		{"$contains list element", `{"metadata.tags": {"$contains": "eu"}}`, true},
		{"$contains list number element", `{"metadata.tags": {"$contains": 3}}`, true},
		{"$contains list missing", `{"metadata.tags": {"$contains": "us"}}`, false},
		{"$contains []string", `{"metadata.ids": {"$contains": "b"}}`, true},
		{"$contains []string number", `{"metadata.ids": {"$contains": 1}}`, false},
		{"$contains number in string", `{"params.model": {"$contains": 4}}`, false},
		{"$contains number value", `{"params.max_tokens": {"$contains": "1"}}`, false},
		// $exists
		{"$exists true present", `{"user": {"$exists": true}}`, true},
		{"$exists true null", `{"metadata.nothing": {"$exists": true}}`, true},
		{"$exists false present", `{"user": {"$exists": false}}`, false},
		// absent variables: only $exists:false, $ne and $nin hold
		{"absent literal", `{"metadata.absent": "x"}`, false},
		{"absent $eq null", `{"metadata.absent": null}`, false},
		{"absent $ne", `{"metadata.absent": {"$ne": "x"}}`, true},
		{"absent $in", `{"metadata.absent": {"$in": ["x"]}}`, false},
		{"absent $nin", `{"metadata.absent": {"$nin": ["x"]}}`, true},
		{"absent $gt", `{"metadata.absent": {"$gt": 0}}`, false},
		{"absent $lte", `{"metadata.absent": {"$lte": 0}}`, false},
		{"absent $regex", `{"metadata.absent": {"$regex": ".*"}}`, false},
		{"absent $contains", `{"metadata.absent": {"$contains": ""}}`, false},
		{"absent $exists true", `{"metadata.absent": {"$exists": true}}`, false},
		{"absent $exists false", `{"metadata.absent": {"$exists": false}}`, true},
		{"absent header", `{"headers.x-absent": {"$exists": false}}`, true},
		{"absent under a leaf", `{"metadata.tier.name": {"$exists": true}}`, false},
		// variables
		{"header", `{"headers.x-team": "search"}`, true},
		{"metadata key with a dot", `{"metadata.team.id": "t-1"}`, true},
		{"weekday", `{"time.weekday": {"$in": ["monday", "tuesday"]}}`, true},
		{"weekday differs", `{"time.weekday": "wednesday"}`, false},
		// documents and logic
		{"empty document", `{}`, true},
		{"keys ANDed", `{"user": "alice", "metadata.tier": "premium"}`, true},
		{"keys ANDed one false", `{"user": "alice", "metadata.tier": "free"}`, false},
		{"$and", `{"$and": [{"user": "alice"}, {"geo.country": "DE"}]}`, true},
		{"$and one false", `{"$and": [{"user": "alice"}, {"geo.country": "US"}]}`, false},
		{"$or", `{"$or": [{"user": "bob"}, {"geo.country": "DE"}]}`, true},
		{"$or none", `{"$or": [{"user": "bob"}, {"geo.country": "US"}]}`, false},
		{"$not", `{"$not": {"user": "bob"}}`, true},
		{"$not true", `{"$not": {"user": "alice"}}`, false},
		{"$not absent", `{"$not": {"metadata.absent": "x"}}`, true},
		{"$not empty document", `{"$not": {}}`, false},
		{"nested", `{"$or": [
			{"$and": [{"metadata.tier": "free"}, {"request.input_tokens": {"$gt": 100}}]},
			{"$and": [{"$not": {"request.has_tools": true}}, {"params.model": {"$regex": "^gpt"}}]}
		]}`, true},
		{"nested false", `{"$and": [
			{"$or": [{"metadata.tier": "free"}, {"geo.country": {"$in": ["US", "CA"]}}]},
			{"user": "alice"}
		]}`, false},
		{"logic and variable ANDed", `{"$or": [{"user": "bob"}, {"user": "alice"}], "geo.country": "US"}`, false},
	}
	vars := requestVars()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustCompile(t, parse(t, tt.when))
			if got := e.Eval(vars); got != tt.want {
				t.Errorf("Eval(%s) = %v, want %v", tt.when, got, tt.want)
			}
		})
	}
}

// TestEvalNumberTypes checks that operand and value compare numerically
// whatever Go type each decoder chose, in both directions.
func TestEvalNumberTypes(t *testing.T) {
	numbers := []any{
		3, int8(3), int16(3), int32(3), int64(3),
		uint(3), uint8(3), uint16(3), uint32(3), uint64(3),
		float32(3), 3.0, json.Number("3"), json.Number("3.0"), json.Number("3e0"),
	}
	for _, operand := range numbers {
		for _, value := range numbers {
			t.Run(describe(operand)+" "+describe(value), func(t *testing.T) {
				vars := MapVars{"metadata.n": value}
				checks := []struct {
					op   string
					want bool
				}{
					{"$eq", true}, {"$ne", false}, {"$gte", true}, {"$lte", true},
					{"$gt", false}, {"$lt", false},
				}
				for _, c := range checks {
					e := mustCompile(t, map[string]any{"metadata.n": map[string]any{c.op: operand}})
					if got := e.Eval(vars); got != c.want {
						t.Errorf("{metadata.n: {%s: %T}} on %T = %v, want %v", c.op, operand, value, got, c.want)
					}
				}
				in := mustCompile(t, map[string]any{"metadata.n": map[string]any{"$in": []any{operand}}})
				if !in.Eval(vars) {
					t.Errorf("$in [%T] on %T is false", operand, value)
				}
			})
		}
	}
}

func TestEvalNumberEdges(t *testing.T) {
	tests := []struct {
		name  string
		value any
		when  map[string]any
		want  bool
	}{
		{"huge uint64 above int64", uint64(1<<63 + 1), map[string]any{"metadata.n": map[string]any{"$gt": int64(1<<63 - 1)}}, true},
		{"int vs fraction", 3, map[string]any{"metadata.n": map[string]any{"$lt": 3.5}}, true},
		{"int vs fraction equal", 3, map[string]any{"metadata.n": 3.5}, false},
		{"NaN never equal", nanValue(), map[string]any{"metadata.n": map[string]any{"$in": []any{1.0}}}, false},
		{"NaN not greater", nanValue(), map[string]any{"metadata.n": map[string]any{"$gt": 0}}, false},
		{"NaN $ne", nanValue(), map[string]any{"metadata.n": map[string]any{"$ne": 0}}, true},
		{"bad json.Number value", json.Number("x"), map[string]any{"metadata.n": map[string]any{"$gte": 0}}, false},
		{"exact int64 beyond float precision", int64(1<<53 + 1), map[string]any{"metadata.n": int64(1 << 53)}, false},
		{"float beyond int64 range", int64(1), map[string]any{"metadata.n": map[string]any{"$lt": 1e300}}, true},
		{"negative float beyond int64 range", int64(-1 << 63), map[string]any{"metadata.n": map[string]any{"$gt": -1e300}}, true},
		{"int vs +Inf", int64(1<<63 - 1), map[string]any{"metadata.n": map[string]any{"$lt": math.Inf(1)}}, true},
		{"int vs -Inf", 0, map[string]any{"metadata.n": map[string]any{"$gt": math.Inf(-1)}}, true},
		{"int64 vs float64 beyond float precision", int64(1<<53 + 1), map[string]any{"metadata.n": float64(1 << 53)}, false},
		{"negative fraction", -3, map[string]any{"metadata.n": map[string]any{"$lt": -2.5, "$gt": -3.5}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustCompile(t, tt.when)
			if got := e.Eval(MapVars{"metadata.n": tt.value}); got != tt.want {
				t.Errorf("Eval = %v, want %v", got, tt.want)
			}
		})
	}
}

func nanValue() float64 { return math.NaN() }

// TestEvalNilSafety: a route must never crash the router, whatever it is
// handed.
func TestEvalNilSafety(t *testing.T) {
	var nilExpr *Expr
	tests := []struct {
		name string
		expr *Expr
		vars Vars
		want bool
	}{
		{"nil expr", nilExpr, requestVars(), false},
		{"zero expr", &Expr{}, requestVars(), false},
		{"nil vars $exists false", mustCompile(t, parse(t, `{"user": {"$exists": false}}`)), nil, true},
		{"nil vars $eq", mustCompile(t, parse(t, `{"user": "alice"}`)), nil, false},
		{"nil MapVars", mustCompile(t, parse(t, `{"user": {"$ne": "alice"}}`)), MapVars(nil), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.expr.Eval(tt.vars); got != tt.want {
				t.Errorf("Eval = %v, want %v", got, tt.want)
			}
		})
	}
	if v := nilExpr.Variables(); v != nil {
		t.Errorf("nil Expr Variables = %v, want nil", v)
	}
}

// TestEvalDoesNotAllocate guards the hot path: the router evaluates up to
// ten of these per request.
func TestEvalDoesNotAllocate(t *testing.T) {
	tests := []struct {
		name  string
		when  string
		regex bool
	}{
		{"$eq string", `{"metadata.tier": "premium"}`, false},
		{"$eq number", `{"request.input_tokens": 12000}`, false},
		{"$eq bool", `{"params.stream": true}`, false},
		{"$ne", `{"user": {"$ne": "bob"}}`, false},
		{"$in", `{"metadata.tier": {"$in": ["free", "premium"]}}`, false},
		{"$in long", `{"geo.country": {"$in": ["AT","BE","CH","CZ","DE","DK","ES","FI","FR","IT"]}}`, false},
		{"$in list value", `{"metadata.tags": {"$in": ["us", "eu"]}}`, false},
		{"$nin", `{"metadata.tier": {"$nin": ["free"]}}`, false},
		{"$gt range", `{"time.hour_utc": {"$gte": 9, "$lt": 17}}`, false},
		{"$gt json.Number", `{"request.messages": {"$gt": 3}}`, false},
		{"$lt string", `{"user": {"$lt": "bob"}}`, false},
		{"$contains", `{"params.model": {"$contains": "4o"}}`, false},
		{"$contains list", `{"metadata.tags": {"$contains": "eu"}}`, false},
		{"$exists", `{"metadata.absent": {"$exists": false}}`, false},
		{"logic", `{"$or": [{"user": "bob"}, {"$and": [{"$not": {"geo.country": "US"}}, {"params.temperature": {"$lt": 1}}]}]}`, false},
		{"$regex", `{"params.model": {"$regex": "^gpt-4"}}`, true},
	}
	vars := requestVars()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.regex && raceEnabled {
				// The race detector makes sync.Pool drop items at random, and
				// regexp pools its matchers, so only the non-race run can tell.
				return
			}
			e := mustCompile(t, parse(t, tt.when))
			if allocs := testing.AllocsPerRun(200, func() { e.Eval(vars) }); allocs != 0 {
				t.Errorf("Eval(%s) allocates %v times per run, want 0", tt.when, allocs)
			}
		})
	}
}

// TestRoutesDoNotAllocate: choosing among BenchmarkEval's ten routes, with
// regular expressions, allocates nothing (outside the race detector, see
// TestEvalDoesNotAllocate).
func TestRoutesDoNotAllocate(t *testing.T) {
	if raceEnabled {
		return
	}
	exprs := make([]*Expr, len(routes))
	for i, r := range routes {
		exprs[i] = mustCompile(t, parse(t, r))
	}
	vars := requestVars()
	allocs := testing.AllocsPerRun(200, func() {
		for _, e := range exprs {
			if e.Eval(vars) {
				break
			}
		}
	})
	if allocs != 0 {
		t.Errorf("ten routes allocate %v times per evaluation, want 0", allocs)
	}
}
