// Package emf publishes the gateway's per-attempt metrics to CloudWatch as
// Embedded Metric Format log lines (one JSON object per line on stdout,
// which Lambda ships to CloudWatch Logs, which extracts the metrics). The
// alarms and dashboard of template.yaml are built on them.
//
// It wraps a store.Store: every sample the engine's recorder writes to
// the store is also printed, so the two views never disagree. It must not
// fail or slow a sample write: a line that cannot be printed is dropped.
package emf
