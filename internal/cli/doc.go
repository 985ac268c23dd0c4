// Package cli is the gateway binary's command line outside Lambda
// (DESIGN §2): serve, validate, config push/pull and tables create. It
// wires stores, config sources and the HTTP handler together; it holds no
// routing logic.
package cli
