// Package lambdaapi runs an http.Handler behind API Gateway REST APIs with
// Lambda response streaming (DESIGN §7). Request turns a proxy event
// (payload format 1.0) into an *http.Request; Serve runs the handler and
// returns an *events.APIGatewayProxyStreamingResponse whose body is fed as
// the handler writes and flushes, so server-sent events reach the caller
// chunk by chunk while plain JSON answers take the same path.
//
// It knows nothing of routing, the OpenAI API or AWS clients: whatever the
// handler does is the handler's business. It must not buffer a response
// beyond what the handler has not flushed yet, and it must not let a
// caller that went away keep an upstream call running: closing the
// response body cancels the handler's request context.
package lambdaapi
