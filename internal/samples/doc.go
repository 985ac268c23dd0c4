// Package samples is the metrics recorder: it takes the engine's metric
// samples (one per attempt, one per skip) on the request path without
// blocking, sums them per subject and minute, and writes the sums to the
// store off the request path (store.AddBuckets), so a bucket item's write
// rate grows with the number of containers, not with the request rate
// (docs/scale.md). The engine builds the samples (its outcomes recorder,
// internal/engine/outcomes.go); this package only buffers and writes them.
package samples
