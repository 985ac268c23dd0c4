package main

import (
	"log/slog"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/tracing"
)

// TestLambdaSettlesEachRequest: the Lambda gateway's engines write each
// request's budget settlement before the request returns
// (engine.Deps.SettleEachRequest; engine TestLambdaContainerLifecycle
// proves what that does). A container may be frozen or reaped after any
// response: a settlement left to be folded into a later reservation
// would stay phantom spend, reservation − cost, for good.
func TestLambdaSettlesEachRequest(t *testing.T) {
	g := newLambdaGateway(slog.New(slog.DiscardHandler), tracing.Off(),
		store.NewMemory(), gatewayOptions{})
	if !g.deps.SettleEachRequest {
		t.Error("the Lambda gateway folds budget settlements into later reservations; a frozen container leaves them as phantom spend")
	}
}
