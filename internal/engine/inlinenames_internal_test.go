package engine

import (
	"strconv"
	"testing"
)

// TestInlineNamesArmBound: a caller may send any arm names under a kept
// inline router name; past 64 arms (the most one inline router has), a
// new arm counts under the router without an arm. Known arms keep
// counting, and peeking (explain) admits nothing.
func TestInlineNamesArmBound(t *testing.T) {
	var n InlineNames
	for i := range 64 {
		if s := n.subject("exp", "arm"+strconv.Itoa(i), 8, false, nil); s.router != "inline:exp" || s.arm != "arm"+strconv.Itoa(i) {
			t.Fatalf("arm %d: %+v", i, s)
		}
	}
	if s := n.subject("exp", "arm64", 8, false, nil); s.router != "inline:exp" || s.arm != "" || s.note == "" {
		t.Errorf("65th arm: %+v, want the router without an arm, and a note", s)
	}
	if s := n.subject("exp", "arm3", 8, false, nil); s.arm != "arm3" {
		t.Errorf("a kept arm: %+v", s)
	}
	if s := n.subject("peeked", "a", 8, true, nil); s.router != "inline:peeked" {
		t.Errorf("peek of a new name: %+v, want what a request would get", s)
	}
	if _, kept := n.names["peeked"]; kept {
		t.Error("peeking admitted the name")
	}
	// A bound lowered by a later config: names admitted beyond it stop
	// counting under their own subject.
	n.subject("second", "", 8, false, nil)
	if s := n.subject("second", "", 1, false, nil); s.router != "inline" {
		t.Errorf("name past a lowered bound: %+v", s)
	}
}
