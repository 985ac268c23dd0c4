package emf

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"

	"github.com/switchyard-llm/switchyard/internal/store"
)

// Namespace is the CloudWatch namespace of the metrics.
const Namespace = "Switchyard"

// Metric names, as template.yaml's alarms and dashboard use them. All are
// per attempt; Requests, Served, Failed and Fallbacks count each request
// once, on the attempt that ended it.
const (
	MetricAttempts      = "Attempts"
	MetricAttemptErrors = "AttemptErrors"
	MetricRequests      = "Requests"
	MetricServed        = "Served"
	MetricFailed        = "Failed"
	MetricFallbacks     = "Fallbacks"
	MetricLatency       = "LatencyMs"
	MetricTTFT          = "TTFTMs"
	MetricCost          = "CostUSD"
	MetricTokensIn      = "TokensIn"
	MetricTokensOut     = "TokensOut"
	// MetricSkips counts cooldown skips (store.Sample.Skipped): a line of
	// its own, never an attempt.
	MetricSkips = "CooldownSkips"
)

// Dimensions. Every metric is published without dimensions and by
// Provider; a request assigned a percentage arm or conditional route is
// also published by (Router, Arm), so an A/B experiment can be charted and
// alarmed on in CloudWatch. Only configured routers' arms are published
// (the engine leaves an inline router's caller-chosen names out), so the
// number of metrics stays bounded by the config.
const (
	DimProvider = "Provider"
	DimRouter   = "Router"
	DimArm      = "Arm"
)

// Store is a store.Store whose AddSample also prints an EMF line.
type Store struct {
	store.Store
	mu sync.Mutex
	w  io.Writer
}

// Wrap returns st printing EMF lines to w (os.Stdout under Lambda).
func Wrap(st store.Store, w io.Writer) *Store { return &Store{Store: st, w: w} }

var _ store.SampleObserver = (*Store)(nil)

// AddSample prints s, then stores it.
func (s *Store) AddSample(ctx context.Context, smp store.Sample) error {
	s.ObserveSample(smp)
	return s.Store.AddSample(ctx, smp)
}

// ObserveSample prints s. The engine's recorder calls it for every sample
// and then writes the samples' sums with AddBuckets (passed through to the
// wrapped store), so CloudWatch still gets one line per attempt.
func (s *Store) ObserveSample(smp store.Sample) {
	if line, err := Line(smp); err == nil {
		s.mu.Lock()
		_, _ = s.w.Write(line)
		s.mu.Unlock()
	}
}

type metricDef struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

var definitions = []metricDef{
	{MetricAttempts, "Count"}, {MetricAttemptErrors, "Count"}, {MetricRequests, "Count"}, {MetricServed, "Count"},
	{MetricFailed, "Count"}, {MetricFallbacks, "Count"}, {MetricLatency, "Milliseconds"}, {MetricCost, "None"},
	{MetricTokensIn, "Count"}, {MetricTokensOut, "Count"},
}

// Line renders one sample as an EMF JSON line (newline-terminated).
// Target, router and error class ride along as properties: searchable in
// Logs Insights without multiplying CloudWatch metrics by target.
func Line(smp store.Sample) ([]byte, error) {
	provider, _, _ := strings.Cut(smp.Target, "/")
	b := func(v bool) int {
		if v {
			return 1
		}
		return 0
	}
	defs := definitions
	doc := map[string]any{
		DimProvider: provider, "Target": smp.Target, DimRouter: smp.Router,
		MetricAttempts: 1, MetricAttemptErrors: b(!smp.Success),
		MetricRequests: b(smp.Final), MetricServed: b(smp.Final && smp.Success), MetricFailed: b(smp.Final && !smp.Success),
		MetricFallbacks: b(smp.Final && smp.Fallback), MetricLatency: smp.LatencyMs,
		MetricCost: float64(smp.CostMicros) / 1e6, MetricTokensIn: smp.TokensIn, MetricTokensOut: smp.TokensOut,
	}
	if smp.Skipped {
		// Not an attempt: counted as one it would read as a failed one.
		defs = []metricDef{{MetricSkips, "Count"}}
		doc = map[string]any{DimProvider: provider, "Target": smp.Target, DimRouter: smp.Router, MetricSkips: 1}
	}
	if smp.ErrorClass != "" {
		doc["ErrorClass"] = smp.ErrorClass
	}
	if smp.TTFTMs > 0 {
		doc[MetricTTFT] = smp.TTFTMs
		defs = append(defs[:len(defs):len(defs)], metricDef{MetricTTFT, "Milliseconds"})
	}
	dims := [][]string{{}, {DimProvider}}
	if smp.Arm != "" {
		doc[DimArm] = smp.Arm
		dims = append(dims, []string{DimRouter, DimArm})
	}
	doc["_aws"] = map[string]any{
		"Timestamp": smp.Time.UnixMilli(),
		"CloudWatchMetrics": []any{map[string]any{
			"Namespace":  Namespace,
			"Dimensions": dims,
			"Metrics":    defs,
		}},
	}
	line, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return append(line, '\n'), nil
}
