package sim

import (
	"fmt"
	"slices"
)

// Summary is a scenario's figures over many seeds.
type Summary struct {
	Name  string
	Seeds int
	// Switch percentiles, in requests (Requests+1 means never).
	SwitchP50, SwitchP90, SwitchP95, SwitchMax int
	// OtherMean and OtherP90 are the mean and 90th percentile of
	// Result.OtherShare.
	OtherMean, OtherP90 float64
	// RegretMean and RegretRelMean average Result.Regret and RegretRel.
	RegretMean, RegretRelMean float64
	// Noticed percentiles (-1 without degradation).
	NoticedP50, NoticedP90, NoticedP95, NoticedMax int
}

// Summarize runs s with seeds 1..seeds.
func (s Scenario) Summarize(seeds int) Summary {
	sum := Summary{Name: s.Name, Seeds: seeds}
	var sw, no []int
	var other []float64
	for seed := 1; seed <= seeds; seed++ {
		r := s.Run(uint64(seed))
		sw = append(sw, r.Switch)
		no = append(no, r.Noticed)
		other = append(other, r.OtherShare)
		sum.OtherMean += r.OtherShare / float64(seeds)
		sum.RegretMean += r.Regret / float64(seeds)
		sum.RegretRelMean += r.RegretRel / float64(seeds)
	}
	slices.Sort(sw)
	slices.Sort(no)
	slices.Sort(other)
	sum.SwitchP50, sum.SwitchP90, sum.SwitchP95, sum.SwitchMax = pct(sw, 50), pct(sw, 90), pct(sw, 95), sw[len(sw)-1]
	sum.NoticedP50, sum.NoticedP90, sum.NoticedP95, sum.NoticedMax = pct(no, 50), pct(no, 90), pct(no, 95), no[len(no)-1]
	sum.OtherP90 = other[(len(other)*90+99)/100-1]
	return sum
}

// pct is the p-th percentile of sorted xs (nearest rank).
func pct(xs []int, p int) int { return xs[(len(xs)*p+99)/100-1] }

// String is one Markdown table row: name, switch p50/p90/p95/max, other
// share mean/p90, regret mean (relative), noticed p50/p95/max.
func (s Summary) String() string {
	noticed := "–"
	if s.NoticedMax >= 0 {
		noticed = fmt.Sprintf("%d / %d / %d", s.NoticedP50, s.NoticedP95, s.NoticedMax)
	}
	return fmt.Sprintf("| %s | %d / %d / %d / %d | %.1f%% / %.1f%% | %.3g (%.1f%%) | %s |",
		s.Name, s.SwitchP50, s.SwitchP90, s.SwitchP95, s.SwitchMax, 100*s.OtherMean, 100*s.OtherP90,
		s.RegretMean, 100*s.RegretRelMean, noticed)
}
