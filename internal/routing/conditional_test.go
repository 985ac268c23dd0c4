package routing

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/condition"
	"github.com/switchyard-llm/switchyard/internal/config"
)

// when decodes a JSON condition as the config loader hands it over.
func when(t testing.TB, s string) any {
	t.Helper()
	var doc any
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return doc
}

// conditionalTargets are the children tree.go compiles for r.
func conditionalTargets(r *config.Router) []TargetInfo {
	var ts []TargetInfo
	for _, rt := range r.Routes {
		ts = append(ts, TargetInfo{Key: "route/" + rt.Name, Name: rt.Name})
	}
	if len(r.Default) > 0 {
		ts = append(ts, TargetInfo{Key: "route/default", Name: "default"})
	}
	return ts
}

var someTargets = []config.Target{{Model: "p/m"}}

func TestConditionalRoutes(t *testing.T) {
	routes := []config.Route{
		{Name: "premium-long", Targets: someTargets, When: when(t, `{"$and": [
			{"metadata.tier": {"$in": ["premium", "enterprise"]}},
			{"$or": [{"request.input_tokens": {"$gt": 8000}}, {"request.has_images": true}]}
		]}`)},
		{Name: "not-eu", Targets: someTargets, When: when(t, `{"$not": {"geo.country": {"$in": ["DE", "FR"]}}, "user": {"$exists": true}}`)},
		{Name: "cheap", Targets: someTargets, When: when(t, `{"budget.monthly.remaining_pct": {"$lt": 10}}`)},
	}
	withDefault := &config.Router{Strategy: "conditional", Routes: routes, Default: someTargets}
	noDefault := &config.Router{Strategy: "conditional", Routes: routes}
	tests := []struct {
		name      string
		r         *config.Router
		vars      condition.Vars
		wantOrder []int
		wantRoute string
		wantWhy   string
	}{
		{"nested $and/$or: images", withDefault, condition.MapVars{
			"metadata": map[string]any{"tier": "premium"}, "request": map[string]any{"has_images": true, "input_tokens": 10},
		}, []int{0}, "premium-long", "routes tried: premium-long; matched premium-long"},
		{"nested $and/$or: long input", withDefault, condition.MapVars{
			"metadata": map[string]any{"tier": "enterprise"}, "request": map[string]any{"input_tokens": 9000},
		}, []int{0}, "premium-long", "routes tried: premium-long; matched premium-long"},
		{"$and fails on tier; $not holds", withDefault, condition.MapVars{
			"metadata": map[string]any{"tier": "free"}, "request": map[string]any{"input_tokens": 9000},
			"geo": map[string]any{"country": "US"}, "user": "u1",
		}, []int{1}, "not-eu", "routes tried: premium-long, not-eu; matched not-eu"},
		{"$not fails; third route", withDefault, condition.MapVars{
			"geo": map[string]any{"country": "DE"}, "user": "u1", "budget.monthly.remaining_pct": 5.0,
		}, []int{2}, "cheap", "routes tried: premium-long, not-eu, cheap; matched cheap"},
		{"no match: default", withDefault, condition.MapVars{"geo": map[string]any{"country": "FR"}},
			[]int{3}, "default", "routes tried: premium-long, not-eu, cheap; none matched, using default"},
		{"no match, no default: empty plan", noDefault, condition.MapVars{"geo": map[string]any{"country": "FR"}},
			nil, "", "routes tried: premium-long, not-eu, cheap; none matched and there is no default"},
		{"nil vars: default", withDefault, nil, []int{3}, "default", "routes tried: premium-long, not-eu, cheap; none matched, using default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := conditionalTargets(tt.r)
			c, err := NewConditional(tt.r, ts)
			if err != nil {
				t.Fatal(err)
			}
			p := order(c, &Input{Vars: tt.vars}, ts)
			if fmt.Sprint(p.Order) != fmt.Sprint(tt.wantOrder) || p.Route != tt.wantRoute || p.Why != tt.wantWhy {
				t.Errorf("got order %v route %q why %q\nwant order %v route %q why %q", p.Order, p.Route, p.Why, tt.wantOrder, tt.wantRoute, tt.wantWhy)
			}
		})
	}
}

func TestConditionalDefaultOnly(t *testing.T) {
	r := &config.Router{Strategy: "conditional", Default: someTargets}
	ts := conditionalTargets(r)
	c, err := NewConditional(r, ts)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []*Input{nil, {}} {
		if p := order(c, in, ts); len(p.Order) != 1 || p.Order[0] != 0 || p.Route != "default" {
			t.Errorf("order %v route %q, want the default", p.Order, p.Route)
		}
	}
}

func TestConditionalValidation(t *testing.T) {
	ok := config.Route{Name: "a", Targets: someTargets, When: map[string]any{}}
	route := func(name string, w any) config.Route { return config.Route{Name: name, Targets: someTargets, When: w} }
	tests := []struct {
		name    string
		r       config.Router
		wantErr string
	}{
		{"ok", config.Router{Routes: []config.Route{ok}}, ""},
		{"nothing", config.Router{}, "routes: a conditional router needs at least one route or a default"},
		{"targets", config.Router{Routes: []config.Route{ok}, Targets: someTargets}, "targets: a conditional router takes routes and default, not targets"},
		{"foreign field", config.Router{Routes: []config.Route{ok}, Sticky: "user"}, `sticky: does not apply to strategy "conditional"`},
		{"unnamed", config.Router{Routes: []config.Route{ok, route("", map[string]any{})}}, "routes[1].name: is required"},
		{"reserved name", config.Router{Routes: []config.Route{route("default", map[string]any{})}}, `routes[0].name: "default" is reserved`},
		{"duplicate", config.Router{Routes: []config.Route{ok, route("b", map[string]any{}), route("a", map[string]any{})}}, `routes[2].name: "a" is already the name of routes[0]`},
		{"no targets", config.Router{Routes: []config.Route{{Name: "a", When: map[string]any{}}}}, "routes[0].targets: a route needs at least one target"},
		{"no when", config.Router{Routes: []config.Route{route("a", nil)}}, "routes[0].when: is required"},
		{"bad operator", config.Router{Routes: []config.Route{ok, route("b", map[string]any{}), route("c", when(t, `{"$and": [{"metadata.tier": {"$equals": "x"}}]}`))}},
			"routes[2].when.$and[0].metadata.tier"},
		{"bad regex", config.Router{Routes: []config.Route{route("a", when(t, `{"user": {"$regex": "("}}`))}}, "routes[0].when.user.$regex"},
		{"not a map", config.Router{Routes: []config.Route{route("a", "premium")}}, "routes[0].when: a condition must be a map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.r.Strategy = "conditional"
			_, err := NewConditional(&tt.r, conditionalTargets(&tt.r))
			wantErr(t, err, tt.wantErr)
		})
	}
}

// TestConditionalCompiled checks the wiring through tree.go: the route
// children, the default, and the router path in front of errors.
func TestConditionalCompiled(t *testing.T) {
	cfg := &config.Config{
		Providers: map[string]config.Provider{"p": {Type: "mock"}},
		Routers: map[string]*config.Router{
			"c": {Strategy: "conditional",
				Routes: []config.Route{
					{Name: "gold", When: when(t, `{"metadata.tier": "gold"}`), Targets: []config.Target{{Model: "p/big"}, {Model: "p/mid"}}},
				},
				Default: []config.Target{{Model: "p/small"}}},
			"bad": {Strategy: "conditional", Routes: []config.Route{
				{Name: "x", When: when(t, `{"metadata.tier": {"$gt": [1]}}`), Targets: []config.Target{{Model: "p/big"}}},
			}},
		},
	}
	r, err := NewCompiler(cfg).Named("c")
	if err != nil {
		t.Fatal(err)
	}
	gold := Expand(r, &Input{Vars: condition.MapVars{"metadata": map[string]any{"tier": "gold"}}}, false)
	if len(gold.Candidates) != 2 || gold.Candidates[0].Model != "big" || gold.Candidates[0].Arm != "gold" {
		t.Errorf("gold request: %+v", gold.Candidates)
	}
	other := Expand(r, &Input{}, false)
	if len(other.Candidates) != 1 || other.Candidates[0].Model != "small" || other.Candidates[0].Arm != "default" {
		t.Errorf("other request: %+v", other.Candidates)
	}
	_, err = NewCompiler(cfg).Named("bad")
	wantErr(t, err, "routers.bad.routes[0].when.metadata.tier.$gt")
}
