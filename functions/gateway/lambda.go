package main

import (
	"fmt"
	"os"
)

// runLambda serves API Gateway events; wired by the Lambda adapter.
func runLambda() {
	fmt.Fprintln(os.Stderr, "gateway: Lambda mode is not built into this binary yet")
	os.Exit(1)
}
