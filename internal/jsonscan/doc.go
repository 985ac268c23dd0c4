// Package jsonscan checks JSON syntax exactly as encoding/json's json.Valid
// does, at several times its speed, and lets a hand-written decoder check
// each value in the same pass as it decodes it (Value, String, Number
// return the index just past the value). The gateway's hot paths decode
// the caller's request and every upstream stream event this way
// (chat.Decode, the openai provider's chunk decoder), and fall back to
// encoding/json for anything unusual.
//
// It only checks syntax and finds the ends of values; it decodes nothing
// and must not depend on any other package of the gateway.
package jsonscan
