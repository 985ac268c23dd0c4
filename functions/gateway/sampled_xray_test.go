//go:build !noxray

package main

import (
	"testing"

	"github.com/aws/aws-xray-sdk-go/xray"
)

// TestLambdaTraceHeaderKeyIsTheSDKs: sampled.go spells the context key so
// a noxray build need not link the X-Ray SDK; it must stay the SDK's.
func TestLambdaTraceHeaderKeyIsTheSDKs(t *testing.T) {
	if lambdaTraceHeaderKey != xray.LambdaTraceHeaderKey {
		t.Fatalf("lambdaTraceHeaderKey %q, X-Ray SDK %q", lambdaTraceHeaderKey, xray.LambdaTraceHeaderKey)
	}
}
