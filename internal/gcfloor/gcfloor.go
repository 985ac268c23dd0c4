// Package gcfloor gives the Go collector a heap floor: it does not start a
// cycle before the heap has grown to Floor bytes, however small the live
// heap is. Above that, the collector runs as GOGC=100 has it run.
//
// Why: the gateway's live heap is small (about 3 MB serving 1000
// requests/s: its config, price tables and recent traces), so with GOGC=100
// the collector starts a cycle every 3 MB allocated, six or seven times a
// second at that rate. Each cycle marks for 1–2 ms, and a request that
// meets one waits on mark assists and for a processor: on two cores, about
// the slowest 1% of requests, the p99 that issue 16 compares with a bare
// reverse proxy (docs/BENCHMARKS.md). A floor of a few MB cuts the cycles by half or more
// for the price of that much heap, and costs nothing once the live heap is
// large enough that GOGC=100 already sets a goal over the floor.
//
// Go has no minimum-heap setting (GOGC scales its 4 MB minimum; a memory
// limit caps the heap, it does not hold it up), so after each cycle the
// tuner sets GOGC to the percentage that puts the next goal at the floor:
// (Floor − live) / (live + stacks + globals) × 100, never under 100, and
// never so high that the runtime's own minimum heap (4 MB × GOGC/100)
// passes the floor (Percent). The hook into the end of each cycle is a
// cleanup (runtime.AddCleanup) on an object only that cycle frees. An
// operator who sets GOGC chooses the collector's pace: the tuner then stays
// off.
package gcfloor

import (
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
)

// EnvFloor names the floor in MiB; 0 turns the tuner off.
const EnvFloor = "SWITCHYARD_GC_HEAP_FLOOR_MB"

// DefaultFloorMiB is the floor when EnvFloor is unset: measured on the
// loadgen bench (docs/BENCHMARKS.md, "Seventh pass"), the gateway's peak
// RSS stays under issue 16's 40 MB with it, and its collections at 1000
// requests/s fall from six or seven a second to between one and two. It
// was 10 MiB until the gateway stopped linking gRPC (3.3 MB of resident
// pages): the memory that freed went to the floor.
const DefaultFloorMiB = 16

// basePercent is GOGC's default, the least the tuner sets: it only ever
// lets the heap grow further between cycles than Go would.
const basePercent = 100

// maxPercent bounds the percentage for a nearly empty heap, where the
// floor would ask for thousands: a live heap of 1 MB gets at most an 11 MB
// goal. Percent lowers it further for small floors (see there).
const maxPercent = 1000

// runtimeHeapMinimum is Go's minimum heap goal at GOGC=100; the runtime
// scales it by GOGC/100 (runtime/mgcpacer.go, heapMinimum).
const runtimeHeapMinimum = 4 << 20

// Percent is the GOGC percentage that makes the collector's next goal
// floor bytes when the last cycle marked live bytes of heap and scanned
// roots bytes of stacks and globals: since Go 1.21 the goal is
// live + (live + roots) × percent/100, so percent = (floor − live) /
// (live + roots) × 100, rounded up. It is never under basePercent, and
// never over what keeps the runtime's own minimum heap (4 MB × percent/100)
// within the floor, nor over maxPercent: without that bound, a nearly
// empty heap (a cold start, a quiet gateway) would get a goal of 40 MB.
func Percent(live, roots, floor uint64) int {
	hi := min(maxPercent, max(basePercent, int(floor*100/runtimeHeapMinimum)))
	if live+roots == 0 {
		return hi
	}
	p := math.Ceil((float64(floor) - float64(live)) / float64(live+roots) * 100)
	return int(min(max(p, basePercent), float64(hi)))
}

// Tuner resets GOGC after every collection (Start).
type Tuner struct {
	floor   uint64
	mu      sync.Mutex
	stopped bool
	percent int
	// tuned, when set (tests), is told each percentage set and the heap
	// it was set for.
	tuned func(live, roots uint64, percent int)
}

// FromEnv starts a tuner as the environment asks: EnvFloor MiB, or
// DefaultFloorMiB when it is unset; none when it is 0 or GOGC is set. An
// EnvFloor that is not a whole number of MiB is an error.
func FromEnv(getenv func(string) string) (*Tuner, error) {
	mib := DefaultFloorMiB
	if v := getenv(EnvFloor); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1<<20 {
			return nil, fmt.Errorf("%s=%q: want a whole number of MiB (0 turns the floor off)", EnvFloor, v)
		}
		mib = n
	}
	if mib == 0 || getenv("GOGC") != "" {
		return nil, nil
	}
	return Start(uint64(mib) << 20), nil
}

// Start sets GOGC after each collection to keep the heap goal at floor
// bytes or more. Stop ends it and puts GOGC back to 100.
func Start(floor uint64) *Tuner {
	return start(floor, nil)
}

func start(floor uint64, tuned func(live, roots uint64, percent int)) *Tuner {
	t := &Tuner{floor: floor, tuned: tuned}
	t.tune()
	t.arm()
	return t
}

// sentinel is an object only the next collection frees: its cleanup is the
// tuner's hook into the end of each cycle. It holds a pointer so that it is
// never a tiny allocation sharing a block (and a fate) with another object.
type sentinel struct{ _ *Tuner }

// arm registers the hook for the next cycle.
func (t *Tuner) arm() {
	runtime.AddCleanup(&sentinel{}, func(t *Tuner) {
		t.mu.Lock()
		stopped := t.stopped
		t.mu.Unlock()
		if stopped {
			return
		}
		// The next hook first: a collection that starts while this one
		// tunes then still has a sentinel to free.
		t.arm()
		t.tune()
	}, t)
}

// tune sets the percentage for the heap the last cycle marked. Two may run
// at once (a cycle can end while the last one's hook runs): each reads its
// own samples, and mu orders their settings.
func (t *Tuner) tune() {
	sample := [...]metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"}}
	metrics.Read(sample[:])
	var v [3]uint64 // live heap, stacks, globals
	for i, s := range sample {
		if s.Value.Kind() == metrics.KindUint64 {
			v[i] = s.Value.Uint64()
		}
	}
	p := Percent(v[0], v[1]+v[2], t.floor)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	// A change of a few percent is not worth the runtime's heap lock.
	if t.percent == 0 || p < t.percent*15/16 || p > t.percent*17/16 {
		debug.SetGCPercent(p)
		t.percent = p
	}
	if t.tuned != nil {
		t.tuned(v[0], v[1]+v[2], t.percent)
	}
}

// Stop puts GOGC back to 100; the hook armed for the next cycle then does
// nothing.
func (t *Tuner) Stop() {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.stopped {
		t.stopped = true
		debug.SetGCPercent(basePercent)
	}
}
