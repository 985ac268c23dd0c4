package engine

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/budget"
	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/routing"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// The attempt loop against fakes of its three side-effect interfaces
// (ledger, health, outcomes): what the loop itself promises each of them,
// apart from the budget, cooldown and metric machinery behind them.

const loopConfig = `
providers:
  p: {type: mock}
models:
  p/a: {input_per_mtok: 1000, output_per_mtok: 1000}
  p/b: {input_per_mtok: 2000, output_per_mtok: 2000}
routers:
  r: {strategy: fallback, targets: [{model: p/a}, {model: p/b}]}
  one_retry: {strategy: fallback, targets: [{model: p/a}], retry: {max_retries: 1}}
  one_attempt: {strategy: fallback, targets: [{model: p/a}, {model: p/b}], max_attempts: 1}
`

// scripted answers each model's calls with its queued errors in turn (a
// nil error: an answer with usage), then answers.
type scripted struct {
	mu      sync.Mutex
	replies map[string][]error
	calls   []string
	usage   *chat.Usage
}

func (p *scripted) Complete(_ context.Context, call *provider.Call) (*chat.Response, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, call.Model)
	if q := p.replies[call.Model]; len(q) > 0 {
		p.replies[call.Model] = q[1:]
		if q[0] != nil {
			return nil, q[0]
		}
	}
	return &chat.Response{ID: "x", Object: "chat.completion", Model: call.Model, Usage: p.usage,
		Choices: []chat.Choice{{Message: chat.Message{Role: "assistant", Content: chat.TextContent("ok")}, FinishReason: "stop"}}}, nil
}

func (p *scripted) Stream(context.Context, *provider.Call) (provider.Stream, error) {
	return nil, &provider.Error{Class: provider.ClassUnsupported, Message: "no streams"}
}

// loopEngine is an engine over p with a fixed clock and a sleep that only
// records how long it was asked to wait.
func loopEngine(t *testing.T, p provider.Provider, slept *[]time.Duration) *Engine {
	t.Helper()
	cfg, err := config.Parse([]byte(loopConfig))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	e, err := New(cfg, Deps{Store: store.NewMemory(), Logger: slog.New(slog.DiscardHandler), Seed: 7,
		Now: func() time.Time { return now }, Providers: map[string]provider.Provider{"p": p},
		Sleep: func(_ context.Context, d time.Duration) error {
			if slept != nil {
				*slept = append(*slept, d)
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

func loopRequest() *Request {
	return &Request{ID: "t", Headers: http.Header{}, Chat: &chat.Request{Model: "router/r", MaxTokens: chat.Ptr(100),
		Messages: []chat.Message{{Role: "user", Content: chat.TextContent("Tell me a short story about a switchyard.")}}}}
}

var (
	errServer = &provider.Error{Class: provider.ClassServer, Status: 503, Message: "down"}
	errRate   = &provider.Error{Class: provider.ClassRateLimit, Status: 429, Message: "slow down"}
	errBad    = &provider.Error{Class: provider.ClassInvalidRequest, Status: 400, Message: "bad"}
)

// fakeLedger logs the loop's calls; it refuses reservations above limit
// (when set).
type fakeLedger struct {
	limit int64
	log   []string
	held  map[*reservation]int64
}

func (l *fakeLedger) reserve(_ context.Context, _ scope, micros int64, _ time.Time) (*reservation, *exceeded) {
	if l.limit > 0 && micros > l.limit {
		l.log = append(l.log, fmt.Sprintf("refuse %d", micros))
		return nil, &exceeded{Budget: config.Budget{Name: "cap", Scope: "global", LimitUSD: float64(l.limit) / 1e6, Period: "day"},
			Worst: micros, Limit: l.limit}
	}
	l.log = append(l.log, fmt.Sprintf("reserve %d", micros))
	res := &reservation{}
	if l.held == nil {
		l.held = map[*reservation]int64{}
	}
	l.held[res] = micros
	return res, nil
}

func (l *fakeLedger) wouldExceed(context.Context, scope, int64, time.Time) *exceeded { return nil }

func (l *fakeLedger) settle(_ context.Context, res *reservation, micros int64) {
	l.log = append(l.log, fmt.Sprintf("settle %d of %d", micros, l.held[res]))
	delete(l.held, res)
}

func (l *fakeLedger) release(_ context.Context, res *reservation) {
	l.log = append(l.log, fmt.Sprintf("release %d", l.held[res]))
	delete(l.held, res)
}

// worstOf is the worst case the loop holds for target under loopConfig.
func worstOf(t *testing.T, e *Engine, target string) int64 {
	t.Helper()
	prov, model, _ := strings.Cut(target, "/")
	price, ok := e.price(routing.Leaf{Provider: prov, Model: model, Key: target})
	if !ok {
		t.Fatalf("%s is not priced", target)
	}
	return toMicros(price.WorstCase(loopRequest().Chat))
}

// TestLoopLedger: every attempt holds its worst case before the call; a
// failed one releases its hold, a served one settles it to the price of
// its usage (or, with no usage reported, to the worst case itself), and a
// refused hold ends the request with a 429 before any upstream call.
func TestLoopLedger(t *testing.T) {
	usage := &chat.Usage{PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15}
	probe := loopEngine(t, &scripted{}, nil)
	worstA, worstB := worstOf(t, probe, "p/a"), worstOf(t, probe, "p/b")
	priceB, _ := probe.price(routing.Leaf{Provider: "p", Model: "b", Key: "p/b"})
	costB := toMicros(priceB.Cost(usage))
	for _, tc := range []struct {
		name      string
		replies   map[string][]error
		usage     *chat.Usage
		limit     int64
		wantLog   []string
		wantCalls int
		wantCode  string
		wantCost  int64
	}{
		{name: "fallback: the failed hold released, the served one settled at cost",
			replies: map[string][]error{"a": {errServer}}, usage: usage,
			wantLog: []string{fmt.Sprintf("reserve %d", worstA), fmt.Sprintf("release %d", worstA),
				fmt.Sprintf("reserve %d", worstB), fmt.Sprintf("settle %d of %d", costB, worstB)},
			wantCalls: 2, wantCost: costB},
		{name: "no usage reported: settled at the worst case",
			replies: map[string][]error{"a": {errServer}},
			wantLog: []string{fmt.Sprintf("reserve %d", worstA), fmt.Sprintf("release %d", worstA),
				fmt.Sprintf("reserve %d", worstB), fmt.Sprintf("settle %d of %d", worstB, worstB)},
			wantCalls: 2, wantCost: worstB},
		{name: "refused: 429 before any call", limit: 1, usage: usage,
			wantLog: []string{fmt.Sprintf("refuse %d", worstA)}, wantCode: "budget_exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &scripted{replies: tc.replies, usage: tc.usage}
			e := loopEngine(t, p, nil)
			l := &fakeLedger{limit: tc.limit}
			e.ledger = l
			res, err := e.Complete(context.Background(), loopRequest())
			if tc.wantCode != "" {
				if err == nil || err.Code != tc.wantCode || err.Status != 429 {
					t.Fatalf("err = %+v, want a 429 %s", err, tc.wantCode)
				}
			} else if err != nil {
				t.Fatalf("err = %+v", err)
			} else if got := toMicros(res.CostUSD); got != tc.wantCost {
				t.Errorf("cost = %d micro-USD, want %d", got, tc.wantCost)
			}
			if !slices.Equal(l.log, tc.wantLog) {
				t.Errorf("ledger calls = %q, want %q", l.log, tc.wantLog)
			}
			if len(p.calls) != tc.wantCalls {
				t.Errorf("upstream calls = %v, want %d", p.calls, tc.wantCalls)
			}
			if len(l.held) != 0 {
				t.Errorf("holds left neither settled nor released: %v", l.held)
			}
		})
	}
}

// fakeHealth cools and denies probes as told, and logs outcomes.
type fakeHealth struct {
	cooling, halfOpen map[string]bool
	outcomes          []string
}

func (h *fakeHealth) isCooling(target string, _ time.Time) bool { return h.cooling[target] }

func (h *fakeHealth) claimProbe(_ context.Context, target string) bool { return !h.halfOpen[target] }

func (h *fakeHealth) recordOutcome(_ context.Context, target string, err error) {
	h.outcomes = append(h.outcomes, target+" "+outcomeClass(err))
}

func outcomeClass(err error) string {
	if err == nil {
		return "ok"
	}
	return string(provider.ClassOf(err))
}

// TestLoopHealth: targets cooling down are not tried while another can
// serve; a half-open one this request may not probe goes to the back,
// tried only when everything before it failed; every attempt's outcome,
// success or failure, is reported for its target.
func TestLoopHealth(t *testing.T) {
	for _, tc := range []struct {
		name         string
		cooling      []string
		halfOpen     []string
		replies      map[string][]error
		wantCalls    []string
		wantOutcomes []string
		wantTarget   string
		wantFallback bool
	}{
		{name: "healthy: a failure then a success, both reported",
			replies:   map[string][]error{"a": {errServer}},
			wantCalls: []string{"a", "b"}, wantOutcomes: []string{"p/a server_error", "p/b ok"}, wantTarget: "p/b", wantFallback: true},
		{name: "cooling target left out",
			cooling:   []string{"p/a"},
			wantCalls: []string{"b"}, wantOutcomes: []string{"p/b ok"}, wantTarget: "p/b", wantFallback: true},
		{name: "every target cooling: all tried anyway, in plan order",
			cooling:   []string{"p/a", "p/b"},
			wantCalls: []string{"a"}, wantOutcomes: []string{"p/a ok"}, wantTarget: "p/a"},
		{name: "half-open, probe taken elsewhere: deferred behind the next",
			halfOpen:  []string{"p/a"},
			wantCalls: []string{"b"}, wantOutcomes: []string{"p/b ok"}, wantTarget: "p/b", wantFallback: true},
		{name: "half-open and deferred: tried last when the rest failed",
			halfOpen: []string{"p/a"}, replies: map[string][]error{"b": {errServer}},
			wantCalls: []string{"b", "a"}, wantOutcomes: []string{"p/b server_error", "p/a ok"}, wantTarget: "p/a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &scripted{replies: tc.replies}
			e := loopEngine(t, p, nil)
			h := &fakeHealth{cooling: set(tc.cooling), halfOpen: set(tc.halfOpen)}
			e.health = h
			res, err := e.Complete(context.Background(), loopRequest())
			if err != nil {
				t.Fatalf("err = %+v", err)
			}
			if !slices.Equal(p.calls, tc.wantCalls) {
				t.Errorf("upstream calls = %q, want %q", p.calls, tc.wantCalls)
			}
			if !slices.Equal(h.outcomes, tc.wantOutcomes) {
				t.Errorf("outcomes = %q, want %q", h.outcomes, tc.wantOutcomes)
			}
			if res.Target != tc.wantTarget || res.Fallback != tc.wantFallback {
				t.Errorf("served by %s (fallback %v), want %s (fallback %v)", res.Target, res.Fallback, tc.wantTarget, tc.wantFallback)
			}
		})
	}
}

// ownCounter is the store key of budget b's counter for sc (vars_test.go).
func ownCounter(b config.Budget, sc scope, now time.Time) (string, bool) {
	return budget.OwnCounter(b, sc.budget(), now)
}

func set(keys []string) map[string]bool {
	m := map[string]bool{}
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// fakeOutcomes logs what the loop reports.
type fakeOutcomes struct {
	attempts []string
	ends     []string
}

func (o *fakeOutcomes) attempt(_ *run, c routing.Candidate, rec Attempt, _ attemptOut, final, fallback bool, _ int64) {
	o.attempts = append(o.attempts, fmt.Sprintf("%s %d final=%v fallback=%v", c.Key, rec.Status, final, fallback))
}

func (o *fakeOutcomes) end(_ *run, res *Result, _ time.Time, err *Error) {
	status := 200
	if err != nil {
		status = err.Status
	}
	o.ends = append(o.ends, fmt.Sprintf("%d attempts=%d", status, len(res.Attempts)))
}

// TestLoopOutcomes: the policy step seen through the recorder: each
// attempt is reported once, marked final when the request ends with it
// (served, a 4xx relayed, the last candidate failed), a fallback when a
// later target served; rate limits are retried after the policy's
// backoff; the request's end is reported exactly once.
func TestLoopOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		router    string // default r
		replies   map[string][]error
		wantAtts  []string
		wantEnd   string
		wantSleep int
	}{
		{name: "served at once",
			wantAtts: []string{"p/a 200 final=true fallback=false"}, wantEnd: "200 attempts=1"},
		{name: "5xx: next target, which serves as a fallback",
			replies:  map[string][]error{"a": {errServer}},
			wantAtts: []string{"p/a 503 final=false fallback=false", "p/b 200 final=true fallback=true"}, wantEnd: "200 attempts=2"},
		{name: "429: same target after a backoff",
			replies:  map[string][]error{"a": {errRate}},
			wantAtts: []string{"p/a 429 final=false fallback=false", "p/a 200 final=true fallback=false"}, wantEnd: "200 attempts=2", wantSleep: 1},
		{name: "400: relayed, nothing else tried",
			replies:  map[string][]error{"a": {errBad}},
			wantAtts: []string{"p/a 400 final=true fallback=false"}, wantEnd: "400 attempts=1"},
		{name: "every target fails: the last attempt is final",
			replies:  map[string][]error{"a": {errServer}, "b": {errServer}},
			wantAtts: []string{"p/a 503 final=false fallback=false", "p/b 503 final=true fallback=false"}, wantEnd: "502 attempts=2"},
		// The request ends with a failure however the loop stops, so its
		// last attempt counts it (before, neither of these was counted).
		{name: "the last target's 429 out of retries is final", router: "one_retry",
			replies:  map[string][]error{"a": {errRate, errRate}},
			wantAtts: []string{"p/a 429 final=false fallback=false", "p/a 429 final=true fallback=false"}, wantEnd: "429 attempts=2", wantSleep: 1},
		{name: "max_attempts reached: the last attempt is final", router: "one_attempt",
			replies:  map[string][]error{"a": {errServer}},
			wantAtts: []string{"p/a 503 final=true fallback=false"}, wantEnd: "502 attempts=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var slept []time.Duration
			e := loopEngine(t, &scripted{replies: tc.replies}, &slept)
			o := &fakeOutcomes{}
			e.outcomes = o
			r := loopRequest()
			if tc.router != "" {
				r.Chat.Model = "router/" + tc.router
			}
			_, err := e.Complete(context.Background(), r)
			if !slices.Equal(o.attempts, tc.wantAtts) {
				t.Errorf("attempts = %q, want %q", o.attempts, tc.wantAtts)
			}
			if len(o.ends) != 1 || o.ends[0] != tc.wantEnd {
				t.Errorf("ends = %q (err %+v), want one %q", o.ends, err, tc.wantEnd)
			}
			if len(slept) != tc.wantSleep {
				t.Errorf("slept %v, want %d backoff(s)", slept, tc.wantSleep)
			}
		})
	}
}
