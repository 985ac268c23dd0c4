// Package chat holds the OpenAI Chat Completions wire types that every other
// package speaks: the request a caller sends, the response and stream chunks
// the gateway returns. Providers translate to and from these types.
//
// It must not know about routing, providers or HTTP: it is vocabulary only.
// Unknown top-level request fields are kept in Request.Extra so that an
// OpenAI-compatible upstream receives exactly what the caller sent.
// Decode is the one place a caller's body is decoded: what the caller got
// wrong comes back as a *FieldError in the caller's terms (the field's path
// with array indices, JSON kinds), never in Go's. The usual body is decoded
// in one pass (decodeFast) and a request encoded without reflection
// (appendFast); anything unusual, and every error, is left to encoding/json,
// and fuzz targets hold both to encoding/json's results.
package chat
