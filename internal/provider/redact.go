package provider

import (
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
	mu     sync.RWMutex
	values map[string]struct{}
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
	registry.values[v] = struct{}{}
}

// Redact returns s with every registered secret replaced by "[redacted]".
func Redact(s string) string {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	for v := range registry.values {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return s
}
