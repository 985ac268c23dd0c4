package engine

import (
	"container/list"
	"crypto/sha256"
	"sync"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/routing"
)

// Bounds of the inline-router cache, in estimated retained bytes (see
// inlineCost). Counting entries was not a bound: 512 entries of a
// million-target router each would have been hundreds of gigabytes.
const (
	// inlineCacheBudget is what all cached inline routers may retain
	// together.
	inlineCacheBudget = 4 << 20
	// inlineEntryMax is the largest router kept: a bigger one is compiled
	// for its request and dropped, so a few callers sending large routers
	// cannot push out everyone's small ones. Typical inline routers cost
	// a few KiB.
	inlineEntryMax = 256 << 10
)

// inlineCache holds compiled inline routers by the sha256 of their JSON,
// within a budget of estimated bytes, evicting the least recently used
// first. Losing an entry only costs a recompile (and a rotation restarting)
// when that router comes back.
type inlineCache struct {
	mu sync.Mutex
	// budget and entryMax are the bounds; zero takes the constants
	// (tests set small ones).
	budget, entryMax int
	used             int
	order            *list.List // of *inlineEntry, most recently used first
	byKey            map[[sha256.Size]byte]*list.Element
}

type inlineEntry struct {
	key   [sha256.Size]byte
	route *Route
	cost  int
}

func (c *inlineCache) get(key [sha256.Size]byte) (*Route, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*inlineEntry).route, true
}

// put keeps r unless its cost is above the per-entry bound, evicting the
// least recently used routers until the total fits the budget.
func (c *inlineCache) put(key [sha256.Size]byte, r *Route, cost int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	budget, entryMax := c.bounds()
	if cost > entryMax || cost > budget {
		return
	}
	if c.byKey == nil {
		c.byKey = map[[sha256.Size]byte]*list.Element{}
		c.order = list.New()
	}
	if el, ok := c.byKey[key]; ok {
		// Two requests compiled the same router at once: keep the first,
		// which may already be rotating.
		c.order.MoveToFront(el)
		return
	}
	for c.used+cost > budget {
		c.evictOldest()
	}
	c.byKey[key] = c.order.PushFront(&inlineEntry{key: key, route: r, cost: cost})
	c.used += cost
}

func (c *inlineCache) evictOldest() {
	el := c.order.Back()
	ent := c.order.Remove(el).(*inlineEntry)
	delete(c.byKey, ent.key)
	c.used -= ent.cost
}

func (c *inlineCache) bounds() (budget, entryMax int) {
	budget, entryMax = c.budget, c.entryMax
	if budget == 0 {
		budget = inlineCacheBudget
	}
	if entryMax == 0 {
		entryMax = inlineEntryMax
	}
	return budget, entryMax
}

// usage reports the cache's estimated bytes and entries.
func (c *inlineCache) usage() (bytes, entries int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used, len(c.byKey)
}

// inlineCost estimates the bytes a compiled inline router retains: an
// upper bound of what TestInlineCostCoversRetained measures for the
// shapes that retain the most per byte of JSON (long $or lists, many
// small regexes, $in lists, nested routers).
func (e *Engine) inlineCost(size config.InlineSize, r *routing.Router) int {
	return inlineFixedCost + inlineBytesFactor*size.Bytes +
		inlineRegexCost*size.Regexes + inlineRegexInstCost*size.RegexInsts + e.targetsCost(r)
}

// Figures of inlineCost.
const (
	inlineFixedCost   = 2 << 10
	inlineBytesFactor = 64
	// inlineRegexCost is a compiled regexp's own overhead, and
	// inlineRegexInstCost each instruction of its program.
	inlineRegexCost     = 1536
	inlineRegexInstCost = 64
	inlineTargetCost    = 1 << 10
	// inlineLeafKeyCost is one entry of a target's list of the models
	// under it.
	inlineLeafKeyCost = 16
)

// targetsCost is the fixed cost of r's targets and of those of the
// routers nested in it; named routers it reuses are the config's, kept
// anyway, but each reference lists their models.
func (e *Engine) targetsCost(r *routing.Router) int {
	n := 0
	for i, ch := range r.Children {
		n += inlineTargetCost
		if i < len(r.Targets) {
			n += inlineLeafKeyCost * len(r.Targets[i].Leaves)
		}
		if ch.Router == nil {
			continue
		}
		if named, ok := e.routers[ch.Router.Name]; ok && named == ch.Router {
			continue
		}
		n += e.targetsCost(ch.Router)
	}
	return n
}
