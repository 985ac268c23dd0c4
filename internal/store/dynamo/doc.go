// Package dynamo implements store.Store on DynamoDB, so that every Lambda
// instance (and every local process pointed at the same tables) shares one
// set of configs, budgets, metrics, cooldowns and in-flight counts. It
// passes the same conformance suite (store/storetest) as the memory store.
//
// # Tables
//
// Three tables, each with a string partition key "pk" and a string sort key
// "sk", on-demand billing. Their definitions live only in tables.go
// (TableDefinitions); template.yaml must match them.
//
//	config   pk = kind ("router", "provider", ...), sk = name.
//	         doc (M: the record as a native map mirroring the YAML),
//	         version (N, ADD 1 per put), updated_at (S, RFC 3339).
//	state    TTL attribute expires_at (unix seconds).
//	         pk "budget",   sk = budget key:        spent (N, integer micro-USD)
//	         pk "cooldown", sk = target:            until_ms (N, unix ms),
//	                                                 probe_ms (N, probe lease end;
//	                                                 kept store.CooldownKeep past until)
//	         pk "inflight", sk = target "#" instance: count (N), target, instance,
//	                                                 expires_ms (N, unix ms)
//	metrics  TTL attribute expires_at (unix seconds).
//	         pk "m#" subject ("<target>|<router>"), sk = minute (S,
//	             "2006-01-02T15:04:05Z"): one bucket, counters req ok fin srv
//	             lat_us ttft_us ttft_n tin tout cost fb gen_us (latencies in
//	             integer µs), histogram lh<i> (attempts in
//	             store.LatencyIndex bucket i, only the non-empty ones: at
//	             most 568), errors e_<class>; TTL 48 h after the minute.
//	             Buckets written before microseconds (lat ttft gen in float
//	             ms, h00..h25 over fixed bounds) are still read.
//	         pk "meta", sk "subjects": subjects (SS), every bucket subject
//	             ever written.
//	         pk "stats", sk = subject "#" window: the store.Stats JSON fields
//	             as attributes; TTL 48 h after the aggregator wrote them.
//
// # Writes
//
// Every counter moves with one UpdateItem using ADD, so concurrent writers
// never lose an update and no read precedes a write. A budget reservation
// is a single conditional ADD (`attribute_not_exists(spent) OR spent <=
// limit - micros`), so a hard budget holds across instances. A metric
// sample is one UpdateItem that ADDs every non-zero field of its bucket.
//
// # Reading buckets without a Scan
//
// Buckets(from, to) reads the "subjects" item (one GetItem), then runs one
// Query per subject on its partition with `sk BETWEEN` the range, a few at
// a time. Its cost grows with the number of target|router pairs and the
// range, never with the table. A process registers a subject (ADD to the
// string set) when it first writes a sample for it and again every ten
// minutes while it keeps writing, so the hot path costs one extra write per
// subject per process per ten minutes, not per request. Subjects are never
// removed from the set; a subject idle for longer than the bucket TTL
// costs one empty Query.
//
// # Expiry
//
// DynamoDB deletes expired items lazily (up to days later) and emulators
// may not at all, so readers filter on the stored expiry themselves
// (cooldowns on until_ms, in-flight counts on expires_ms); TTL only keeps
// the tables small.
//
// # Failing fast
//
// NewFromEnv applies FailFast: two attempts, short dial and request
// timeouts, so a DynamoDB outage turns into an error within seconds that
// the gateway can act on (serve the cached config, skip a metric) instead
// of stalling requests. CallCounter counts operations for performance tests.
//
// This package does no policy: it does not decide limits, windows or
// cooldown lengths, and it never reads the wall clock for a comparison a
// caller passed a time for.
package dynamo
