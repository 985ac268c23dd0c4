// Package storetest is the conformance suite every store.Store must pass
// (the memory store and the DynamoDB store run the same tests). It checks
// the contract a caller relies on, including under concurrency: a budget
// is never overspent, concurrent metric samples are all counted.
//
// The suite uses fixed, whole-second times and never the wall clock for
// expectations, so it passes on any store that keeps at least millisecond
// precision. It must not depend on any store implementation.
package storetest
