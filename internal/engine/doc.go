// Package engine is the routing engine: it resolves which router serves a
// request, expands it into ordered candidates, and runs the attempt loop
// (DESIGN §5) — retries with backoff on rate limits, fallback on server,
// network and timeout failures, cooldowns, budgets, the request deadline,
// and the streaming commit rule — then records metrics and traces.
//
// The pieces of the loop, each in one place: the planner (planRun in
// prepare.go: request to ordered candidates, with a dry run that is
// Explain), the attempt value (attempt.go: the state of one try), the
// policy step (Policy.next and Policy.startable in attempt.go: retry the
// same target, move on or stop, with the backoff and the deadline floor)
// and the budget step (budgetStep: reserve, or in a dry run ask whether
// the worst case would fit). Complete and Stream are attempt functions
// the one loop (serve, loop.go) drives.
//
// It speaks chat types and provider interfaces; it must not know HTTP
// (package httpapi turns its results and *Error into responses) nor any
// concrete provider or store.
package engine
