package engine

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// TestInlineCacheEvictsByBytes: the cache holds routers within a byte
// budget, evicting the least recently used, and never keeps one above the
// per-entry bound.
func TestInlineCacheEvictsByBytes(t *testing.T) {
	c := &inlineCache{budget: 100, entryMax: 60}
	key := func(s string) [sha256.Size]byte { return sha256.Sum256([]byte(s)) }
	route := func(s string) *Route { return &Route{Name: s} }
	steps := []struct {
		put  string
		cost int
		get  string // looked up after the put (moves it to the front)
		keep []string
		used int
	}{
		{put: "a", cost: 40, keep: []string{"a"}, used: 40},
		{put: "b", cost: 40, get: "a", keep: []string{"a", "b"}, used: 80},
		// b is now the least recently used.
		{put: "c", cost: 40, keep: []string{"a", "c"}, used: 80},
		// Above the per-entry bound: not kept, nothing evicted for it.
		{put: "big", cost: 61, keep: []string{"a", "c"}, used: 80},
		// 60 more needs 40 freed: a (older than c) goes.
		{put: "d", cost: 60, keep: []string{"c", "d"}, used: 100},
	}
	for i, s := range steps {
		c.put(key(s.put), route(s.put), s.cost)
		if s.get != "" {
			if _, ok := c.get(key(s.get)); !ok {
				t.Fatalf("step %d: %s missing", i, s.get)
			}
		}
		used, entries := c.usage()
		if used != s.used || entries != len(s.keep) {
			t.Errorf("step %d: %d bytes in %d entries, want %d in %d", i, used, entries, s.used, len(s.keep))
		}
		for _, k := range s.keep {
			// Looked up without get, which would change the order.
			if _, ok := c.byKey[key(k)]; !ok {
				t.Errorf("step %d: %s evicted", i, k)
			}
		}
	}
	for _, gone := range []string{"b", "big", "a"} {
		if _, ok := c.get(key(gone)); ok {
			t.Errorf("%s still cached", gone)
		}
	}
}

// inlineShapes are inline routers that retain the most memory per byte of
// JSON once compiled (long condition lists, many regexes, $in lists,
// vLLora flat params, nesting, references to named routers) and the small
// router callers typically send; i makes each one distinct.
var inlineShapes = map[string]func(i int) string{
	"small": func(i int) string {
		return fmt.Sprintf(`{"strategy":"round_robin","timeout":"%ds","targets":["m/a","m/b","m/c"]}`, i+1)
	},
	"or list": func(i int) string {
		return conditional(i, `{"$or":[`+repeatList(`{"user":"a"}`, 2400)+`]}`)
	},
	"many regexes": func(i int) string {
		return conditional(i, `{"$or":[`+repeatList(`{"user":{"$regex":""}}`, 1350)+`]}`)
	},
	"regex program": func(i int) string {
		return conditional(i, `{"user":{"$regex":"`+strings.Repeat(`[a-z]{10}`, 180)+`"}}`)
	},
	"in list": func(i int) string {
		return conditional(i, `{"user":{"$in":[`+repeatList("1", 15000)+`]}}`)
	},
	"flat params": func(i int) string {
		var ts []string
		for j := 0; j < 64; j++ {
			var ks []string
			for k := 0; k < 60; k++ {
				ks = append(ks, fmt.Sprintf(`"k%d":1`, k))
			}
			ts = append(ts, fmt.Sprintf(`{"model":"m/x%d",%s}`, j, strings.Join(ks, ",")))
		}
		return fmt.Sprintf(`{"strategy":"fallback","timeout":"%ds","targets":[%s]}`, i+1, strings.Join(ts, ","))
	},
	"nested": func(i int) string {
		r := `"m/a"`
		for l := 0; l < 7; l++ {
			r = fmt.Sprintf(`{"strategy":"fallback","targets":[%s,"m/b","m/c","m/d","m/e","m/f","m/g","m/h"]}`, r)
		}
		return fmt.Sprintf(`{"strategy":"fallback","timeout":"%ds","targets":[%s]}`, i+1, r)
	},
	"named refs": func(i int) string {
		return fmt.Sprintf(`{"strategy":"fallback","timeout":"%ds","targets":[%s]}`, i+1, repeatList(`{"router":"eight"}`, 64))
	},
}

func conditional(i int, when string) string {
	return fmt.Sprintf(`{"strategy":"conditional","timeout":"%ds","routes":[{"name":"a","when":%s,"targets":["m/a"]}],"default":"m/b"}`, i+1, when)
}

func repeatList(item string, n int) string {
	return strings.TrimSuffix(strings.Repeat(item+",", n), ",")
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestInlineCostCoversRetained: what the cache counts for a compiled
// inline router is at least what it retains, measured on the heap, for
// the shapes that retain the most per byte. So the cache's budget bounds
// real memory. A typical small router fits under the per-entry bound and
// is cached; a router near the size limit is not.
func TestInlineCostCoversRetained(t *testing.T) {
	cfg, err := config.Parse([]byte(`
providers: {m: {type: mock}}
routers:
  eight: {strategy: fallback, targets: [m/a, m/b, m/c, m/d, m/e, m/f, m/g, m/h]}
`))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(cfg, Deps{Store: store.NewMemory(), Logger: slog.New(slog.DiscardHandler), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	e.inline.budget = 1 // cache nothing: the routes kept here are measured
	const n = 8
	for name, shape := range inlineShapes {
		t.Run(name, func(t *testing.T) {
			raws := make([]json.RawMessage, n)
			for i := range raws {
				raws[i] = json.RawMessage(shape(i))
			}
			routes := make([]*Route, 0, n)
			cost := 0
			before := heapInUse()
			for _, raw := range raws {
				route, rerr := e.Resolve(&chat.Request{Model: "x", Extra: map[string]json.RawMessage{"router": raw}}, nil)
				if rerr != nil {
					t.Fatalf("refused: %v", rerr)
				}
				routes = append(routes, route)
			}
			retained := int(heapInUse() - before)
			runtime.KeepAlive(routes)
			for i, raw := range raws {
				_, size, _ := config.DecodeInlineRouter(raw, "router", config.InlineLimits{})
				cost += e.inlineCost(size, routes[i].Router)
			}
			t.Logf("%d bytes of JSON: retains %d, counted %d", len(raws[0]), retained/n, cost/n)
			if retained > cost {
				t.Errorf("%d routers retain %d bytes, the cache would count %d", n, retained, cost)
			}
			if name == "small" && cost/n > inlineEntryMax {
				t.Errorf("a small router counts %d, above the per-entry bound %d: never cached", cost/n, inlineEntryMax)
			}
			if len(raws[0]) > 30<<10 && cost/n <= inlineEntryMax {
				t.Errorf("a %d-byte router counts %d, within the per-entry bound: cached", len(raws[0]), cost/n)
			}
		})
	}
}
