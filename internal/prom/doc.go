// Package prom keeps the gateway's Prometheus metrics in process and
// writes them in the Prometheus text exposition format (version 0.0.4) for
// GET /metrics: counters and fixed-bucket histograms fed by the engine
// (engine.MetricSink), plus gauges read at scrape time (budgets,
// cooldowns, requests in flight). Metric names start with "switchyard_".
//
// Labels are bounded: the engine hands over configured router names (or
// "direct", "inline") and metric targets, never a caller's raw model
// name; operations are the engine's four (chat, embeddings, messages,
// responses); error classes are the closed set of provider.Classes; and past
// MaxSeries series every new label set is counted under router and
// target "other", so no traffic can grow a scrape without bound.
//
// It is hand-written rather than built on client_golang: a few dozen
// lines of exposition keep the Lambda binary lean, and Lambda reports
// through EMF instead. It must not do I/O on the request path.
package prom
