package engine

import (
	"net/http"
	"testing"
	"time"
)

// TestLearnReadsHeadersWithoutAllocating: every upstream answer goes past
// learn. It looks its eight rate-limit headers up by their canonical keys:
// a lower-case key would be canonicalised into a new string on each look-up,
// eight allocations per request for an answer that has none of them. And it
// still learns from the headers a provider sends, however it spells them.
func TestLearnReadsHeadersWithoutAllocating(t *testing.T) {
	q := &quotas{learned: map[string]time.Time{}}
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	plain := http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req_1"}}
	if n := testing.AllocsPerRun(100, func() { q.learn("openai", plain, now) }); n != 0 {
		t.Errorf("learn allocated %.0f times for an answer without rate-limit headers", n)
	}
	spent := http.Header{}
	spent.Set("x-ratelimit-remaining-requests", "0")
	spent.Set("x-ratelimit-reset-requests", "20s")
	q.learn("openai", spent, now)
	if got := q.learned["openai"]; !got.Equal(now.Add(20 * time.Second)) {
		t.Errorf("learned %v, want %v", got, now.Add(20*time.Second))
	}
}
