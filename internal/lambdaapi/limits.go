package lambdaapi

// MaxInvokePayload is Lambda's request payload quota for a synchronous
// (and streamed) invocation: 6 MB, which Lambda enforces as 6,291,456
// bytes of event JSON. API Gateway accepts bodies up to 10 MB, so a body
// between the two never reaches the function: Lambda refuses the invoke
// and API Gateway answers with an error of its own.
const MaxInvokePayload = 6 << 20

// EventOverhead is what a REST proxy event carries besides its body:
// headers (API Gateway caps them at 10 KB, sent twice, single- and
// multi-value), query parameters, the request context and JSON escaping
// of an ordinary JSON body. 64 KiB is ample for all of it.
const EventOverhead = 64 << 10

// MaxBody is the largest request body the gateway accepts under Lambda
// (6,225,920 bytes): the handler answers a larger one 413 with this limit,
// while the API Gateway default server.max_body_bytes (10 MiB) would
// promise more than Lambda can deliver. A body sent base64-encoded
// (binary media types) or full of characters JSON must escape grows in
// the event and may still exceed MaxInvokePayload below this size.
const MaxBody = MaxInvokePayload - EventOverhead
