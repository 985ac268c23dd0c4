// Package engine is the routing engine: it resolves which router serves a
// request, expands it into ordered candidates, and runs the attempt loop
// (DESIGN §5) — retries with backoff on rate limits, fallback on server,
// network and timeout failures, cooldowns, budgets, the request deadline,
// and the streaming commit rule — then records metrics and traces.
//
// The shape of the loop (serve, loop.go), each piece in one place:
//
//   - the planner, planRun (prepare.go): request to ordered candidates;
//     its dry run is Explain (explain.go);
//   - the attempt value (attempt.go): the state of one try, run by
//     runAttempt under its own timeout and span; Complete, Stream and
//     Embed are attempt functions (attemptFunc) the one loop drives;
//   - the policy step (Policy.next and Policy.startable, attempt.go, over
//     Policy.Decide in policy.go): retry the same target, move on or
//     stop, with the backoff and the deadline floor;
//   - the side effects, behind three small interfaces the loop calls:
//     ledger (ledger.go: reserve, settle, release; implemented by package
//     budget), health (health.go: cooldowns, half-open probes, outcomes;
//     implemented by the cooldown tracker in cooldown.go and halfopen.go)
//     and outcomes (outcomes.go: each attempt's metric sample and local
//     stats, the request's skips, metric and trace; samples are written
//     by package samples).
//
// It speaks chat types and provider interfaces; it must not know HTTP
// (package httpapi turns its results and *Error into responses) nor any
// concrete provider or store.
package engine
