// Package aggregate rolls per-minute metric buckets up into the stats the
// routing strategies and GET /v1/metrics read (DESIGN §6, §9): per target,
// provider, router and arm, for the windows 5m, 15m, 1h and 24h.
// functions/aggregator calls Run once a minute under Lambda; a long-running
// server runs a Loop, so strategies adapt with no call to /v1/metrics.
//
// # Subjects
//
// A bucket belongs to a "<target>|<router>" pair, or a
// "<target>|<router>|<arm>" triple when the request was assigned a
// percentage arm or conditional route. A target's stats sum every bucket
// with that target and count attempts: requests are attempts on it,
// successes successful attempts. A router's stats ("router/<name>") sum
// every bucket with that router and count requests: requests are the
// requests that ended through it (Bucket.Finals), successes those served
// (Bucket.Served). An arm's stats ("arm/<router>/<arm>") count requests
// the same way over the buckets with that router and arm: the figures an
// A/B experiment is read from. A request keeps its assigned arm (the arm
// of its plan's first candidate) when it falls back to another arm's
// target or its own target is skipped for cooldown, and then counts for
// its arm as a fallback, not a success: an arm's successes are the
// requests its own target served, its fallbacks those another target
// served, and the rest failed (success_rate + fallback_rate + failed
// share = 1). A provider's stats ("provider|<name>") sum its targets'
// and count like a target's: attempts. Latency, TTFT, tokens/s and errors
// are per attempt for all, as the buckets hold no end-to-end request
// latency. fallback_rate is fallbacks over requests that ended (for a
// target: the share of the requests it ended that had fallen back to it).
// skips are cooldown skips (store.Sample.Skipped), not attempts: for a
// target, the requests that passed it over while it cooled down; for a
// router, provider or arm, the sum over its targets.
//
// # Figures
//
//	success_rate   successes / requests
//	latency_avg_ms latency sum (µs) / attempts, in ms
//	latency_p50/95/99
//	               nearest rank from the merged log-scale histogram
//	               (store.LatencyIndex, ratio 1.04): the value of the
//	               bucket holding the sample of rank ceil(q·n), within
//	               store.LatencyRelativeError (1.96%) of that sample
//	               (latencies from 1 µs to 71 min)
//	ttft_ms        TTFT sum / attempts that reported a TTFT
//	tokens_per_sec output tokens / (latency of successful attempts in s)
//	cost_usd       total cost in the window
//
// A rate with a zero denominator is 0.
//
// # Windows and idempotence
//
// Windows end at the end of now's minute (so the current, partial minute
// counts) and reach back their length. Run reads the last 24 h once and
// derives every window from it; its output depends only on the buckets and
// now, and PutStats replaces whole items, so running twice or two
// overlapping runs leave the same stats. Every subject seen in the last
// 24 h gets all four windows, zeros included, so a target that went idle
// does not keep its old 5m figures.
//
// This package decides nothing about routing and keeps no state.
package aggregate
