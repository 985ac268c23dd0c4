package prom

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/switchyard-llm/switchyard/internal/store"
)

func parse(t *testing.T, r *Registry, g Gauges) (map[string]*dto.MetricFamily, string) {
	t.Helper()
	var b bytes.Buffer
	if err := r.Write(&b, g); err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, b.String())
	}
	return fams, b.String()
}

func labelsOf(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.Label {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// TestLabelValuesAreEscaped: whatever a config names its routers or
// budgets, the exposition parses and the values come back as they were
// (invalid UTF-8 replaced).
func TestLabelValuesAreEscaped(t *testing.T) {
	r := New()
	weird := "a\"b\\c\nd}{,="
	r.Sample(store.Sample{Router: weird, Target: "p/" + weird, Success: true, LatencyMs: 12})
	r.Request(weird, "chat", 200, time.Second, false)
	fams, _ := parse(t, r, Gauges{Budgets: []Budget{{Name: "bad\xffutf8", LimitUSD: 1, Known: true}}})
	m := fams["switchyard_attempts_total"].Metric[0]
	if l := labelsOf(m); l["router"] != weird || l["target"] != "p/"+weird || l["provider"] != "p" {
		t.Errorf("labels came back as %q", l)
	}
	if got := labelsOf(fams["switchyard_budget_limit_usd"].Metric[0])["budget"]; got != "bad\uFFFDutf8" {
		t.Errorf("budget label %q", got)
	}
}

// TestHistogramBuckets: an observation lands in the first bucket whose
// bound is at least it, and buckets are cumulative.
func TestHistogramBuckets(t *testing.T) {
	r := New()
	for _, ms := range []float64{10, 50, 60, 400, 1e6} { // 0.01 s, 0.05 s (on a bound), 0.06 s, 0.4 s, past every bound
		r.Sample(store.Sample{Router: "r", Target: "p/m", Success: true, LatencyMs: ms})
	}
	fams, text := parse(t, r, Gauges{})
	h := fams["switchyard_attempt_duration_seconds"].Metric[0].Histogram
	want := map[float64]uint64{0.025: 1, 0.05: 2, 0.1: 3, 0.25: 3, 0.5: 4, 300: 4}
	for _, b := range h.Bucket {
		if w, ok := want[b.GetUpperBound()]; ok && b.GetCumulativeCount() != w {
			t.Errorf("le=%v: %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), w)
		}
	}
	if h.GetSampleCount() != 5 || h.GetSampleSum() != 0.01+0.05+0.06+0.4+1000 {
		t.Errorf("count %d sum %v", h.GetSampleCount(), h.GetSampleSum())
	}
	if !strings.Contains(text, `switchyard_attempt_duration_seconds_bucket{router="r",operation="chat",provider="p",target="p/m",le="+Inf"} 5`) {
		t.Errorf("no +Inf bucket:\n%s", text)
	}
}

// TestSeriesAreCapped: past MaxSeries new label sets are counted under
// "other", so nothing is lost and nothing grows.
func TestSeriesAreCapped(t *testing.T) {
	r := New()
	const n = MaxSeries + 500
	for i := 0; i < n; i++ {
		target := fmt.Sprintf("p/m%d", i)
		r.Sample(store.Sample{Router: "r", Target: target, ErrorClass: "not-a-class"})
		r.Request(fmt.Sprint("router", i), "chat", 200, time.Millisecond, false)
		r.Cooldown(target)
	}
	if r.series > MaxSeries {
		t.Fatalf("%d series, over %d", r.series, MaxSeries)
	}
	fams, _ := parse(t, r, Gauges{})
	var attempts, errs float64
	for _, m := range fams["switchyard_attempts_total"].Metric {
		attempts += m.Counter.GetValue()
	}
	for _, m := range fams["switchyard_errors_total"].Metric {
		errs += m.Counter.GetValue()
		if c := labelsOf(m)["class"]; c != Other {
			t.Fatalf("unknown error class exported as %q", c)
		}
	}
	if attempts != n || errs != n {
		t.Errorf("attempts %v errors %v, want %d each (folded, not dropped)", attempts, errs, n)
	}
	if fams["switchyard_attempts_total"].Metric[0] == nil || series(fams, "switchyard_attempts_total", "target", Other) == 0 {
		t.Error("no series folded into other")
	}
}

func series(fams map[string]*dto.MetricFamily, name, label, value string) int {
	n := 0
	for _, m := range fams[name].GetMetric() {
		if labelsOf(m)[label] == value {
			n++
		}
	}
	return n
}

func TestCodeClass(t *testing.T) {
	for status, want := range map[int]string{200: "2xx", 429: "4xx", 502: "5xx", 0: Other, 600: Other} {
		if got := codeClass(status); got != want {
			t.Errorf("codeClass(%d) = %q, want %q", status, got, want)
		}
	}
}
