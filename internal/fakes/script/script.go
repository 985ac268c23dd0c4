// Package script is the bookkeeping every provider fake shares: a default
// reply, per-model scripts of replies, hit counts and the requests
// received. A fake embeds a *Book and decides what a reply means.
package script

import "sync"

// Book records what a fake received and hands out scripted replies. R is
// the fake's reply type, Q its request record. Safe for concurrent use.
type Book[R, Q any] struct {
	mu       sync.Mutex
	reply    R
	scripts  map[string][]R
	hits     map[string]int
	requests []Q
}

// NewBook returns an empty book whose default reply is def.
func NewBook[R, Q any](def R) *Book[R, Q] {
	return &Book[R, Q]{reply: def, scripts: map[string][]R{}, hits: map[string]int{}}
}

// SetReply sets the answer to requests no script covers.
func (b *Book[R, Q]) SetReply(r R) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reply = r
}

// Script queues replies for a model: its next request gets replies[0], and
// so on; once they run out the model gets the SetReply answer.
func (b *Book[R, Q]) Script(model string, replies ...R) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.scripts[model] = append(b.scripts[model], replies...)
}

// Hits is how many requests for model were answered.
func (b *Book[R, Q]) Hits(model string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.hits[model]
}

// Requests returns the requests recorded, in order.
func (b *Book[R, Q]) Requests() []Q {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Q(nil), b.requests...)
}

// Record keeps a request.
func (b *Book[R, Q]) Record(q Q) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.requests = append(b.requests, q)
}

// Next counts a hit on model and returns its next scripted reply, or the
// default.
func (b *Book[R, Q]) Next(model string) R {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.hits[model]++
	r := b.reply
	if s := b.scripts[model]; len(s) > 0 {
		r, b.scripts[model] = s[0], s[1:]
	}
	return r
}
