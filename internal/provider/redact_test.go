package provider

import (
	"context"
	"fmt"
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
