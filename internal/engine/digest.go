package engine

import (
	"context"
	"sync"
	"time"

	"github.com/switchyard-llm/switchyard/internal/store"
)

// digestMaxAge is how old a shared-state digest may be and still be used.
// The aggregator rebuilds it every 5 s; one older than this means the
// builder stopped, and reading the partitions is better than acting on
// stale cooldowns and in-flight counts.
const digestMaxAge = 30 * time.Second

// digestCache holds the last digest read. The three snapshots (cooldowns,
// stats, in-flight) turn stale together and each asks for the digest when
// it refreshes: the first asks the store, the others reuse that read, so a
// container reads one item per refresh interval.
type digestCache struct {
	fetch     sync.Mutex // serialises reads of the store; held across the I/O
	mu        sync.Mutex // guards the fields; never held across I/O (note runs on a request's path)
	fetchedAt time.Time
	d         *store.Digest // nil: none, or too old to use
	// journal holds this instance's own cooldown changes, which a digest
	// built before them does not show yet.
	journal map[string]cooldownChange
}

type cooldownChange struct {
	until   time.Time
	cleared bool
	at      time.Time
}

// freshDigest returns the digest if the store has one built less than
// digestMaxAge ago, reading it at most once per refresh interval; nil
// otherwise, and the caller reads the partitions.
func (s *sharedState) freshDigest(ctx context.Context) *store.Digest {
	c := &s.digest
	c.fetch.Lock()
	defer c.fetch.Unlock()
	now := s.now()
	c.mu.Lock()
	if !c.fetchedAt.IsZero() && now.Sub(c.fetchedAt) < refreshEvery {
		d := c.d
		c.mu.Unlock()
		return d
	}
	c.mu.Unlock()
	d, ok, err := s.st.LoadDigest(ctx)
	var use *store.Digest
	if err != nil {
		s.log.Warn("shared-state digest read failed; reading the partitions", "err", err)
	} else if age := now.Sub(d.BuiltAt); ok && age <= digestMaxAge && age >= -digestMaxAge {
		use = &d
	}
	c.mu.Lock()
	c.fetchedAt, c.d = now, use
	c.mu.Unlock()
	return use
}

// expire makes the next freshDigest read the store.
func (c *digestCache) expire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fetchedAt = time.Time{}
}

// note records one of this instance's own cooldown changes.
func (c *digestCache) note(target string, until time.Time, cleared bool, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.journal == nil {
		c.journal = map[string]cooldownChange{}
	}
	for t, ch := range c.journal {
		if now.Sub(ch.at) > digestMaxAge {
			delete(c.journal, t) // every digest used now was built after it
		}
	}
	c.journal[target] = cooldownChange{until: until, cleared: cleared, at: now}
}

// digestCooldowns is d's cooldowns with this instance's own changes made
// since d was built applied on top: a container that just cooled a
// target down (or saw its probe succeed) must not undo that on its next
// refresh because the digest is a few seconds older.
func (s *sharedState) digestCooldowns(d *store.Digest) map[string]time.Time {
	out := make(map[string]time.Time, len(d.Cooldowns))
	for k, v := range d.Cooldowns {
		out[k] = v
	}
	c := &s.digest
	c.mu.Lock()
	defer c.mu.Unlock()
	for target, ch := range c.journal {
		if !ch.at.After(d.BuiltAt) {
			continue
		}
		if ch.cleared {
			delete(out, target)
		} else {
			out[target] = ch.until
		}
	}
	return out
}
