package routing

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/config"
)

// Percentage splits traffic between arms by weight, for A/B tests: it picks
// one arm, then lists the other targets after it, in listed order, as
// fallbacks. Weights are relative (70/30 and 0.7/0.3 are the same split).
//
// Without sticky, the arm is drawn at random by weight. With sticky, the
// arm is chosen by weighted rendezvous hashing of the sticky value, so a
// given user keeps its arm across requests and gateway instances while the
// weights stand, and a weight change moves only about as many users as the
// change in share (a user only ever moves to an arm whose weight grew or
// from one whose weight shrank). A request without the sticky value gets a
// random arm.
type Percentage struct {
	weights []float64
	total   float64
	// seeds are per-arm hash seeds for rendezvous hashing, derived from the
	// arm's name and key (not its position), so reordering the targets does
	// not reshuffle users.
	seeds []uint64
	// sticky is the Vars name of the sticky value ("user",
	// "metadata.<k>", "headers.<h>"); metaKey is <k> for the metadata form.
	sticky  string
	metaKey string

	whySticky, whyRandom string
}

var _ Strategy = (*Percentage)(nil)

// NewPercentage validates a percentage router: every target needs a weight
// > 0 or is drained (weight written as 0, no traffic), at least one is
// not drained, and sticky, when set, is user, metadata.<key> or
// header.<name>.
func NewPercentage(r *config.Router, targets []TargetInfo) (*Percentage, error) {
	if len(targets) == 0 {
		return nil, fmt.Errorf("targets: a percentage router needs at least one target")
	}
	weights := make([]float64, len(targets))
	for i, t := range targets {
		switch {
		case t.Drained:
			// weights[i] stays 0: never drawn, never hashed to.
		case !(t.Weight > 0) || math.IsInf(t.Weight, 0):
			return nil, fmt.Errorf("targets[%d].weight: must be > 0, or 0 to drain the target (got %v)", i, t.Weight)
		default:
			weights[i] = t.Weight
		}
	}
	if err := notAllDrained(targets); err != nil {
		return nil, err
	}
	return newPercentage(r, targets, weights)
}

// notAllDrained refuses a router whose every target is drained: it could
// send a request nowhere.
func notAllDrained(targets []TargetInfo) error {
	for _, t := range targets {
		if !t.Drained {
			return nil
		}
	}
	return fmt.Errorf("targets: every target has weight 0 (drained); at least one needs a weight > 0")
}

// NewRandom is vLLora's random strategy: a percentage split with equal
// weights (target weights are ignored), sticky allowed.
func NewRandom(r *config.Router, targets []TargetInfo) (*Percentage, error) {
	if len(targets) == 0 {
		return nil, fmt.Errorf("targets: a random router needs at least one target")
	}
	weights := make([]float64, len(targets))
	for i := range weights {
		weights[i] = 1
	}
	return newPercentage(r, targets, weights)
}

func newPercentage(r *config.Router, targets []TargetInfo, weights []float64) (*Percentage, error) {
	name, metaKey, err := stickyVar(r.Sticky)
	if err != nil {
		return nil, err
	}
	p := &Percentage{
		weights:   weights,
		seeds:     make([]uint64, len(targets)),
		sticky:    name,
		metaKey:   metaKey,
		whyRandom: "arm drawn at random by weight",
	}
	for _, w := range weights {
		p.total += w
	}
	if math.IsInf(p.total, 0) {
		return nil, fmt.Errorf("targets: weights add up to more than a float64 holds")
	}
	seen := map[string]int{}
	for i, t := range targets {
		id := t.Name + "\x00" + t.Key
		if k := seen[id]; k > 0 {
			// Two arms with the same name and model (a split on params
			// only) still need distinct seeds.
			id += "\x00" + strconv.Itoa(k)
		}
		seen[t.Name+"\x00"+t.Key]++
		p.seeds[i] = mix64(fnvString(fnvOffset, id))
	}
	if name != "" {
		p.whySticky = "arm chosen by hashing " + r.Sticky
		p.whyRandom = "arm drawn at random by weight (no " + r.Sticky + " on the request)"
	}
	return p, nil
}

// stickyVar maps the sticky setting to a Vars name.
func stickyVar(s string) (name, metaKey string, err error) {
	switch {
	case s == "":
		return "", "", nil
	case s == "user":
		return "user", "", nil
	case strings.HasPrefix(s, "metadata.") && len(s) > len("metadata."):
		return s, s[len("metadata."):], nil
	case strings.HasPrefix(s, "header.") && len(s) > len("header."):
		return "headers." + strings.ToLower(s[len("header."):]), "", nil
	case strings.HasPrefix(s, "headers.") && len(s) > len("headers."):
		return "headers." + strings.ToLower(s[len("headers."):]), "", nil
	}
	return "", "", fmt.Errorf("sticky: must be user, metadata.<key> or header.<name>, not %q", s)
}

// Order puts the chosen arm first and the other targets after it.
func (s *Percentage) Order(in *Input, targets []TargetInfo, p *Plan) {
	n := min(len(targets), len(s.weights))
	if n == 0 {
		p.Why = "no targets"
		return
	}
	arm, why := s.first(n), "no randomness given: first target"
	if h, ok := s.stickyHash(in); ok {
		arm, why = s.rendezvous(h, n), s.whySticky
	} else if in != nil && in.Rand != nil {
		arm, why = s.draw(in.Rand.Float64(), n), s.whyRandom
	}
	p.Order = append(p.Order, arm)
	for i := range targets[:n] {
		// A drained arm (weight 0) gets no traffic, not even as a fallback.
		if i != arm && s.weights[i] > 0 {
			p.Order = append(p.Order, i)
		}
	}
	p.Route = targets[arm].Name
	p.Why = why
}

// first is the first arm that is not drained.
func (s *Percentage) first(n int) int {
	for i, w := range s.weights[:n] {
		if w > 0 {
			return i
		}
	}
	return 0
}

// draw maps f in [0,1) to an arm with probability weight/total; a drained
// arm (weight 0) is never drawn.
func (s *Percentage) draw(f float64, n int) int {
	r := f * s.total
	last := s.first(n)
	for i, w := range s.weights[:n] {
		if w <= 0 {
			continue
		}
		if r < w {
			return i
		}
		r -= w
		last = i
	}
	return last // rounding left r just above the last weight
}

// rendezvous is weighted highest-random-weight hashing: each arm scores
// -w/ln(u) with u uniform in (0,1) from the value's and the arm's hash; the
// highest score wins. An arm wins with probability w/total, and changing one
// weight only moves users to or from that arm.
func (s *Percentage) rendezvous(h uint64, n int) int {
	best, bestScore := s.first(n), math.Inf(-1)
	for i, w := range s.weights[:n] {
		if w <= 0 {
			continue // drained
		}
		u := (float64(mix64(h^s.seeds[i])>>11) + 0.5) * 0x1p-53 // in (0,1)
		score := -w / math.Log(u)
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	return best
}

// stickyHash hashes the request's sticky value; ok is false when sticky is
// off or the value is absent, empty or not a scalar.
func (s *Percentage) stickyHash(in *Input) (uint64, bool) {
	if s.sticky == "" || in == nil {
		return 0, false
	}
	v, ok := s.lookup(in)
	if !ok {
		return 0, false
	}
	var buf [32]byte
	switch x := v.(type) {
	case string:
		if x == "" {
			return 0, false
		}
		return fnvString(fnvOffset, x), true
	case float64:
		return fnvBytes(fnvOffset, strconv.AppendFloat(buf[:0], x, 'g', -1, 64)), true
	case int:
		return fnvBytes(fnvOffset, strconv.AppendInt(buf[:0], int64(x), 10)), true
	case int64:
		return fnvBytes(fnvOffset, strconv.AppendInt(buf[:0], x, 10)), true
	case bool:
		return fnvBytes(fnvOffset, strconv.AppendBool(buf[:0], x)), true
	case fmt.Stringer: // json.Number
		str := x.String()
		return fnvString(fnvOffset, str), str != ""
	}
	return 0, false
}

func (s *Percentage) lookup(in *Input) (any, bool) {
	if in.Vars != nil {
		return in.Vars.Lookup(s.sticky)
	}
	// Without Vars, read what the request body itself carries.
	if in.Request == nil {
		return nil, false
	}
	switch {
	case s.sticky == "user":
		return in.Request.User, true
	case s.metaKey != "":
		v, ok := in.Request.Metadata[s.metaKey]
		return v, ok
	}
	return nil, false
}

// FNV-1a, 64-bit: stable across processes and releases, unlike
// hash/maphash, so every gateway instance maps a user to the same arm.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func fnvBytes(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

// mix64 is splitmix64's finalizer: FNV's low-entropy high bits become
// uniform, so (hash>>11)/2^53 is a usable uniform draw.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
