package routing

// Fallback tries targets in the order they are listed.
type Fallback struct{}

var _ Strategy = Fallback{}

// Order lists every target in config order.
func (Fallback) Order(_ *Input, targets []TargetInfo, p *Plan) {
	for i := range targets {
		p.Order = append(p.Order, i)
	}
	p.Why = "targets in listed order"
}
