package config

import (
	"fmt"
	"regexp/syntax"
	"strings"
	"testing"
	"time"
)

// TestServerInlineLimits: server.inline may lower the inline limits but
// not raise the size ceilings, and its maxima take a router's ranges.
func TestServerInlineLimits(t *testing.T) {
	const base = "providers: {m: {type: mock}}\nserver:\n  inline: "
	runValidate(t, []validateCase{
		{"lowered", base + "{max_targets: 4, max_bytes: 1024, max_attempts: 3, max_retries: 0, max_timeout: 30s, max_names: 8}", nil},
		{"targets above the ceiling", base + "{max_targets: 65}", []wantErr{{"server.inline.max_targets", "between 1 and 64"}}},
		{"bytes above the ceiling", base + "{max_bytes: 40000}", []wantErr{{"server.inline.max_bytes", "between 1 and 32768"}}},
		{"negative targets", base + "{max_targets: -1}", []wantErr{{"server.inline.max_targets", "between 1 and 64"}}},
		{"attempts", base + "{max_attempts: 51}", []wantErr{{"server.inline.max_attempts", "between 1 and 50"}}},
		{"retries", base + "{max_retries: 11}", []wantErr{{"server.inline.max_retries", "between 0 and 10"}}},
		{"timeout", base + "{max_timeout: 10ms}", []wantErr{{"server.inline.max_timeout", "longer than 50ms"}}},
		{"names", base + "{max_names: 1025}", []wantErr{{"server.inline.max_names", "between 1 and 1024"}}},
		{"negative names", base + "{max_names: -1}", []wantErr{{"server.inline.max_names", "between 1 and 1024"}}},
		{"unknown field", base + "{max_target: 3}", []wantErr{{"server.inline.max_target", "unknown field"}}},
	})
}

func TestInlineLimitsEffective(t *testing.T) {
	zero := 0
	tests := []struct {
		name string
		in   InlineLimits
		want InlineLimits
	}{
		{"defaults", InlineLimits{}, InlineLimits{MaxTargets: 64, MaxBytes: 32768, MaxAttempts: 10, MaxTimeout: Duration(300 * time.Second), MaxNames: 64}},
		{"lowered, zero retries kept", InlineLimits{MaxTargets: 3, MaxBytes: 100, MaxAttempts: 2, MaxRetries: &zero, MaxTimeout: Duration(time.Second), MaxNames: 2},
			InlineLimits{MaxTargets: 3, MaxBytes: 100, MaxAttempts: 2, MaxTimeout: Duration(time.Second), MaxNames: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in.Effective()
			wantRetries := DefaultInlineMaxRetries
			if tt.in.MaxRetries != nil {
				wantRetries = *tt.in.MaxRetries
			}
			if got.MaxRetries == nil || *got.MaxRetries != wantRetries {
				t.Errorf("max_retries %v, want %d", got.MaxRetries, wantRetries)
			}
			got.MaxRetries = nil
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// targets is n model targets, comma-separated.
func targets(n int) string {
	ts := make([]string, n)
	for i := range ts {
		ts[i] = fmt.Sprintf(`"m/t%d"`, i)
	}
	return strings.Join(ts, ",")
}

// TestDecodeInlineRouterLimits: an inline router over a limit is refused
// with the field at fault; targets are counted across routes, default and
// nested routers, and nesting and regex size are bounded before decoding.
func TestDecodeInlineRouterLimits(t *testing.T) {
	lowered := InlineLimits{MaxTargets: 3, MaxBytes: 200, MaxAttempts: 2, MaxRetries: new(int), MaxTimeout: Duration(10 * time.Second)}
	deep := `"m/a"`
	for i := 0; i < 9; i++ {
		deep = fmt.Sprintf(`{"type":"fallback","targets":[%s]}`, deep)
	}
	tests := []struct {
		name string
		lim  InlineLimits
		raw  string
		want []wantErr // empty: accepted
	}{
		{"64 targets", InlineLimits{}, `{"strategy":"fallback","targets":[` + targets(64) + `]}`, nil},
		{"65 targets", InlineLimits{}, `{"strategy":"fallback","targets":[` + targets(65) + `]}`,
			[]wantErr{{"router.targets", "has 65 targets"}}},
		{"nested targets count", InlineLimits{}, `{"strategy":"fallback","targets":[` + targets(32) +
			`,{"type":"round_robin","weight":2,"targets":[` + targets(32) + `]}]}`,
			[]wantErr{{"router.targets", "has 65 targets"}}},
		{"routes and default count", InlineLimits{MaxTargets: 3}, `{"strategy":"conditional","routes":[{"name":"a","when":{"user":"u"},` +
			`"targets":["m/a","m/b"]}],"default":["m/c","m/d"]}`, []wantErr{{"router.targets", "has 4 targets"}}},
		{"a single default counts", InlineLimits{MaxTargets: 3}, `{"strategy":"conditional","routes":[{"name":"a","when":{"user":"u"},` +
			`"targets":["m/a","m/b"]}],"default":"m/c"}`, nil},
		{"32 KiB", InlineLimits{}, `{"strategy":"fallback","targets":["m/a"],"sticky":"` + strings.Repeat("x", 40000) + `"}`,
			[]wantErr{{"router", "is 40053 bytes; an inline router may be at most 32768"}}},
		{"lowered bytes", lowered, `{"strategy":"fallback","targets":["m/a"],"sticky":"` + strings.Repeat("x", 200) + `"}`,
			[]wantErr{{"router", "at most 200 (server.inline.max_bytes)"}}},
		{"lowered targets", lowered, `{"strategy":"fallback","targets":[` + targets(4) + `]}`,
			[]wantErr{{"router.targets", "at most 3 (server.inline.max_targets)"}}},
		{"nesting", InlineLimits{}, deep, []wantErr{{"router.targets[0].targets[0].targets[0].targets[0].targets[0].targets[0].targets[0].targets[0]", "routers nest deeper than 8"}}},
		{"attempts, retries, timeout", InlineLimits{}, `{"strategy":"fallback","targets":["m/a"],"max_attempts":50,"retry":{"max_retries":50},"timeout":"1h"}`,
			[]wantErr{{"router.max_attempts", "at most 10 attempts"}, {"router.retry.max_retries", "at most 10 times"}, {"router.timeout", "at most 5m0s"}}},
		{"at the maxima", InlineLimits{}, `{"strategy":"fallback","targets":["m/a"],"max_attempts":10,"retry":{"max_retries":10},"timeout":"300s"}`, nil},
		{"lowered maxima", lowered, `{"strategy":"fallback","targets":["m/a"],"max_attempts":3,"retry":{"max_retries":1},"timeout":"11s"}`,
			[]wantErr{{"router.max_attempts", "at most 2"}, {"router.retry.max_retries", "at most 0"}, {"router.timeout", "at most 10s"}}},
		{"a nested router's policy", InlineLimits{}, `{"strategy":"fallback","targets":[{"strategy":"fallback","targets":["m/a"],"max_attempts":11}]}`,
			[]wantErr{{"router.targets[0].max_attempts", "at most 10"}}},
		{"regex repetition", InlineLimits{}, `{"strategy":"conditional","routes":[{"name":"a","when":{"$or":[{"user":{"$regex":"[a-z]{1000}[a-z]{1000}[a-z]{1000}"}}]},"targets":["m/a"]}]}`,
			[]wantErr{{"router.routes[0].when", "over 2000 instructions"}}},
		{"ordinary regex", InlineLimits{}, `{"strategy":"conditional","routes":[{"name":"a","when":{"user":{"$regex":"^(alice|bob)[0-9]{1,4}$"}},"targets":["m/a"]}]}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _, err := DecodeInlineRouter([]byte(tt.raw), "router", tt.lim)
			if len(tt.want) == 0 {
				if err != nil || r == nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			checkErrors(t, err, tt.want)
		})
	}
}

// TestRegexInsts: the estimate follows regexp/syntax's size check, which
// the compiled program never exceeds.
func TestRegexInsts(t *testing.T) {
	tests := []struct {
		pattern string
		want    int
	}{
		{"abc", 3},
		{"a*", 3},
		{"ab|cd", 5},
		{"[a-z]{1000}", 1000},
		{"[a-z]{2,5}", 8},
		{"(abcdefghijklmnopqrstuvwxyz){1000}", InlineMaxRegexInsts + 1}, // counting stops at the limit
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			re, err := syntax.Parse(tt.pattern, syntax.Perl)
			if err != nil {
				t.Fatal(err)
			}
			if got := regexInsts(re, InlineMaxRegexInsts); got != tt.want {
				t.Errorf("regexInsts = %d, want %d", got, tt.want)
			}
		})
	}
}
