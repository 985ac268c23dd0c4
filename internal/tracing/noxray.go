//go:build noxray

package tracing

import (
	"errors"
	"log/slog"

	"github.com/aws/smithy-go/middleware"
)

// XRayBuilt reports whether this binary links aws-xray-sdk-go: false, it
// was built with -tags noxray.
const XRayBuilt = false

// errNoXRay is what choosing X-Ray in a noxray build logs.
var errNoXRay = errors.New("this binary was built with -tags noxray, without aws-xray-sdk-go: " +
	"trace with OpenTelemetry (OTEL_EXPORTER_OTLP_ENDPOINT, or SWITCHYARD_TRACING=otel) or build without the tag")

func newXRay(*slog.Logger) (Tracing, error) { return Tracing{}, errNoXRay }

// XRayAPIOptions fails: this build has no X-Ray SDK.
func XRayAPIOptions(*slog.Logger) ([]func(*middleware.Stack) error, error) {
	return nil, errNoXRay
}
