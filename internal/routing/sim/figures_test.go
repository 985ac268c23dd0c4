package sim

import (
	"fmt"
	"testing"
)

// BenchmarkLearning reports each learning scenario's figures over 200
// seeds (requests to switch, other share, regret, requests to notice a
// degradation) as benchmark metrics; -v also prints them as table rows.
func BenchmarkLearning(b *testing.B) {
	for _, s := range Learning() {
		b.Run(s.Name, func(b *testing.B) {
			var sum Summary
			for b.Loop() {
				sum = s.Summarize(200)
			}
			b.ReportMetric(float64(sum.SwitchP50), "switch-p50")
			b.ReportMetric(float64(sum.SwitchP95), "switch-p95")
			b.ReportMetric(100*sum.OtherMean, "other-%")
			b.ReportMetric(100*sum.RegretRelMean, "regret-%")
			if sum.NoticedMax >= 0 {
				b.ReportMetric(float64(sum.NoticedP95), "noticed-p95")
			}
			b.Log(sum)
		})
	}
}

// BenchmarkHerding reports each herding scenario's load spread over 5
// seeds.
func BenchmarkHerding(b *testing.B) {
	for _, h := range Herding() {
		b.Run(h.Name, func(b *testing.B) {
			var r HerdResult
			for b.Loop() {
				r = HerdResult{}
				for seed := uint64(1); seed <= 5; seed++ {
					x := h.Run(seed)
					r.CV += x.CV / 5
					r.MaxShare += x.MaxShare / 5
					r.PeakShare = max(r.PeakShare, x.PeakShare)
				}
			}
			b.ReportMetric(r.CV, "cv")
			b.ReportMetric(100*r.MaxShare, "maxshare-%")
			b.ReportMetric(100*r.PeakShare, "peakshare-%")
			b.Log(fmt.Sprintf("| %s | %.3f | %.1f%% | %.1f%% |", h.Name, r.CV, 100*r.MaxShare, 100*r.PeakShare))
		})
	}
}
