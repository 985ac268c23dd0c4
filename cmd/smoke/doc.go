// Command smoke checks a deployed gateway from the outside, where the
// Lambda emulator cannot: that a streamed answer really streams through
// API Gateway (time to first byte, time to the first token, the gaps
// between chunks), that a caller who hangs up mid-stream leaves the
// gateway healthy, and that /healthz answers. `make smoke URL=… KEY=…`
// runs it; it prints one line per check and exits 1 if any failed.
//
// It only reads what a client sees. What happened inside (the upstream
// call stopped when the caller left) is in the gateway's log line for the
// request id it prints (docs/deploy.md, "Smoke test").
package main
