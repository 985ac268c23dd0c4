package condition

import "testing"

// routes is a ten-route conditional router of the kind DESIGN §4 describes,
// ordered so that only the last route matches requestVars: the worst case,
// where the router evaluates every condition.
var routes = []string{
	`{"metadata.tier": "enterprise"}`,
	`{"headers.x-team": {"$in": ["billing", "ads", "infra"]}}`,
	`{"request.input_tokens": {"$gt": 100000}}`,
	`{"params.model": {"$regex": "^claude-"}}`,
	`{"request.has_tools": true, "params.stream": true}`,
	`{"$or": [{"geo.country": {"$in": ["US", "CA", "MX"]}}, {"user": {"$regex": "^svc-"}}]}`,
	`{"budget.monthly.remaining_pct": {"$lt": 5}}`,
	`{"time.hour_utc": {"$gte": 22}, "metadata.tags": {"$contains": "batch"}}`,
	`{"$and": [{"metadata.tier": {"$ne": "premium"}}, {"params.temperature": {"$lte": 0.5}}]}`,
	`{"metadata.tier": {"$in": ["premium", "gold"]}, "request.input_tokens": {"$gte": 8000}, "params.model": {"$regex": "^gpt-4"}}`,
}

func compileRoutes(b *testing.B) []*Expr {
	exprs := make([]*Expr, len(routes))
	for i, r := range routes {
		exprs[i] = mustCompile(b, parse(b, r))
	}
	return exprs
}

// BenchmarkEval is the cost of choosing a route: first match of ten.
func BenchmarkEval(b *testing.B) {
	exprs := compileRoutes(b)
	vars := requestVars()
	chosen := -1
	b.ReportAllocs()
	for b.Loop() {
		chosen = -1
		for i, e := range exprs {
			if e.Eval(vars) {
				chosen = i
				break
			}
		}
	}
	if chosen != len(exprs)-1 {
		b.Fatalf("chose route %d, want the last", chosen)
	}
}

// BenchmarkEvalSimple is one $eq on a string, the most common condition.
func BenchmarkEvalSimple(b *testing.B) {
	e := mustCompile(b, parse(b, `{"metadata.tier": "premium"}`))
	vars := requestVars()
	b.ReportAllocs()
	for b.Loop() {
		if !e.Eval(vars) {
			b.Fatal("false")
		}
	}
}

// BenchmarkCompile is paid once per config load, not per request.
func BenchmarkCompile(b *testing.B) {
	docs := make([]any, len(routes))
	for i, r := range routes {
		docs[i] = parse(b, r)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range docs {
			if _, err := Compile(d); err != nil {
				b.Fatal(err)
			}
		}
	}
}
