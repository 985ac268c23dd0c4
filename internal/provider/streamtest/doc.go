// Package streamtest checks what every provider.Stream owes its caller,
// for the provider packages' fuzz and wire tests: a stream that ends,
// stays ended, fails with a classified *provider.Error or ends cleanly
// with a well-formed OpenAI chunk sequence.
//
// It is imported only from _test.go files and does no I/O.
package streamtest
