// Package xray is the trace.Tracer that sends the gateway's spans to AWS
// X-Ray (DESIGN §7): segment documents, by UDP, to the X-Ray daemon at
// AWS_XRAY_DAEMON_ADDRESS (under Lambda, the one Lambda runs).
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
// AWSAPIOptions instruments AWS SDK clients (DynamoDB, Bedrock), so their
// calls show as subsegments of the request that made them.
//
// The package writes the documents itself rather than through
// github.com/aws/aws-xray-sdk-go, which DESIGN §7 named. That SDK is in
// maintenance until its end of support on 2027-02-25, and it links
// aws-sdk-go v1 (past its own end of support) and fasthttp, neither of
// which the gateway otherwise uses: 2 MB of heap at init for v1's endpoint
// tables, a 6.7 MB larger binary, 7 MB more resident memory per container
// and 6–7 ms more Lambda init (docs/BENCHMARKS.md, issue 16). The documents are
// the ones the SDK sent for the same spans (a segment's aws.xray and service
// fields name this emitter), and the tests read them as the daemon does. What the SDK offered and the gateway did not use is left
// out: centralized sampling rules (the default local rule applies when a
// request comes without a decision; under Lambda it always comes with one),
// EC2/ECS/Beanstalk plugin metadata, stack traces in causes.
//
// Tracing must never fail or slow a request: documents are sent by UDP to
// the daemon without waiting, a missing or unreachable daemon is logged
// (rate-limited) and ignored (a daemon host name that does not resolve at
// start turns X-Ray off, logged), a caller's malformed trace header starts a
// new trace, and with AWS_XRAY_SDK_DISABLED=true (the variable X-Ray's
// SDKs read) every span is a no-op.
package xray
