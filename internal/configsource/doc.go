// Package configsource keeps the gateway's current engine: built from a
// file (local server) or from config records in the store (DynamoDB),
// refreshed every few seconds, and never replaced by a config that fails
// to read or validate — the last good one keeps serving. It also converts
// between the config document and store records, and applies admin API
// writes (validate the whole result, store, reload).
package configsource
