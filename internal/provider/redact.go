package provider

import (
	"encoding/base64"
	"net/url"
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

// RegisterSecret adds v, and the forms an upstream may echo it in, to the
// values Redact removes: v itself, URL-encoded (a key that went into a
// query or a form body) and base64 (an Authorization: Basic header, a
// token some proxy wraps), so an upstream cannot leak it by echoing what
// it received.
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
	for _, f := range secretForms(v) {
		if _, ok := registry.values[f]; ok || len(f) < minSecretLen {
			continue
		}
		registry.values[f] = struct{}{}
		registry.ordered = append(registry.ordered, f)
	}
	sort.Slice(registry.ordered, func(i, j int) bool { return len(registry.ordered[i]) > len(registry.ordered[j]) })
}

// secretForms lists v and its encodings. A key base64-encoded inside a
// longer value ("user:key" in Basic auth) starts at any of three byte
// offsets; for each, the run of base64 characters that depends on the key's
// bytes alone is the same whatever surrounds it, so those three runs (in
// the standard and the URL alphabet) find it anywhere. At most a couple of
// characters at its edges, which also depend on the neighbours, are left.
func secretForms(v string) []string {
	forms := []string{v, url.QueryEscape(v), url.PathEscape(v), lowerEscapes(url.QueryEscape(v))}
	for shift := 0; shift < 3; shift++ {
		buf := append(make([]byte, shift), v...)
		from := (8*shift + 5) / 6      // first character free of the prefix's bits
		to := 8 * (shift + len(v)) / 6 // characters wholly inside the key
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			forms = append(forms, enc.EncodeToString(buf)[from:to])
		}
	}
	return forms
}

// lowerEscapes writes %2F as %2f: encoders differ in the case of their
// hex digits.
func lowerEscapes(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = lowerHex(b[i+1]), lowerHex(b[i+2])
		}
	}
	return string(b)
}

func lowerHex(c byte) byte {
	if 'A' <= c && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
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
