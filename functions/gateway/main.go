// Command gateway is Switchyard's gateway. Under Lambda (AWS_LAMBDA_RUNTIME_API
// set) it serves API Gateway events; elsewhere it is the CLI: serve,
// validate, config push/pull, tables create.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/switchyard-llm/switchyard/internal/cli"
	"github.com/switchyard-llm/switchyard/internal/gcfloor"

	// Provider types register themselves.
	_ "github.com/switchyard-llm/switchyard/internal/provider/anthropic"
	_ "github.com/switchyard-llm/switchyard/internal/provider/bedrock"
	_ "github.com/switchyard-llm/switchyard/internal/provider/gemini"
	_ "github.com/switchyard-llm/switchyard/internal/provider/mock"
	_ "github.com/switchyard-llm/switchyard/internal/provider/openai"
)

func main() {
	// The collector's heap floor (internal/gcfloor), under Lambda and
	// `gateway serve` alike: a small live heap would otherwise be
	// collected several times a second under load.
	if _, err := gcfloor.FromEnv(os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(2)
	}
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		runLambda()
		return
	}
	os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}
