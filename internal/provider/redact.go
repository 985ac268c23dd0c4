package provider

import (
	"sort"
	"strings"
	"sync"
)

// Every credential the gateway resolves is remembered here so that no
// upstream text can carry it out: an upstream (or a proxy in front of it)
// may echo the key it was sent in an error message, and that message goes
// to the caller, the logs and the traces. Redact is applied where upstream
// text leaves a provider (Error.Error, the engine's error bodies), so a
// provider that forgets to scrub its own key cannot leak it.
var registry struct {
	mu      sync.RWMutex
	values  map[string]struct{}
	ordered []string // values, longest first
}

// minSecretLen keeps short values (an empty or test key like "k") from
// turning ordinary words into "[redacted]".
const minSecretLen = 8

// RegisterSecret adds v to the values Redact removes.
func RegisterSecret(v string) {
	if len(v) < minSecretLen {
		return
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if registry.values == nil {
		registry.values = map[string]struct{}{}
	}
	if _, ok := registry.values[v]; ok {
		return
	}
	registry.values[v] = struct{}{}
	registry.ordered = append(registry.ordered, v)
	sort.Slice(registry.ordered, func(i, j int) bool { return len(registry.ordered[i]) > len(registry.ordered[j]) })
}

// Redact returns s with every registered secret replaced by "[redacted]",
// longest first, so a key that extends another is not left with a tail.
func Redact(s string) string {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	for _, v := range registry.ordered {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return s
}
