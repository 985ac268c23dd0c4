package tracing

import (
	"log/slog"

	"github.com/aws/smithy-go/middleware"

	"github.com/switchyard-llm/switchyard/internal/trace/xray"
)

func newXRay(log *slog.Logger) (Tracing, error) {
	tr, err := xray.New(xray.Options{Logger: log})
	if err != nil {
		return Tracing{}, err
	}
	return Tracing{Mode: XRay, Tracer: tr, Handler: tr.Handler, APIOptions: tr.AWSAPIOptions()}, nil
}

// XRayAPIOptions are the APIOptions that trace AWS SDK calls under X-Ray,
// for a process that traces nothing else (the aggregator).
func XRayAPIOptions(log *slog.Logger) ([]func(*middleware.Stack) error, error) {
	tr, err := xray.New(xray.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	return tr.AWSAPIOptions(), nil
}
