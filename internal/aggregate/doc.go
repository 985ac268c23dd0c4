// Package aggregate rolls per-minute metric buckets up into the stats the
// routing strategies and GET /v1/metrics read (DESIGN §6): per target and
// per router, for the windows 5m, 15m, 1h and 24h. functions/aggregator
// calls Run once a minute.
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
// A/B experiment is read from. A request keeps its assigned arm when it
// falls back to another arm's target, so an arm's fallbacks are requests
// its own target did not serve. Latency, TTFT, tokens/s and errors are per attempt for
// both, as the buckets hold no end-to-end request latency. fallback_rate is
// fallbacks over requests that ended (for a target: the share of the
// requests it ended that had fallen back to it).
//
// # Figures
//
//	success_rate   successes / requests
//	latency_avg_ms latency sum / attempts
//	latency_p50/95 from the merged histogram: find the bucket holding the
//	               rank q·n and interpolate linearly between its bounds
//	               (0 below the first), i.e. assume latencies spread evenly
//	               within a bucket; the open-ended last bucket reports its
//	               lower bound (300 s)
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
