package engine_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/store"
)

const statefulConfig = `
providers:
  m: {type: mock}
routers:
  rr: {strategy: round_robin, targets: [{model: m/a}, {model: m/b}, {model: m/c}]}
  wrr: {strategy: weighted, targets: [{model: m/a, weight: 5}, {model: m/b, weight: 1}, {model: m/c, weight: 1}]}
  least: {strategy: least_loaded, targets: [{model: m/a}, {model: m/b}, {model: m/c}]}
`

// TestExplainMatchesCallForStatefulStrategies: explain shows the target
// the next real call gets, for strategies that keep a rotation, and
// explaining does not move the rotation (so explaining twice says the same
// and live traffic is not shifted).
func TestExplainMatchesCallForStatefulStrategies(t *testing.T) {
	for _, router := range []string{"rr", "wrr", "least"} {
		t.Run(router, func(t *testing.T) {
			e := newEngine(t, statefulConfig, nil)
			ctx := context.Background()
			var served []string
			for i := 0; i < 7; i++ {
				first, err := e.Explain(ctx, req("router/"+router, "", 10))
				if err != nil {
					t.Fatal(err)
				}
				again, _ := e.Explain(ctx, req("router/"+router, "", 10))
				if again.Candidates[0].Target != first.Candidates[0].Target {
					t.Fatalf("call %d: explaining twice said %s, then %s", i, first.Candidates[0].Target, again.Candidates[0].Target)
				}
				res, cerr := e.Complete(ctx, req("router/"+router, "", 10))
				if cerr != nil {
					t.Fatal(cerr)
				}
				if res.Target != first.Candidates[0].Target {
					t.Errorf("call %d went to %s, explain said %s", i, res.Target, first.Candidates[0].Target)
				}
				served = append(served, res.Target)
			}
			// The rotation still rotates.
			if served[0] == served[1] && served[1] == served[2] {
				t.Errorf("served %v: no rotation", served)
			}
		})
	}
}

// TestExplainShowsBudgetOutcome: when a budget cannot cover the first
// attempt, explain says what the real call then does: refuse it with 429
// budget_exceeded, or reroute it (and list the reroute router's
// candidates).
func TestExplainShowsBudgetOutcome(t *testing.T) {
	ctx := context.Background()
	t.Run("reject", func(t *testing.T) {
		e := newEngine(t, budgetConfig, store.NewMemory())
		// 2000 output tokens at $1000/MTok is a $2 worst case against a $1 budget.
		plan, err := e.Explain(ctx, req("router/main", "", 2000))
		if err != nil {
			t.Fatal(err)
		}
		o := plan.BudgetOutcome
		if o == nil || o.Action != "reject" || o.Budget != "daily" || o.Status != 429 || o.Code != "budget_exceeded" {
			t.Fatalf("budget outcome %+v", o)
		}
		_, cerr := e.Complete(ctx, req("router/main", "", 2000))
		if cerr == nil || cerr.Status != 429 || cerr.Code != "budget_exceeded" {
			t.Errorf("the call got %+v, explain said it would be refused", cerr)
		}
	})
	t.Run("reroute", func(t *testing.T) {
		e := newEngine(t, budgetConfig, store.NewMemory())
		plan, err := e.Explain(ctx, req("router/rerouting", "", 10))
		if err != nil {
			t.Fatal(err)
		}
		o := plan.BudgetOutcome
		if o == nil || o.Action != "reroute" || o.Router != "cheap" || o.Budget != "spill" {
			t.Fatalf("budget outcome %+v", o)
		}
		if len(plan.Candidates) != 1 || plan.Candidates[0].Target != "m/cheap" {
			t.Fatalf("candidates %+v, want the reroute router's m/cheap", plan.Candidates)
		}
		res, cerr := e.Complete(ctx, req("router/rerouting", "", 10))
		if cerr != nil || res.Target != "m/cheap" {
			t.Errorf("the call went to %+v (%v), explain said m/cheap", res, cerr)
		}
	})
	t.Run("within budget", func(t *testing.T) {
		e := newEngine(t, budgetConfig, store.NewMemory())
		plan, err := e.Explain(ctx, req("router/main", "", 10))
		if err != nil {
			t.Fatal(err)
		}
		if plan.BudgetOutcome != nil {
			t.Errorf("budget outcome %+v for a request the budget covers", plan.BudgetOutcome)
		}
	})
}

// TestInlineRoundRobinRotates: the same inline round_robin router sent
// again is the same router, so it rotates across requests as a configured
// one does (not always starting from its first target).
func TestInlineRoundRobinRotates(t *testing.T) {
	e := newEngine(t, statefulConfig, nil)
	served := map[string]int{}
	for i := 0; i < 6; i++ {
		r := req("x", "", 10)
		r.Chat.Extra = map[string]json.RawMessage{"router": json.RawMessage(
			`{"strategy": "round_robin", "targets": [{"model": "m/a"}, {"model": "m/b"}, {"model": "m/c"}]}`)}
		res, err := e.Complete(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		served[res.Target]++
	}
	if served["m/a"] != 2 || served["m/b"] != 2 || served["m/c"] != 2 {
		t.Errorf("served %v, want each target twice in six requests", served)
	}
}

// TestExplainRerouteRespectsKeyModels: explain runs the loop's own reroute,
// so a key whose models exclude the reroute router's targets is told the
// request is refused, as the real call is, not that it would be rerouted
// to a target the key may not use.
func TestExplainRerouteRespectsKeyModels(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, budgetConfig, store.NewMemory())
	key := &config.Key{Name: "k", Models: []string{"m/pricey"}}
	r := req("router/rerouting", "", 10)
	r.Key = key
	plan, err := e.Explain(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if o := plan.BudgetOutcome; o == nil || o.Action != "reject" || o.Status != 429 || o.Budget != "spill" {
		t.Fatalf("budget outcome %+v, want the request refused by spill", plan.BudgetOutcome)
	}
	if len(plan.Candidates) != 1 || plan.Candidates[0].Target != "m/pricey" {
		t.Errorf("candidates %+v, want the planned m/pricey", plan.Candidates)
	}
	r = req("router/rerouting", "", 10)
	r.Key = key
	if _, cerr := e.Complete(ctx, r); cerr == nil || cerr.Status != 429 || cerr.Code != "budget_exceeded" {
		t.Errorf("the call got %+v, explain said it would be refused", cerr)
	}
}
