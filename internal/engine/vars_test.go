package engine

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/condition"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/pricing"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/routing"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// These tests read condition variables through the resolver the engine
// really builds for a request (Engine.input), from a request decoded from
// JSON as the HTTP layer decodes it, with budgets spent in the store.

const varsConfig = `
providers:
  p: {type: mock}
routers:
  main: {strategy: fallback, targets: [{model: p/m}]}
  tiered:
    strategy: conditional
    routes:
      - {name: weekend, when: {time.weekday: {$in: [saturday, sunday]}}, targets: [p/weekend]}
      - {name: budget-low, when: {budget.monthly.remaining_pct: {$lt: 30}}, targets: [p/cheap]}
      - {name: eu-images, when: {geo.country: {$in: [DE, FR]}, request.has_images: true}, targets: [p/vision]}
      - {name: evening, when: {time.hour_utc: {$gte: 18}, time.weekday: tuesday}, targets: [p/evening]}
    default: [p/m]
budgets:
  - {name: monthly, scope: global, limit_usd: 10, period: month}
  - {name: mine, scope: user, limit_usd: 2, period: day}
  - {name: main-daily, scope: "router:main", limit_usd: 4, period: day}
  - {name: blown, scope: global, limit_usd: 1, period: total}
`

// varsNow is Wednesday 01:30 at UTC+5, which is Tuesday 20:30 UTC: the
// resolver must report the UTC day and hour.
var varsNow = time.Date(2026, 11, 25, 1, 30, 0, 0, time.FixedZone("UTC+5", 5*3600))

const fullBody = `{
	"model": "router/main",
	"user": "alice",
	"stream": true,
	"temperature": 0.2,
	"top_p": 0.9,
	"max_completion_tokens": 512,
	"seed": 42,
	"n": 1,
	"stop": ["END"],
	"frequency_penalty": 0.5,
	"parallel_tool_calls": false,
	"response_format": {"type": "json_object"},
	"tool_choice": "auto",
	"reasoning_effort": "high",
	"metadata": {"tier": "premium", "team": {"id": "t-1"}, "a.b": "dotted", "n": 3, "null": null},
	"tools": [{"type": "function", "function": {"name": "lookup"}}],
	"messages": [
		{"role": "system", "content": "Be brief."},
		{"role": "user", "content": [
			{"type": "text", "text": "What is in this picture?"},
			{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
		]}
	]
}`

const minimalBody = `{"model": "router/main", "messages": [{"role": "user", "content": "hi"}]}`

type noopProvider struct{}

func (noopProvider) Complete(context.Context, *provider.Call) (*chat.Response, error) {
	return nil, &provider.Error{Class: provider.ClassUnsupported, Message: "not called in these tests"}
}

func (noopProvider) Stream(context.Context, *provider.Call) (provider.Stream, error) {
	return nil, &provider.Error{Class: provider.ClassUnsupported, Message: "not called in these tests"}
}

// varsEngine builds an engine over varsConfig, its clock at now, with spend
// already recorded against some budgets.
func varsEngine(t *testing.T, now time.Time) *Engine {
	t.Helper()
	cfg, err := config.Parse([]byte(varsConfig))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	st := store.NewMemory()
	e, err := New(cfg, Deps{Store: st, Logger: slog.New(slog.DiscardHandler), Seed: 1,
		Now: func() time.Time { return now }, Providers: map[string]provider.Provider{"p": noopProvider{}}})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	t.Cleanup(e.Close)
	spend := map[string]float64{"monthly": 7.5, "mine": 0.5, "main-daily": 1, "blown": 3}
	for _, b := range cfg.Budgets {
		key, ok := ownCounter(b, scope{user: "alice"}, now)
		if !ok {
			t.Fatalf("no counter for %s", b.Name)
		}
		if err := st.Adjust(context.Background(), key, toMicros(spend[b.Name]), now.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func decodeChat(t *testing.T, body string) *chat.Request {
	t.Helper()
	var r chat.Request
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return &r
}

// varsFor returns the Vars e's router sees for r.
func varsFor(t *testing.T, e *Engine, r *Request) condition.Vars {
	t.Helper()
	ru, err := e.prepare(context.Background(), r, false)
	if err != nil {
		t.Fatalf("prepare: %v", err.Message)
	}
	return e.input(context.Background(), ru).Vars
}

func TestRequestVars(t *testing.T) {
	e := varsEngine(t, varsNow)
	full := decodeChat(t, fullBody)
	headers := http.Header{}
	headers.Add("X-Team", "search")
	headers.Add("X-Team", "ml")
	headers.Set("X-Empty", "")
	fullVars := varsFor(t, e, &Request{Chat: full, Headers: headers,
		Caller: routing.Location{Country: "DE", Region: "eu-central-1", Lat: 50.1, Lon: 8.7, Known: true}})
	minimal := decodeChat(t, minimalBody)
	minVars := varsFor(t, e, &Request{Chat: minimal, Headers: http.Header{}})

	tests := []struct {
		name   string
		vars   condition.Vars
		want   any
		wantOK bool
	}{
		// metadata.*
		{"metadata.tier", fullVars, "premium", true},
		{"metadata.team.id", fullVars, "t-1", true},
		{"metadata.a.b", fullVars, "dotted", true}, // a key containing a dot
		{"metadata.n", fullVars, 3.0, true},
		{"metadata.null", fullVars, nil, true},
		{"metadata.absent", fullVars, nil, false},
		{"metadata.tier.deeper", fullVars, nil, false},
		{"metadata.tier", minVars, nil, false},
		// user
		{"user", fullVars, "alice", true},
		{"user", minVars, nil, false},
		// headers.<name>: the first value, the name matched case-insensitively
		{"headers.x-team", fullVars, "search", true},
		{"headers.X-TEAM", fullVars, "search", true},
		{"headers.x-empty", fullVars, "", true},
		{"headers.x-absent", fullVars, nil, false},
		// params.<field>
		{"params.model", fullVars, "router/main", true},
		{"params.stream", fullVars, true, true},
		{"params.stream", minVars, false, true},
		{"params.temperature", fullVars, 0.2, true},
		{"params.temperature", minVars, nil, false},
		{"params.top_p", fullVars, 0.9, true},
		{"params.max_tokens", fullVars, 512.0, true}, // max_completion_tokens counts
		{"params.max_tokens", minVars, nil, false},
		{"params.user", fullVars, "alice", true},
		{"params.reasoning_effort", fullVars, "high", true}, // an untyped field, from Extra
		// The other modelled fields, as their JSON values.
		{"params.max_completion_tokens", fullVars, 512.0, true},
		{"params.seed", fullVars, 42.0, true},
		{"params.seed", minVars, nil, false},
		{"params.n", fullVars, 1.0, true},
		{"params.stop", fullVars, []any{"END"}, true},
		{"params.frequency_penalty", fullVars, 0.5, true},
		{"params.presence_penalty", fullVars, nil, false},
		{"params.parallel_tool_calls", fullVars, false, true},
		{"params.response_format", fullVars, map[string]any{"type": "json_object"}, true},
		{"params.tool_choice", fullVars, "auto", true},
		{"params.tool_choice", minVars, nil, false},
		{"params.absent", fullVars, nil, false},
		// request.*
		{"request.input_tokens", fullVars, float64(pricing.EstimateInputTokens(full)), true},
		{"request.input_tokens", minVars, float64(pricing.EstimateInputTokens(minimal)), true},
		{"request.messages", fullVars, 2.0, true},
		{"request.messages", minVars, 1.0, true},
		{"request.has_tools", fullVars, true, true},
		{"request.has_tools", minVars, false, true},
		{"request.has_images", fullVars, true, true},
		{"request.has_images", minVars, false, true},
		{"request.tokens", fullVars, nil, false},
		// budget.<name>.remaining_pct, from the spend in the store
		{"budget.monthly.remaining_pct", fullVars, 25.0, true},    // 7.5 of 10 spent
		{"budget.mine.remaining_pct", fullVars, 75.0, true},       // alice's 0.5 of 2
		{"budget.mine.remaining_pct", minVars, nil, false},        // no user: no per-user counter
		{"budget.main-daily.remaining_pct", fullVars, 75.0, true}, // 1 of 4
		{"budget.main-daily.remaining_pct", minVars, 75.0, true},
		{"budget.blown.remaining_pct", fullVars, 0.0, true}, // overspent: 0, not negative
		{"budget.nope.remaining_pct", fullVars, nil, false},
		{"budget.monthly.spent", fullVars, nil, false},
		// geo.*
		{"geo.country", fullVars, "DE", true},
		{"geo.region", fullVars, "eu-central-1", true},
		{"geo.country", minVars, nil, false},
		{"geo.region", minVars, nil, false},
		{"geo.city", fullVars, nil, false},
		// time.*, in UTC
		{"time.hour_utc", fullVars, 20.0, true},
		{"time.weekday", fullVars, "tuesday", true},
		{"time.minute", fullVars, nil, false},
		// anything else
		{"nope", fullVars, nil, false},
		{"", fullVars, nil, false},
	}
	for _, tt := range tests {
		label := "full"
		if tt.vars == minVars {
			label = "minimal"
		}
		t.Run(label+"/"+tt.name, func(t *testing.T) {
			got, ok := tt.vars.Lookup(tt.name)
			if ok != tt.wantOK || ok && !reflect.DeepEqual(got, tt.want) { // an absent variable's value is unused
				t.Errorf("Lookup(%q) = %#v, %v; want %#v, %v", tt.name, got, ok, tt.want, tt.wantOK)
			}
		})
	}
	if n, _ := fullVars.Lookup("request.input_tokens"); n.(float64) <= 0 {
		t.Errorf("request.input_tokens = %v, want a positive estimate", n)
	}
}

// TestRequestVarsWeekdays: over a week, time.weekday takes exactly the
// seven values condition.Weekdays lists, in the UTC day, so conditions
// checked against that list at validation can match.
func TestRequestVarsWeekdays(t *testing.T) {
	// Monday 2026-11-23 23:30 at UTC-2 is Tuesday 01:30 UTC.
	start := time.Date(2026, 11, 23, 23, 30, 0, 0, time.FixedZone("UTC-2", -2*3600))
	var got []string
	for d := range 7 {
		now := start.AddDate(0, 0, d)
		e := varsEngine(t, now)
		v := varsFor(t, e, &Request{Chat: decodeChat(t, minimalBody), Headers: http.Header{}})
		day, ok := v.Lookup("time.weekday")
		s, isStr := day.(string)
		if !ok || !isStr {
			t.Fatalf("time.weekday = %#v, %v", day, ok)
		}
		got = append(got, s)
		if h, _ := v.Lookup("time.hour_utc"); h != 1.0 {
			t.Errorf("day %d: time.hour_utc = %v, want 1", d, h)
		}
	}
	want := append(slices.Clone(condition.Weekdays[1:]), condition.Weekdays[0]) // Tuesday first
	if !slices.Equal(got, want) {
		t.Errorf("weekdays %q, want %q", got, want)
	}
}

// TestKnownVariablesResolve: every variable the condition compiler accepts
// (condition.KnownVariables) is one the resolver supplies, so a condition
// that passed validation can match.
func TestKnownVariablesResolve(t *testing.T) {
	e := varsEngine(t, varsNow)
	headers := http.Header{}
	headers.Set("X-Team", "search")
	v := varsFor(t, e, &Request{Chat: decodeChat(t, fullBody), Headers: headers,
		Caller: routing.Location{Country: "DE", Region: "eu-central-1"}})
	examples := strings.NewReplacer(
		"metadata.<key>", "metadata.tier", "headers.<name>", "headers.x-team",
		"params.<field>", "params.temperature", "budget.<name>", "budget.monthly")
	names := strings.Split(examples.Replace(condition.KnownVariables), ", ")
	if len(names) != 14 {
		t.Fatalf("KnownVariables has %d entries (%q); update this test", len(names), names)
	}
	for _, name := range names {
		if strings.Contains(name, "<") {
			t.Errorf("no example for %q", name)
			continue
		}
		if _, err := condition.CompileWith(map[string]any{name: map[string]any{"$exists": true}},
			condition.Options{CheckBudgets: true, Budgets: []string{"monthly"}}); err != nil {
			t.Errorf("Compile rejects %s: %v", name, err)
		}
		if _, ok := v.Lookup(name); !ok {
			t.Errorf("the resolver does not supply %s", name)
		}
	}
}

// TestConditionalRoutesOnRealVars: the conditional router, fed by the real
// resolver, takes the route the variables call for (seen through Explain).
func TestConditionalRoutesOnRealVars(t *testing.T) {
	saturday := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	tuesdayMorning := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	tiered := func(body string) *chat.Request {
		r := decodeChat(t, body)
		r.Model = "router/tiered"
		return r
	}
	tests := []struct {
		name   string
		now    time.Time
		req    *chat.Request
		caller routing.Location
		want   string
	}{
		{"weekend by the UTC day", saturday, tiered(minimalBody), routing.Location{}, "weekend"},
		// monthly is 25% left in every case below, so budget-low holds
		// before the later routes are reached.
		{"budget low", varsNow, tiered(minimalBody), routing.Location{}, "budget-low"},
		{"budget low, Tuesday morning", tuesdayMorning, tiered(fullBody), routing.Location{Country: "DE"}, "budget-low"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := varsEngine(t, tt.now)
			p, err := e.Explain(context.Background(), &Request{Chat: tt.req, Headers: http.Header{}, Caller: tt.caller})
			if err != nil {
				t.Fatalf("explain: %v", err.Message)
			}
			if p.Route != tt.want {
				t.Errorf("route %q, want %q (decisions %+v)", p.Route, tt.want, p.Decisions)
			}
		})
	}
	// With monthly spend back under 70%, the later routes decide.
	for _, tt := range []struct {
		name   string
		now    time.Time
		body   string
		caller routing.Location
		want   string
	}{
		{"EU caller with an image", tuesdayMorning, fullBody, routing.Location{Country: "FR"}, "eu-images"},
		{"US caller with an image, Tuesday 20:30 UTC", varsNow, fullBody, routing.Location{Country: "US"}, "evening"},
		{"Tuesday morning, no match", tuesdayMorning, minimalBody, routing.Location{}, "default"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := varsEngine(t, tt.now)
			key, _ := ownCounter(e.cfg.Budgets[0], scope{}, tt.now)
			if err := e.deps.Store.Adjust(context.Background(), key, -toMicros(7.5), tt.now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			p, err := e.Explain(context.Background(), &Request{Chat: tiered(tt.body), Headers: http.Header{}, Caller: tt.caller})
			if err != nil {
				t.Fatalf("explain: %v", err.Message)
			}
			if p.Route != tt.want {
				t.Errorf("route %q, want %q (decisions %+v)", p.Route, tt.want, p.Decisions)
			}
		})
	}
}

// TestConditionVariablesValidated: a condition naming a variable the
// resolver does not supply, or a budget the config does not define, is a
// config error with its path, not a route that silently never matches.
func TestConditionVariablesValidated(t *testing.T) {
	tests := []struct {
		name, when string
		want       string
	}{
		{"budget typo", `{budget.montly.remaining_pct: {$lt: 30}}`,
			`routers.tiered.routes[1].when.budget.montly.remaining_pct: unknown budget "montly" (configured: monthly, mine, main-daily, blown)`},
		{"bare name", `{$or: [{n: 1}, {user: a}]}`,
			"routers.tiered.routes[1].when.$or[0].n: unknown variable (known: " + condition.KnownVariables + ")"},
		{"weekday abbreviation", `{time.weekday: tue}`,
			`routers.tiered.routes[1].when.time.weekday: time.weekday is the UTC day as a lowercase English name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yml := strings.Replace(varsConfig, "{budget.monthly.remaining_pct: {$lt: 30}}", tt.when, 1)
			if yml == varsConfig {
				t.Fatal("the route to replace is not in varsConfig")
			}
			_, err := config.Parse([]byte(yml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("config error:\n%v\nwant it to contain:\n%s", err, tt.want)
			}
		})
	}
}

// TestRequestVarsOperation: request.operation is the API the request came
// in by, chat when the caller set none.
func TestRequestVarsOperation(t *testing.T) {
	e := varsEngine(t, varsNow)
	for _, tt := range []struct{ set, want string }{{"", "chat"}, {OpEmbeddings, "embeddings"}, {OpMessages, "messages"}, {OpResponses, "responses"}} {
		v := varsFor(t, e, &Request{Chat: decodeChat(t, minimalBody), Headers: http.Header{}, Operation: tt.set})
		if got, ok := v.Lookup("request.operation"); !ok || got != tt.want {
			t.Errorf("Operation %q: request.operation = %#v, %v, want %q", tt.set, got, ok, tt.want)
		}
	}
}
