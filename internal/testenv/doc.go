// Package testenv starts the external services that tests need (DESIGN §8)
// and hands back clients pointed at them: currently dynalite, the DynamoDB
// emulator from npm, bound to 127.0.0.1.
//
// It is imported only from _test.go files. It sets no process-wide state
// (no environment variables, no default clients): each test gets its own
// emulator process, killed in t.Cleanup, and decides itself how to use it.
// It must not import any package of this module, so that every package's
// tests can use it without an import cycle.
package testenv
