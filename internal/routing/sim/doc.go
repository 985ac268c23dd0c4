// Package sim is a deterministic, seeded simulator of the adaptive routing
// strategies (optimized, latency, least_loaded) against simulated upstreams.
// It measures what a user of those strategies notices: how many requests
// pass before the better target leads, how much worse the choices were than
// an oracle's (regret), how soon a target that degrades is left, and, with
// many gateway instances sharing one store, how evenly load is spread.
//
// It drives the real strategies through routing.Strategy with the same
// inputs the engine gives them: a shared stats snapshot that lags the
// outcomes (the store's rollup, refreshed every few seconds), and the
// instance's own fresh figures. Every run is a pure function of its
// scenario and seed, so tests can assert on it exactly; nothing here
// sleeps or reads the wall clock.
package sim
