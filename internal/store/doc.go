// Package store is the gateway's shared state contract (DESIGN §6): config
// records, budget counters and their leases, per-minute metric buckets and rolled-up stats,
// cooldowns and in-flight counts. Memory is the in-process implementation
// used locally and in tests; package store/dynamo implements the same
// contract on DynamoDB so that many Lambda instances act as one gateway.
//
// A store stores; it does not decide. Budget limits, cooldown thresholds and
// aggregation windows are the callers' policy. Both implementations must
// pass the conformance suite in package store/storetest.
package store
