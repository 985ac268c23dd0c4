package statetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// Tokens of the two keys in scopesYAML; the config holds their sha256.
const (
	tokenA = "sk-test-team-a"
	tokenB = "sk-test-team-b"
)

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

var scopesYAML = `
providers:
  m: {type: mock, reply: "Once upon a time."}
routers:
  main: {strategy: fallback, targets: [{model: m/story}]}
keys:
  - {name: team-a, sha256: "` + sha256Hex(tokenA) + `"}
  - {name: team-b, sha256: "` + sha256Hex(tokenB) + `"}
budgets:
  - {name: everyone, scope: global, limit_usd: 0.1, period: day}
  - {name: team-a, scope: "key:team-a", limit_usd: 0.05, period: day}
` + storyModels

// TestBudgetScopes: through the HTTP API with API keys, a key:<name>
// budget charges and stops only that key's requests, while a global budget
// charges every key's and stops them all once spent. Afterwards the
// counters hold exactly the served requests' cost, each within its limit.
func TestBudgetScopes(t *testing.T) {
	st := newStore(t, testenv.Dynalite(t))
	push(t, st, scopesYAML)
	g := startGateway(t, st, newClock(), "instance-a", nil)

	// untilRefused sends requests with token until one is refused (at most
	// max), and returns how many were served and the refusal.
	untilRefused := func(t *testing.T, token string, max int) (int, envelope) {
		t.Helper()
		for served := 0; served < max; served++ {
			status, env, raw := g.send(t, http.MethodPost, "/v1/chat/completions", token, chatBody("router/main"))
			switch {
			case status == http.StatusOK:
			case status == http.StatusTooManyRequests && env.code() == "budget_exceeded" && env.typ() == "rate_limit_error":
				return served, env
			default:
				t.Fatalf("answered %d %s", status, raw)
			}
		}
		t.Fatalf("%d requests served and none refused", max)
		return 0, envelope{}
	}

	servedA, refusal := untilRefused(t, tokenA, 20)
	if !strings.Contains(refusal.message(), "budget team-a:") {
		t.Errorf("team-a refused with %q, want its key budget named", refusal.message())
	}
	servedB, refusal := untilRefused(t, tokenB, 20)
	if servedB == 0 {
		t.Error("team-b was refused at once: team-a's key budget stopped another key")
	}
	if !strings.Contains(refusal.message(), "budget everyone:") {
		t.Errorf("team-b refused with %q, want the global budget named", refusal.message())
	}
	if n, _ := untilRefused(t, tokenA, 1); n != 0 {
		t.Error("team-a served after the global budget was spent")
	}

	if err := g.src.Engine().Flush(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	const perRequest, worstCase = 13_000, 21_500 // µUSD, see storyModels
	got := budgetItems(t, st)
	t.Logf("team-a served %d, team-b %d; spent: team-a %d, everyone %d µUSD", servedA, servedB,
		got["team-a#2026-11-25"].spent, got["everyone#2026-11-25"].spent)
	checks := []struct {
		name string
		ok   bool
	}{
		{"key counter: team-a's requests only", got["team-a#2026-11-25"].spent == int64(servedA)*perRequest},
		{"global counter: both keys' requests", got["everyone#2026-11-25"].spent == int64(servedA+servedB)*perRequest},
		{"no other counter (none for team-b's key)", len(got) == 2},
		{"key limit held and used", servedA*perRequest <= 50_000 && servedA >= 50_000/worstCase},
		{"global limit held and used", (servedA+servedB)*perRequest <= 100_000 && servedA+servedB >= 100_000/worstCase},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: team-a served %d, team-b %d; counters %v", c.name, servedA, servedB, got)
		}
	}
}

const releaseYAML = `
server:
  cooldown: {failures: -1}
providers:
  m: {type: mock, reply: "Once upon a time."}
  bad: {type: mock, fail_rate: 1, fail_status: 503}
routers:
  ok: {strategy: fallback, targets: [{model: m/story}]}
  broken: {strategy: fallback, targets: [{model: bad/story}]}
  fb: {strategy: fallback, targets: [{model: bad/story}, {model: m/story}]}
  tight: {strategy: fallback, targets: [{model: bad/story}, {model: m/story}]}
budgets:
  - {name: team, scope: global, limit_usd: 10, period: day}
  # Exactly one worst-case reservation: the second attempt fits only if
  # the failed first one gave its reservation back.
  - {name: tight, scope: "router:tight", limit_usd: 0.0215, period: day}
` + storyModels + `  bad/story: {input_per_mtok: 1000, output_per_mtok: 1000}
`

// TestBudgetReleaseOnFailure: an attempt that fails gives its reservation
// back, so the counter returns to where it was; a fallback is charged only
// for the attempt that served.
func TestBudgetReleaseOnFailure(t *testing.T) {
	st := newStore(t, testenv.Dynalite(t))
	e := newEngine(t, parse(t, releaseYAML), st, newClock(), "instance-a", nil)
	ctx := context.Background()
	const team, tight = "team#2026-11-25", "tight#2026-11-25"
	const perRequest, worstCase = 13_000, 21_500 // µUSD, see storyModels

	spent := func(t *testing.T, key string) int64 {
		t.Helper()
		return budgetItems(t, st)[key].spent
	}
	settle := func(t *testing.T) {
		t.Helper()
		if err := e.Flush(ctx, true); err != nil {
			t.Fatal(err)
		}
	}

	if _, err := e.Complete(ctx, request("router/ok", 5)); err != nil {
		t.Fatalf("ok: %+v", err)
	}
	settle(t)
	if got := spent(t, team); got != perRequest {
		t.Fatalf("after one served request the counter holds %d µUSD, want %d", got, perRequest)
	}

	t.Run("a failed request leaves the spend where it was", func(t *testing.T) {
		_, err := e.Complete(ctx, request("router/broken", 5))
		if err == nil || err.Code == "budget_exceeded" {
			t.Fatalf("broken answered %+v, want the upstream failure", err)
		}
		if got := spent(t, team); got != perRequest+worstCase {
			t.Errorf("before the release is written the counter holds %d, want %d (the reservation made)", got, perRequest+worstCase)
		}
		settle(t)
		if got := spent(t, team); got != perRequest {
			t.Errorf("after release the counter holds %d µUSD, want %d as before", got, perRequest)
		}
	})

	t.Run("a fallback is charged for the attempt that served", func(t *testing.T) {
		res, err := e.Complete(ctx, request("router/fb", 5))
		if err != nil {
			t.Fatalf("fb: %+v", err)
		}
		if got := targets(res.Attempts); got != "bad/story,m/story" {
			t.Fatalf("fb attempted %s", got)
		}
		settle(t)
		if got := spent(t, team); got != 2*perRequest {
			t.Errorf("counter holds %d µUSD, want %d (the failed attempt released)", got, 2*perRequest)
		}
	})

	t.Run("a released reservation makes room for the next attempt", func(t *testing.T) {
		res, err := e.Complete(ctx, request("router/tight", 5))
		if err != nil {
			t.Fatalf("tight: %d %s %s: the failed attempt's reservation was not released", err.Status, err.Code, err.Message)
		}
		if got := targets(res.Attempts); got != "bad/story,m/story" {
			t.Fatalf("tight attempted %s", got)
		}
		settle(t)
		if got := spent(t, tight); got != perRequest {
			t.Errorf("tight counter holds %d µUSD, want %d", got, perRequest)
		}
		if got := spent(t, team); got != 3*perRequest {
			t.Errorf("team counter holds %d µUSD, want %d", got, 3*perRequest)
		}
	})
}
