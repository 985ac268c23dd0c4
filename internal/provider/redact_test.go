package provider

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

type staticSecret string

func (s staticSecret) Resolve(context.Context, string) (string, error) { return string(s), nil }

// redactRuns makes each run's secret new: the registry is process-wide,
// and -count=N runs the test N times in one process.
var redactRuns atomic.Int64

func TestRedact(t *testing.T) {
	secret := fmt.Sprintf("sk-test-redact-%d-0123456789", redactRuns.Add(1))
	if got := Redact("key " + secret); got != "key "+secret {
		t.Fatalf("a value never resolved was redacted: %q", got)
	}
	// Resolving a credential is what registers it.
	if _, err := NewCredential("env:X", staticSecret(secret), 0).Get(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := Redact("Incorrect API key provided: " + secret + "."); got != "Incorrect API key provided: [redacted]." {
		t.Errorf("Redact = %q", got)
	}
	e := &Error{Class: ClassAuth, Status: 401, Message: "bad key " + secret}
	if strings.Contains(e.Error(), secret) {
		t.Errorf("Error() = %q holds the secret", e.Error())
	}
	// Short values are not registered: a key "abc" must not blank out
	// every "abc" in upstream text.
	RegisterSecret("abc")
	if got := Redact("abc"); got != "abc" {
		t.Errorf("a 3-character value was redacted: %q", got)
	}
}

// TestRedactLongestFirst: a key that extends another registered key is
// redacted whole, not as "[redacted]" plus its tail.
func TestRedactLongestFirst(t *testing.T) {
	RegisterSecret("sk-prefix-0123")
	RegisterSecret("sk-prefix-0123-longer-key")
	for i := 0; i < 20; i++ { // map order varied; the result must not
		if got := Redact("key sk-prefix-0123-longer-key"); got != "key [redacted]" {
			t.Fatalf("Redact = %q", got)
		}
	}
}

// TestRedactEncodedForms: an upstream may echo the key URL-encoded (it
// went into a query or form) or base64-encoded (Basic auth, a wrapped
// token), alone or inside a longer value. Each form is redacted.
func TestRedactEncodedForms(t *testing.T) {
	secret := fmt.Sprintf("sk-enc/redact+key=%d-0123456789", redactRuns.Add(1))
	RegisterSecret(secret)
	b64 := base64.StdEncoding.EncodeToString
	tests := []struct {
		name, echoed string
		prefix       int // characters of echoed that encode something else
	}{
		{"query-escaped", url.QueryEscape(secret), 0},
		{"path-escaped", url.PathEscape(secret), 0},
		{"lower-case escapes", strings.ToLower(url.QueryEscape(secret)), 0},
		{"base64", b64([]byte(secret)), 0},
		{"base64 url alphabet", base64.RawURLEncoding.EncodeToString([]byte(secret)), 0},
		{"basic auth", b64([]byte("user:" + secret)), 7},
		{"basic auth, other offset", b64([]byte("ab:" + secret)), 4},
		{"basic auth, third offset", b64([]byte("username:" + secret)), 12},
	}
	const before, after = `{"error": "bad credential `, `"}`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Redact(before + tt.echoed + after)
			if !strings.Contains(got, "[redacted]") {
				t.Fatalf("Redact = %q: nothing redacted", got)
			}
			// Left of the encoded key: at most the characters it shares
			// with its neighbours (2 at each edge, and base64 padding).
			left := len(got) - len(before) - len(after) - len("[redacted]") - tt.prefix
			if left > 4 {
				t.Errorf("Redact = %q leaves %d characters of the encoded key", got, left)
			}
		})
	}
}
