// Package xray is the trace.Tracer that sends the gateway's spans to AWS
// X-Ray through github.com/aws/aws-xray-sdk-go (DESIGN §7).
//
// Under Lambda, Handler opens a subsegment per request under the function's
// facade segment (the trace API Gateway started, whose id the gateway
// returns in x-switchyard-trace-id); elsewhere it opens a segment per
// request, continuing an incoming X-Amzn-Trace-Id. The engine's "routing"
// and "attempt" spans become subsegments of it, their annotations
// (routing: router, strategy, route (the A/B arm or conditional route),
// target, attempts, fallback, cost_usd, error_code; attempt: provider,
// model, target, status, error_class, retry) X-Ray annotations, usable in
// filter expressions such as
//
//	annotation.router = "default" AND annotation.fallback = true
//
// and candidate scores metadata under the "switchyard" namespace.
// AWSAPIOptions instruments AWS SDK clients (DynamoDB, Bedrock, Secrets
// Manager) with the SDK's aws-sdk-go-v2 instrumentor, so their calls show
// as subsegments of the request that made them.
//
// Tracing must never fail or slow a request: spans are sent by UDP to the
// daemon without waiting, a missing or unreachable daemon is logged
// (rate-limited) and ignored, and with the SDK disabled
// (AWS_XRAY_SDK_DISABLED=true) every span is a no-op.
package xray
