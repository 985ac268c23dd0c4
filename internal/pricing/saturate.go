package pricing

import "math"

// Money and token figures saturate instead of wrapping. A figure that
// wrapped around int64 turned into a negative budget reservation, which a
// hard budget accepted and which lowered its counter: one request with
// n × max_tokens past 2^63 let hundreds of others through an exhausted
// budget. Saturated, the same figure is merely too expensive to fit.

// MaxMicros is the largest amount Micros returns: math.MaxInt64 micro-USD.
const MaxMicros = math.MaxInt64

// Micros converts usd to integer micro-USD, rounded up so a reservation
// never undercounts. It never returns a negative amount and never wraps:
// NaN, +Inf and amounts beyond MaxMicros are MaxMicros (an unknown or
// unbounded cost must not fit a budget); zero, negative amounts and -Inf
// are 0 (no cost computed from non-negative prices and counts is below
// zero, and a refund is not a cost).
func Micros(usd float64) int64 {
	if math.IsNaN(usd) {
		return MaxMicros
	}
	m := math.Ceil(usd * 1e6)
	switch {
	case m <= 0:
		return 0
	// float64(MaxInt64) is 2^63, one past the largest int64: a value
	// this large or larger does not convert.
	case m >= float64(math.MaxInt64):
		return MaxMicros
	}
	return int64(m)
}

// MulTokens is a × b for non-negative token counts, math.MaxInt when the
// product does not fit. A negative factor counts as 0.
func MulTokens(a, b int) int {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > math.MaxInt/b {
		return math.MaxInt
	}
	return a * b
}
