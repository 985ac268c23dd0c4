// Package tracestore keeps the gateway's most recent routing decisions in
// process, for GET /v1/traces and the local console: one Record per routed
// request, keyed by the id the caller saw in x-switchyard-trace-id.
//
// The store is a fixed ring (default 1,000 records) and every record is
// clipped to MaxRecordBytes on the way in, so its memory is bounded
// whatever the traffic or the callers' model names. Adding a record takes
// a lock and a slot: no encoding, no I/O, nothing that could slow or fail
// a request. It must not hold prompts, responses or credentials: records
// carry routing facts and redacted, clipped error messages only.
package tracestore
