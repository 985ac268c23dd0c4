package gcfloor

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"testing"
	"time"
)

const mib = 1 << 20

func TestPercent(t *testing.T) {
	for _, c := range []struct {
		live, roots, floor uint64
		want               int
	}{
		{3 * mib, 0, 10 * mib, 234},       // the gateway at 1000 requests/s: goal 10 MB
		{3 * mib, 1 * mib, 10 * mib, 175}, // stacks and globals count in the goal too
		{5 * mib, 0, 10 * mib, 100},       // GOGC=100's goal is the floor already
		{8 * mib, 0, 10 * mib, 100},       // and past it: never under Go's default
		// Nearly empty (a cold start): bounded so that the runtime's own
		// minimum heap, 4 MB × percent/100, stays within the floor.
		{mib / 2, 0, 10 * mib, 250},
		{0, 0, 10 * mib, 250},
		{mib / 2, 0, 64 * mib, 1000}, // and never over 1000
		{0, 0, 2 * mib, 100},         // a floor under Go's minimum changes nothing
	} {
		if got := Percent(c.live, c.roots, c.floor); got != c.want {
			t.Errorf("Percent(%d, %d, %d) = %d, want %d", c.live, c.roots, c.floor, got, c.want)
		}
	}
}

// gcPercent reads GOGC's current percentage (setting it back at once).
func gcPercent() int {
	p := debug.SetGCPercent(basePercent)
	debug.SetGCPercent(p)
	return p
}

type tuning struct {
	live, roots uint64
	percent     int
}

// startSeen starts a tuner that reports each tuning on the channel it
// returns, after start's own.
func startSeen(t *testing.T, floor uint64) (*Tuner, chan tuning) {
	seen := make(chan tuning, 64)
	tu := start(floor, func(live, roots uint64, p int) {
		select {
		case seen <- tuning{live, roots, p}:
		default:
		}
	})
	t.Cleanup(tu.Stop)
	<-seen
	return tu, seen
}

// collect runs collections until the tuner has reported one: the hook runs
// on the cleanup goroutine after the cycle's sweep, and a collection
// forced before its sentinel was armed would free nothing of its.
func collect(t *testing.T, seen chan tuning) tuning {
	deadline := time.Now().Add(time.Minute) // a hook that never runs fails the test, not the suite
	for {
		runtime.GC()
		select {
		case got := <-seen:
			return got
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("no tuning after a minute of collections")
		}
	}
}

// TestTunerSetsThePercentAfterEachCycle: the hook runs after every
// collection and sets the percentage for the heap that cycle marked; Stop
// puts Go's default back.
func TestTunerSetsThePercentAfterEachCycle(t *testing.T) {
	tu, seen := startSeen(t, 64*mib)
	held := make([][]*int, 4*mib/64)
	for i := range held {
		held[i] = make([]*int, 8) // 4 MB live, with pointers
	}
	for range 3 {
		got := collect(t, seen)
		if got.live < 4*mib {
			t.Fatalf("the cycle marked %d bytes live, want the 4 MiB held", got.live)
		}
		if want := Percent(got.live, got.roots, 64*mib); got.percent < want*15/16 || got.percent > want*17/16 {
			t.Fatalf("percent %d for %d live, want about %d", got.percent, got.live, want)
		}
		if p := gcPercent(); p != got.percent {
			t.Fatalf("GOGC is %d, the tuner said it set %d", p, got.percent)
		}
	}
	runtime.KeepAlive(held)
	tu.Stop()
	if p := gcPercent(); p != basePercent {
		t.Fatalf("after Stop GOGC is %d, want %d", p, basePercent)
	}
}

// TestGoalIsTheFloor: the runtime's own heap goal, after the tuner has set
// the percentage, is the floor, for a nearly empty heap (where the
// runtime's minimum heap, scaled by the percentage, would otherwise set
// it) as for a heap a third of the floor.
func TestGoalIsTheFloor(t *testing.T) {
	const floor = 16 * mib
	_, seen := startSeen(t, floor)
	goal := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	check := func(what string) {
		got := collect(t, seen)
		if g := goal(); g < floor*9/10 || g > floor*11/10 {
			t.Errorf("%s (%d live, %d in stacks and globals, percent %d): the heap goal is %.1f MiB, want the floor, %d MiB",
				what, got.live, got.roots, got.percent, float64(g)/mib, floor/mib)
		}
	}
	check("nearly empty")
	held := make([][]*int, 5*mib/64)
	for i := range held {
		held[i] = make([]*int, 8)
	}
	check("5 MiB live")
	runtime.KeepAlive(held)
}

func TestFromEnv(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	tu, err := FromEnv(env())
	if err != nil || tu == nil || tu.floor != DefaultFloorMiB*mib {
		t.Fatalf("unset: %+v, %v; want the default floor", tu, err)
	}
	tu.Stop()
	tu, err = FromEnv(env(EnvFloor, "32"))
	if err != nil || tu == nil || tu.floor != 32*mib {
		t.Fatalf("32: %+v, %v", tu, err)
	}
	tu.Stop()
	for _, off := range [][]string{{EnvFloor, "0"}, {"GOGC", "200"}, {"GOGC", "off"}} {
		if tu, err := FromEnv(env(off...)); err != nil || tu != nil {
			t.Errorf("%v: %+v, %v; want no tuner", off, tu, err)
		}
	}
	for _, bad := range []string{"ten", "-1", "1.5", "10MB"} {
		if _, err := FromEnv(env(EnvFloor, bad)); err == nil || !strings.Contains(err.Error(), EnvFloor) {
			t.Errorf("%q: %v, want an error naming %s", bad, err, EnvFloor)
		}
	}
	if p := gcPercent(); p != basePercent {
		t.Fatalf("after Stop GOGC is %d", p)
	}
}
