// Package routing turns a router config into an ordered list of candidates
// for one request. A Strategy orders a router's targets; Tree expands nested
// routers depth-first into the flat candidate list the attempt loop walks.
//
// Strategies do no I/O: metrics, load, cooldowns and budgets arrive as
// snapshots in Input, and randomness and time are injected, so a decision is
// a pure function of its input and tests are exact. Strategies must not
// retry, call providers or record anything.
//
// Recent is the one piece of state here that is not a strategy's: the
// engine feeds it each finished attempt, and Blended serves its figures,
// blended with the shared rolled-up stats, as the StatsSource strategies
// read. The sim package measures the adaptive strategies against
// simulated upstreams.
package routing
