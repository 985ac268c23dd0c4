package main

import (
	"testing"
	"time"
)

func TestParseSteal(t *testing.T) {
	stat := []byte("cpu  3253622 88 1027814 6437627 16693 0 189794 17204 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n")
	if d, ok := parseSteal(stat); !ok || d != 17204*10*time.Millisecond {
		t.Fatalf("parseSteal = %v, %v; want 172.04s", d, ok)
	}
	for _, bad := range []string{"", "cpu 1 2 3\n", "intr 1 2 3 4 5 6 7 8 9\n", "cpu 1 2 3 4 5 6 7 x 0 0\n"} {
		if _, ok := parseSteal([]byte(bad)); ok {
			t.Errorf("parseSteal(%q) read a steal time", bad)
		}
	}
}
