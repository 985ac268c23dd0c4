package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/switchyard-llm/switchyard/internal/httpapi"
)

// scrape reads GET /metrics and parses it with Prometheus' own strict text
// parser: a malformed line, a duplicate series or a bad histogram fails
// the test.
func (o *observed) scrape() map[string]*dto.MetricFamily {
	o.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, o.srv.URL+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		o.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		o.t.Fatalf("/metrics: %d %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body.String())
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body.Bytes()))
	if err != nil {
		o.t.Fatalf("/metrics does not parse: %v\n%s", err, body.String())
	}
	for name := range fams {
		if !strings.HasPrefix(name, "switchyard_") {
			o.t.Errorf("metric %s lacks the switchyard_ prefix", name)
		}
	}
	return fams
}

// series finds the one series of family name whose labels include want
// ("k=v" pairs); nil when none.
func series(fams map[string]*dto.MetricFamily, name string, want ...string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for _, kv := range want {
			k, v, _ := strings.Cut(kv, "=")
			if have[k] != v {
				continue next
			}
		}
		return m
	}
	return nil
}

func value(m *dto.Metric) float64 {
	switch {
	case m == nil:
		return math.NaN()
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return math.NaN()
}

// TestPrometheusAfterKnownTraffic sends known traffic and checks the
// figures a dashboard would read.
func TestPrometheusAfterKnownTraffic(t *testing.T) {
	o := newObserved(t, "")
	o.fake.Script("m1", openaiStatus(500))
	mustStatus(t, o, "router/fb", false, 200) // m1 fails, m2 serves (19 in, 10 out)
	mustStatus(t, o, "router/fb", true, 200)  // streamed on m1 (9 in, 6 out)
	mustStatus(t, o, "router/capped", false, 429)
	o.fake.Script("m1", openaiStatus(401))    // a credential failure: m1 cools down at once
	mustStatus(t, o, "router/fb", false, 200) // served by m2
	if err := o.src.Engine().Flush(context.Background(), true); err != nil {
		t.Fatal(err)
	}

	fams := o.scrape()
	m1, m2 := []string{"router=fb", "provider=up", "target=up/m1"}, []string{"router=fb", "provider=up", "target=up/m2"}
	with := func(base []string, more ...string) []string { return append(append([]string(nil), base...), more...) }
	tests := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"switchyard_requests_total", []string{"router=fb", "code=2xx"}, 3},
		{"switchyard_requests_total", []string{"router=capped", "code=4xx"}, 1},
		{"switchyard_request_duration_seconds", []string{"router=fb"}, 3},
		{"switchyard_fallbacks_total", []string{"router=fb"}, 2},
		{"switchyard_attempts_total", with(m1, "outcome=error"), 2},
		{"switchyard_attempts_total", with(m1, "outcome=success"), 1},
		{"switchyard_attempts_total", with(m2, "outcome=success"), 2},
		{"switchyard_attempts_total", with(m2, "outcome=error"), 0},
		{"switchyard_errors_total", with(m1, "class=server_error"), 1},
		{"switchyard_errors_total", with(m1, "class=auth"), 1},
		{"switchyard_attempt_duration_seconds", m1, 3},
		{"switchyard_attempt_duration_seconds", m2, 2},
		{"switchyard_time_to_first_token_seconds", m1, 1},
		{"switchyard_tokens_total", with(m1, "direction=input"), 9},
		{"switchyard_tokens_total", with(m1, "direction=output"), 6},
		{"switchyard_tokens_total", with(m2, "direction=input"), 38},
		{"switchyard_tokens_total", with(m2, "direction=output"), 20},
		{"switchyard_cost_usd_total", m1, 21e-6},
		{"switchyard_cost_usd_total", m2, 78e-6},
		{"switchyard_cooldowns_total", []string{"target=up/m1"}, 1},
		{"switchyard_cooling_down", []string{"target=up/m1"}, 1},
		{"switchyard_budget_limit_usd", []string{"budget=fb-daily"}, 100},
		{"switchyard_budget_spent_usd", []string{"budget=fb-daily"}, 99e-6},
		{"switchyard_budget_remaining_usd", []string{"budget=fb-daily"}, 100 - 99e-6},
		{"switchyard_budget_remaining_usd", []string{"budget=capped-daily"}, 0.000000001},
		{"switchyard_in_flight_requests", nil, 0},
		{"switchyard_max_in_flight_requests", nil, httpapi.DefaultMaxInFlight},
	}
	for _, tt := range tests {
		t.Run(tt.name+fmt.Sprint(tt.labels), func(t *testing.T) {
			got := value(series(fams, tt.name, tt.labels...))
			if math.Abs(got-tt.want) > 1e-9 || math.IsNaN(got) {
				t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
			}
		})
	}
	if m := series(fams, "switchyard_budget_limit_usd", "budget=per-user"); m != nil {
		t.Error("a per-user budget (one counter per user) is exported")
	}
	// The histogram's buckets are cumulative: never decreasing, never
	// past the count.
	h := series(fams, "switchyard_attempt_duration_seconds", m1...).Histogram
	var prev uint64
	for _, b := range h.GetBucket() {
		if c := b.GetCumulativeCount(); c < prev || c > h.GetSampleCount() {
			t.Errorf("histogram buckets not cumulative: %v", h.GetBucket())
		}
		prev = b.GetCumulativeCount()
	}
}

func mustStatus(t *testing.T, o *observed, model string, stream bool, want int) {
	t.Helper()
	resp, body := o.post("/v1/chat/completions", chatBody(model, stream))
	if resp.StatusCode != want {
		t.Fatalf("%s: %d %s, want %d", model, resp.StatusCode, body, want)
	}
}

// TestPrometheusLabelsStayBounded: callers naming hundreds of made-up
// models, directly and through inline routers with names of their own,
// add no label value beyond the config's routers and targets and one
// "<provider>/other"; the exposition still parses.
func TestPrometheusLabelsStayBounded(t *testing.T) {
	o := newObserved(t, "")
	hostile := func(i int) string {
		return fmt.Sprintf(`up/evil-%d-"quoted"-{brace}-\back\slash-%s`, i, strings.Repeat("x", 200))
	}
	send := func(from, to int) {
		for i := from; i < to; i++ {
			mustStatus(t, o, hostile(i), false, 200)
			inline := map[string]any{"model": "router", "messages": []any{map[string]any{"role": "user", "content": "hi"}},
				"router": map[string]any{"name": fmt.Sprintf("inline-%d", i), "strategy": "fallback",
					"targets": []any{map[string]any{"model": hostile(i)}}}}
			if resp, body := o.post("/v1/chat/completions", inline); resp.StatusCode != 200 {
				t.Fatalf("inline: %d %s", resp.StatusCode, body)
			}
		}
	}
	labelValues := func() (map[string]bool, int) {
		fams := o.scrape()
		vals, n := map[string]bool{}, 0
		for _, f := range fams {
			for _, m := range f.Metric {
				n++
				for _, l := range m.Label {
					if l.GetName() == "router" || l.GetName() == "target" {
						vals[l.GetName()+"="+l.GetValue()] = true
					}
				}
			}
		}
		return vals, n
	}
	send(0, 20)
	vals, n := labelValues()
	for v := range vals {
		switch v {
		case "router=direct", "router=inline", "target=up/other":
		default:
			t.Errorf("unexpected label value %q", v)
		}
	}
	send(20, 60)
	if _, n2 := labelValues(); n2 != n {
		t.Errorf("40 more made-up models grew the scrape from %d to %d series", n, n2)
	}
}
