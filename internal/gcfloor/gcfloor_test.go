package gcfloor

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

const mib = 1 << 20

func TestPercent(t *testing.T) {
	for _, c := range []struct {
		live, floor uint64
		want        int
	}{
		{3 * mib, 10 * mib, 234},  // the gateway at 1000 requests/s: goal 10 MB
		{5 * mib, 10 * mib, 100},  // GOGC=100's goal is the floor already
		{8 * mib, 10 * mib, 100},  // and past it: never under Go's default
		{mib / 2, 10 * mib, 1000}, // nearly empty: bounded
		{0, 10 * mib, 1000},
	} {
		if got := Percent(c.live, c.floor); got != c.want {
			t.Errorf("Percent(%d, %d) = %d, want %d", c.live, c.floor, got, c.want)
		}
	}
}

// gcPercent reads GOGC's current percentage (setting it back at once).
func gcPercent() int {
	p := debug.SetGCPercent(basePercent)
	debug.SetGCPercent(p)
	return p
}

// TestTunerSetsThePercentAfterEachCycle: the hook runs after every
// collection and sets the percentage for the live heap that cycle marked;
// Stop puts Go's default back.
func TestTunerSetsThePercentAfterEachCycle(t *testing.T) {
	type tuning struct {
		live    uint64
		percent int
	}
	seen := make(chan tuning, 64)
	tu := start(64*mib, func(live uint64, p int) {
		select {
		case seen <- tuning{live, p}:
		default:
		}
	})
	defer tu.Stop()
	<-seen // start's own
	held := make([][]*int, 4*mib/64)
	for i := range held {
		held[i] = make([]*int, 8) // 4 MB live, with pointers
	}
	for range 3 {
		runtime.GC()
		var got tuning
		select {
		case got = <-seen:
		case <-time.After(time.Minute): // a hook that never runs fails the test, not the suite
			t.Fatal("no tuning after a collection")
		}
		if got.live < 4*mib {
			t.Fatalf("the cycle marked %d bytes live, want the 4 MiB held", got.live)
		}
		if want := Percent(got.live, 64*mib); got.percent < want*15/16 || got.percent > want*17/16 {
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

// TestFloorCutsCollections: allocating the same garbage over the same live
// heap takes far fewer collections with a floor than at GOGC=100.
func TestFloorCutsCollections(t *testing.T) {
	held := make([]byte, 8*mib) // a live heap GOGC=100 collects every 8 MB over
	for i := range held {
		held[i] = 1
	}
	churn := func() uint32 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		before := ms.NumGC
		var sink []byte
		for range 256 * 1024 { // 256 MiB in 1 KiB pieces
			sink = make([]byte, 1024)
		}
		runtime.KeepAlive(sink)
		runtime.ReadMemStats(&ms)
		return ms.NumGC - before
	}
	plain := churn()
	tu := Start(64 * mib)
	churn() // the first cycles run at the old pace while the hook takes over
	floored := churn()
	tu.Stop()
	runtime.KeepAlive(held)
	t.Logf("collections for 256 MiB of garbage: %d at GOGC=100, %d with a 64 MiB floor", plain, floored)
	if floored*3 > plain {
		t.Fatalf("a 64 MiB floor took %d collections, GOGC=100 %d: want a third or fewer", floored, plain)
	}
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
