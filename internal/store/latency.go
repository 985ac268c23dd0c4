package store

import (
	"math"
	"sort"
)

// The latency histogram is log-scale over whole microseconds (DDSketch's
// mapping): bucket i >= 1 holds the latencies in (γ^(i-2), γ^(i-1)] µs
// and reads back as 2·γ^(i-1)/(γ+1), which is within LatencyRelativeError
// of every latency in it; bucket 0 holds 0 µs (a latency under half a
// microsecond, or a fake clock). A percentile read from merged buckets is
// therefore within LatencyRelativeError of the exact nearest-rank
// percentile of the samples, whatever their distribution. Buckets are
// plain counters keyed by index, so instances sum them with atomic ADDs
// and a bucket item holds only the indexes it saw.
const (
	// LatencyGamma is the ratio between consecutive bucket bounds.
	LatencyGamma = 1.04
	// LatencyRelativeError is (γ−1)/(γ+1), about 1.96%.
	LatencyRelativeError = (LatencyGamma - 1) / (LatencyGamma + 1)
	// MaxLatencyIndex is the last bucket: 2^32 µs (71.6 min) and slower
	// share it, so a bucket item holds at most MaxLatencyIndex+1 counters.
	MaxLatencyIndex = 567
)

var logGamma = math.Log(LatencyGamma)

// LatencyIndex returns the histogram bucket of a latency in microseconds.
func LatencyIndex(us int64) int {
	if us <= 0 {
		return 0
	}
	i := int(math.Ceil(math.Log(float64(us))/logGamma)) + 1
	return max(1, min(i, MaxLatencyIndex))
}

// LatencyValueUs is the value bucket i reads back as, in microseconds.
func LatencyValueUs(i int) float64 {
	if i <= 0 {
		return 0
	}
	return 2 * math.Pow(LatencyGamma, float64(i-1)) / (LatencyGamma + 1)
}

// MsToUs converts a sample's milliseconds to whole microseconds.
func MsToUs(ms float64) int64 {
	if !(ms > 0) {
		return 0
	}
	return int64(math.Round(ms * 1000))
}

// LatencyQuantilesMs reads the nearest-rank q-quantiles (each 0..1) of a
// histogram, in milliseconds: the value of the bucket holding the sample
// of rank ceil(q·n). An empty histogram gives zeros.
func LatencyQuantilesMs(hist map[int]int64, qs ...float64) []float64 {
	out := make([]float64, len(qs))
	var total int64
	idx := make([]int, 0, len(hist))
	for i, n := range hist {
		if n > 0 {
			total += n
			idx = append(idx, i)
		}
	}
	if total == 0 {
		return out
	}
	sort.Ints(idx)
	for k, q := range qs {
		rank := int64(math.Ceil(q * float64(total)))
		rank = max(1, min(rank, total))
		var cum int64
		for _, i := range idx {
			cum += hist[i]
			if cum >= rank {
				out[k] = LatencyValueUs(i) / 1000
				break
			}
		}
	}
	return out
}
