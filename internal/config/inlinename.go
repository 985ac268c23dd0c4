package config

import "fmt"

// InlineNameMax is the longest name an inline router may carry.
const InlineNameMax = 64

// DefaultInlineMaxNames is how many distinct inline router names a
// gateway instance keeps metrics for (server.inline.max_names), and
// MaxInlineNames the most it may be set to: each name's subjects are
// shared metric items, stats and /v1/metrics entries.
const (
	DefaultInlineMaxNames = 64
	MaxInlineNames        = 1024
)

// CheckInlineName reports why name cannot name an inline router, or nil.
// The name becomes part of metric subjects ("inline:<name>",
// "arm/inline:<name>/<arm>", "<target>|inline:<name>|<arm>"), so the
// separators '/', '|' and ':' and anything a log line or a Prometheus
// label would have to escape are kept out: 1 to 64 of A-Z a-z 0-9 _ . -,
// starting with a letter or digit. vLLora's documented names ("dynamic",
// "fastest_latency", "cheapest_script_execution") all fit.
func CheckInlineName(name string) error {
	if name == "" || len(name) > InlineNameMax {
		return fmt.Errorf("must be 1 to %d characters long", InlineNameMax)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '_' && c != '.' && c != '-') {
			return fmt.Errorf("%q must be letters, digits, '_', '.' and '-', starting with a letter or digit", name)
		}
	}
	return nil
}
