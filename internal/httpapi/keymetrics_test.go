package httpapi_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestPrometheusKeyLimits: GET /metrics exports each key's configured
// limits and counts the requests its limits refused, by key and limit
// (issue 13's "per-key limits when they exist").
func TestPrometheusKeyLimits(t *testing.T) {
	k := newKeyHarness(t, keysConfig+"admin_keys:\n  - {name: ops, sha256: \"SUM(tok-admin)\"}\n")
	for i, want := range []int{200, 200, 429} {
		if resp, body := k.post("/v1/chat/completions", chatBody("router/fb", false), bearerOf("tok-a")...); resp.StatusCode != want {
			t.Fatalf("request %d: %d %s, want %d", i, resp.StatusCode, body, want)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, k.srv.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer tok-admin")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, raw)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, raw)
	}
	value := func(family, key, limit string) (float64, bool) {
		f := fams[family]
		if f == nil {
			return 0, false
		}
		for _, m := range f.Metric {
			labels := map[string]string{}
			for _, l := range m.Label {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["key"] == key && labels["limit"] == limit {
				if m.Counter != nil {
					return m.Counter.GetValue(), true
				}
				return m.Gauge.GetValue(), true
			}
		}
		return 0, false
	}
	for _, c := range []struct {
		family, key, limit string
		want               float64
	}{
		{"switchyard_key_limit_refusals_total", "team", "requests_per_minute", 1},
		{"switchyard_key_limit", "team", "requests_per_minute", 2},
		{"switchyard_key_limit", "team", "tokens_per_minute", 100000},
	} {
		if got, ok := value(c.family, c.key, c.limit); !ok || got != c.want {
			t.Errorf("%s{key=%q,limit=%q} = %v (present %v), want %v", c.family, c.key, c.limit, got, ok, c.want)
		}
	}
	if _, ok := value("switchyard_key_limit", "free", "requests_per_minute"); ok {
		t.Error("a key without limits is exported with one")
	}
}
