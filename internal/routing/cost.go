package routing

import (
	"fmt"
	"math"
	"strconv"

	"github.com/switchyard-llm/switchyard/internal/config"
)

// Cost tries the target with the cheapest estimated cost for this request
// first (in.Costs, from the request's token estimate and the model's
// price), the others in ascending cost. Targets without a known price
// (models missing from the catalog, and routers, which have no single
// price) follow in listed order. With max_cost_usd set, a priced target
// whose estimate is above it is left out altogether; unpriced targets are
// kept, since nothing says they are over.
type Cost struct {
	max float64 // 0: no cap

	reasonOver string
}

var _ Strategy = (*Cost)(nil)

// NewCost validates a cost router: max_cost_usd, when set, > 0 (0 means no
// cap).
func NewCost(r *config.Router, _ []TargetInfo) (*Cost, error) {
	if !(r.MaxCostUSD >= 0) || math.IsInf(r.MaxCostUSD, 0) {
		return nil, fmt.Errorf("max_cost_usd: must be >= 0 (0 for no cap), not %v", r.MaxCostUSD)
	}
	c := &Cost{max: r.MaxCostUSD}
	c.reasonOver = "excluded: estimate above max_cost_usd " + strconv.FormatFloat(c.max, 'g', -1, 64)
	return c, nil
}

const (
	reasonPriced  = "estimated USD for this request (cheapest first)"
	reasonNoPrice = "no known price (score -1): after priced targets"
)

// Order sorts priced targets by estimate, then the unpriced ones.
func (c *Cost) Order(in *Input, targets []TargetInfo, p *Plan) {
	n := len(targets)
	if in == nil || in.Costs == nil {
		listed(n, p)
		p.Why = "no cost estimates: listed order"
		return
	}
	var keyBuf [scratchSize]float64
	keys := keyBuf[:0]
	if n > scratchSize {
		keys = make([]float64, 0, n)
	}
	excluded := 0
	for i, t := range targets {
		usd, ok := 0.0, false
		if t.Leaf {
			usd, ok = in.Costs.EstimateCost(t.Key)
		}
		switch {
		case !ok || math.IsNaN(usd):
			keys = append(keys, math.Inf(1)) // unpriced: last
			p.SetScore(n, i, -1, reasonNoPrice)
		case c.max > 0 && usd > c.max:
			keys = append(keys, math.NaN()) // excluded
			p.SetScore(n, i, usd, c.reasonOver)
			excluded++
		default:
			keys = append(keys, usd)
			p.SetScore(n, i, usd, reasonPriced)
		}
	}
	base := len(p.Order)
	for i := range targets {
		if !math.IsNaN(keys[i]) {
			p.Order = append(p.Order, i)
		}
	}
	sortByKey(p.Order[base:], keys)
	switch {
	case len(p.Order) == base && excluded > 0:
		p.Why = "every target's estimate is above max_cost_usd"
	case excluded > 0:
		p.Why = "cheapest estimate first; targets above max_cost_usd left out"
	default:
		p.Why = "cheapest estimate first; unpriced targets last"
	}
}
