// Package mock is a provider that answers locally, for trying routing
// without provider keys (examples/local.yaml): configurable latency, a
// share of failures with a chosen status, and a seeded random source so a
// run is repeatable. It also embeds (POST /v1/embeddings): a unit vector
// seeded by each input, so the same text embeds the same way every run.
// It is never a stand-in in tests of real providers.
package mock
