// Command gateway is Switchyard's gateway. Under Lambda (AWS_LAMBDA_RUNTIME_API
// set) it serves API Gateway events; elsewhere it is the CLI: serve,
// validate, config push/pull, tables create.
package main

import (
	"context"
	"os"

	"github.com/switchyard-llm/switchyard/internal/cli"

	// Provider types register themselves.
	_ "github.com/switchyard-llm/switchyard/internal/provider/anthropic"
	_ "github.com/switchyard-llm/switchyard/internal/provider/bedrock"
	_ "github.com/switchyard-llm/switchyard/internal/provider/gemini"
	_ "github.com/switchyard-llm/switchyard/internal/provider/mock"
	_ "github.com/switchyard-llm/switchyard/internal/provider/openai"
)

func main() {
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		runLambda()
		return
	}
	os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}
