package cli

import (
	"os"

	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/prom"
	"github.com/switchyard-llm/switchyard/internal/tracestore"
)

// observability makes the store of recent traces (SWITCHYARD_TRACES
// records, default 1,000; 0: none) and the Prometheus registry, and hands
// them to the engines deps builds. Both live in this process across
// config reloads: GET /v1/traces and GET /metrics read them.
func observability(deps *engine.Deps) (*tracestore.Store, *prom.Registry, error) {
	traces, err := tracestore.FromEnv(os.Getenv)
	if err != nil {
		return nil, nil, err
	}
	if traces != nil {
		deps.Traces = traces // never a typed nil: the engine tests for nil
	}
	metrics := prom.New()
	deps.Metrics = metrics
	return traces, metrics, nil
}
