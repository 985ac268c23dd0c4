package routing

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
)

// seeded returns a deterministic source of randomness for a test.
func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// models builds leaf targets "p/<name>" named <name>.
func models(names ...string) []TargetInfo {
	out := make([]TargetInfo, len(names))
	for i, n := range names {
		out[i] = TargetInfo{Key: "p/" + n, Name: n, Leaf: true}
	}
	return out
}

// weighted sets weights on targets.
func withWeights(ts []TargetInfo, ws ...float64) []TargetInfo {
	ts = slices.Clone(ts)
	for i := range ts {
		ts[i].Weight = ws[i]
	}
	return ts
}

// order runs one decision on a fresh plan.
func order(s Strategy, in *Input, ts []TargetInfo) *Plan {
	var p Plan
	s.Order(in, ts, &p)
	return &p
}

// names maps a plan's order to target names, for readable failures.
func names(ts []TargetInfo, p *Plan) string {
	var b strings.Builder
	for k, i := range p.Order {
		if k > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(ts[i].Name)
	}
	return b.String()
}

// configTargets mirrors TargetInfo into config targets, as the compiler
// would have read them.
func configTargets(ts []TargetInfo) []config.Target {
	out := make([]config.Target, len(ts))
	for i, t := range ts {
		out[i] = config.Target{Model: t.Key, Weight: t.Weight, Region: t.Region, Name: t.Name}
	}
	return out
}

type fakeStats map[string]TargetStats

func (f fakeStats) TargetStats(key string, _ time.Duration) (TargetStats, bool) {
	s, ok := f[key]
	return s, ok
}

// windowStats records which window was asked for.
type windowStats struct {
	fakeStats
	asked *time.Duration
}

func (w windowStats) TargetStats(key string, win time.Duration) (TargetStats, bool) {
	*w.asked = win
	return w.fakeStats.TargetStats(key, win)
}

type fakeLoad map[string]int64

func (f fakeLoad) InFlight(key string) int64 { return f[key] }

type fakeCosts map[string]float64

func (f fakeCosts) EstimateCost(key string) (float64, bool) {
	c, ok := f[key]
	return c, ok
}

// wantErr checks err against a substring; "" means no error.
func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != "" && err == nil:
		t.Fatalf("no error, want one containing %q", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Fatalf("error %q does not contain %q", err, want)
	}
}
