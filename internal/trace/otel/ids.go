package otel

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
	"sync"
	"time"

	oteltrace "go.opentelemetry.io/otel/trace"
)

// xrayIDs generates trace ids X-Ray accepts: 4 bytes of epoch seconds,
// then 12 random bytes (a W3C id is 16 random bytes, which X-Ray
// rejects). Span ids are 8 random bytes. The random source is a ChaCha8
// seeded from crypto/rand once: ids must be unpredictable enough not to
// collide, not secret.
type xrayIDs struct {
	now func() time.Time
	mu  sync.Mutex
	rng *rand.ChaCha8
}

func newXRayIDs(now func() time.Time) *xrayIDs {
	var seed [32]byte
	_, _ = crand.Read(seed[:])
	return &xrayIDs{now: now, rng: rand.NewChaCha8(seed)}
}

// NewIDs returns a new trace id and its root span id.
func (g *xrayIDs) NewIDs(context.Context) (oteltrace.TraceID, oteltrace.SpanID) {
	var tid oteltrace.TraceID
	binary.BigEndian.PutUint32(tid[:4], uint32(g.now().Unix()))
	g.mu.Lock()
	defer g.mu.Unlock()
	for !tid.IsValid() || [12]byte(tid[4:]) == [12]byte{} {
		_, _ = g.rng.Read(tid[4:])
	}
	return tid, g.spanID()
}

// NewSpanID returns a span id for a span of traceID.
func (g *xrayIDs) NewSpanID(context.Context, oteltrace.TraceID) oteltrace.SpanID {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.spanID()
}

func (g *xrayIDs) spanID() oteltrace.SpanID {
	var sid oteltrace.SpanID
	for !sid.IsValid() {
		_, _ = g.rng.Read(sid[:])
	}
	return sid
}

// XRayTraceID is a W3C trace id ("5759e988bd862e3fe1be46a994272793") as
// X-Ray writes it ("1-5759e988-bd862e3fe1be46a994272793"); "" if id is
// not 32 hex digits.
func XRayTraceID(id string) string {
	if len(id) != 32 {
		return ""
	}
	if _, err := oteltrace.TraceIDFromHex(id); err != nil {
		return ""
	}
	return "1-" + id[:8] + "-" + id[8:]
}
