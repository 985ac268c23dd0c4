package routing

import (
	"fmt"
	"math"
	"sync"

	"github.com/switchyard-llm/switchyard/internal/config"
)

// Weighted is smooth weighted round robin, nginx's algorithm: every request
// adds each target's weight to its running score, picks the highest score
// (the first listed on a tie) and takes the total weight off the winner.
// Over any run of total-weight requests each target is picked exactly its
// weight's worth of times, spread out rather than in bursts (weights 5,1,1
// give a a b a c a a). The pick is tried first; the others follow in listed
// order as fallbacks.
//
// An unset weight counts as 1; a weight written as 0 drains the target:
// it is never picked and not listed as a fallback either. The state is
// per gateway instance.
type Weighted struct {
	mu      sync.Mutex
	weights []float64
	current []float64
	total   float64
}

var _ Strategy = (*Weighted)(nil)

// NewWeighted validates a weighted router: every weight, when set, > 0,
// or 0 to drain the target; at least one target not drained.
func NewWeighted(_ *config.Router, targets []TargetInfo) (*Weighted, error) {
	if len(targets) == 0 {
		return nil, fmt.Errorf("targets: a weighted router needs at least one target")
	}
	if err := notAllDrained(targets); err != nil {
		return nil, err
	}
	w := &Weighted{weights: make([]float64, len(targets)), current: make([]float64, len(targets))}
	for i, t := range targets {
		switch {
		case t.Drained:
			// weight 0: never picked
		case t.Weight == 0:
			w.weights[i] = 1
		case !(t.Weight > 0) || math.IsInf(t.Weight, 0):
			return nil, fmt.Errorf("targets[%d].weight: must be > 0, or unset for 1 (got %v)", i, t.Weight)
		default:
			w.weights[i] = t.Weight
		}
		w.total += w.weights[i]
	}
	if math.IsInf(w.total, 0) {
		return nil, fmt.Errorf("targets: weights add up to more than a float64 holds")
	}
	return w, nil
}

// Order puts the next pick of the smooth weighted sequence first.
func (w *Weighted) Order(in *Input, targets []TargetInfo, p *Plan) {
	n := min(len(targets), len(w.weights))
	if n == 0 {
		p.Why = "no targets"
		return
	}
	pick := w.pick(in != nil && in.Peek)
	if pick >= n {
		pick = 0
	}
	p.Order = append(p.Order, pick)
	for i := range targets[:n] {
		if i != pick && w.weights[i] > 0 { // a drained target gets nothing
			p.Order = append(p.Order, i)
		}
	}
	p.Why = "smooth weighted round robin"
}

// pick returns the next target of the sequence and, unless peek, moves
// the sequence on.
func (w *Weighted) pick(peek bool) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	best := -1
	for i, wt := range w.weights {
		if wt > 0 && (best < 0 || w.current[i]+wt > w.current[best]+w.weights[best]) {
			best = i
		}
	}
	if best < 0 {
		return 0 // every target drained: NewWeighted refuses that
	}
	if !peek {
		for i, wt := range w.weights {
			w.current[i] += wt
		}
		w.current[best] -= w.total
	}
	return best
}
