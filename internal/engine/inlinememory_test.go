package engine_test

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// retainedHeap is the live heap after collection.
func retainedHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// inlineMemoryBound is what inline routers may leave on the heap, all
// callers together: the cache's budget (4 MiB of estimated bytes, which
// over-estimate) with room for the runtime's own noise.
const inlineMemoryBound = 12 << 20

// TestInlineRoutersRetainBoundedMemory: a stream of distinct inline
// routers — large ones just within the limits, cacheable small ones, and
// ones over the limits — leaves a bounded heap behind. Before the bounds,
// the cache kept 512 compiled routers whatever their size (a 9 MB router
// with a million targets kept ~570 MB; here the large ones alone would
// keep ~40 MB), and over-limit routers were compiled and cached too.
func TestInlineRoutersRetainBoundedMemory(t *testing.T) {
	e := newEngine(t, "providers: {m: {type: mock}}\nrouters: {fb: {strategy: fallback, targets: [m/a]}}\n", nil)
	resolve := func(raw string) (int, string) {
		t.Helper()
		r := req("x", "", 10)
		r.Chat.Extra = map[string]json.RawMessage{"router": json.RawMessage(raw)}
		_, err := e.Resolve(r.Chat, nil)
		if err != nil {
			return err.Status, err.Param
		}
		return 200, ""
	}
	// large: 64 vLLora flat targets with 60 params each, ~31 KB.
	large := func(i int) string {
		ts := make([]string, 64)
		for j := range ts {
			ps := []string{fmt.Sprintf(`"seed":%d`, i)}
			for k := 1; k < 60; k++ {
				ps = append(ps, fmt.Sprintf(`"k%d":1`, k))
			}
			ts[j] = fmt.Sprintf(`{"model":"m/x%d",%s}`, j, strings.Join(ps, ","))
		}
		return `{"strategy":"fallback","targets":[` + strings.Join(ts, ",") + `]}`
	}
	small := func(i int) string {
		return fmt.Sprintf(`{"strategy":"round_robin","targets":["m/a","m/b",{"model":"m/c","params":{"seed":%d}}]}`, i)
	}
	overTargets := func(n int) string {
		return `{"strategy":"fallback","targets":[` + strings.TrimSuffix(strings.Repeat(`"m/a",`, n), ",") + `]}`
	}
	regexBomb := `{"strategy":"conditional","routes":[{"name":"r","when":{"user":{"$regex":"` +
		strings.Repeat(`[a-z]{1000}`, 50) + `"}},"targets":["m/a"]}],"default":"m/b"}`

	before := retainedHeap()
	for i := 0; i < 100; i++ {
		raw := large(i)
		if len(raw) > 32<<10 {
			t.Fatalf("the large router is %d bytes, over the limit", len(raw))
		}
		if st, _ := resolve(raw); st != 200 {
			t.Fatalf("a %d-byte router within the limits: status %d", len(raw), st)
		}
	}
	for i := 0; i < 600; i++ {
		if st, _ := resolve(small(i)); st != 200 {
			t.Fatalf("small router: status %d", st)
		}
	}
	over := []struct {
		raw   string
		param string
	}{
		{overTargets(20000), "router"},      // 120 KB
		{overTargets(200000), "router"},     // 1.2 MB
		{overTargets(65), "router.targets"}, // small, one target too many
		{regexBomb, "router.routes[0].when"},
	}
	for _, o := range over {
		for i := 0; i < 3; i++ {
			if st, param := resolve(o.raw); st != 400 || param != o.param {
				t.Fatalf("a %d-byte router over the limits: status %d param %q, want 400 %q", len(o.raw), st, param, o.param)
			}
		}
	}
	after := retainedHeap()
	retained := int64(after) - int64(before)
	t.Logf("inline routers left %d KiB on the heap", retained>>10)
	if retained > inlineMemoryBound {
		t.Errorf("inline routers left %d MiB on the heap, want at most %d MiB", retained>>20, inlineMemoryBound>>20)
	}
}
