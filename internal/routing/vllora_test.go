package routing

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/condition"
	"github.com/switchyard-llm/switchyard/internal/config"
)

// vlloraRouter compiles the inline router of a request body fixture in
// internal/config/testdata/vllora, as the engine would.
func vlloraRouter(t *testing.T, file string) *Router {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "config", "testdata", "vllora", file))
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Router json.RawMessage }
	if err := json.Unmarshal(data, &body); err != nil {
		t.Fatal(err)
	}
	rc, err := config.DecodeRouterJSON(body.Router, "router")
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	cfg, err := config.Parse([]byte(`providers: {openai: {type: mock}, deepseek: {type: mock}, anthropic: {type: mock}, meta: {type: mock}}`))
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewCompiler(cfg).Inline(rc, "router")
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return r
}

func keys(e *Expansion) string {
	var out []string
	for _, c := range e.Candidates {
		out = append(out, c.Key)
	}
	return strings.Join(out, " ")
}

// TestVLLoraFixturesRouteAsVLLora: vLLora's routers, as its docs and
// tests write them, pick the target vLLora would pick first (the rest of
// Switchyard's order are fallbacks, which vLLora does not have for these
// strategies).
func TestVLLoraFixturesRouteAsVLLora(t *testing.T) {
	t.Run("conditional: first route whose conditions hold", func(t *testing.T) {
		r := vlloraRouter(t, "conditional_metadata.json")
		for vars, want := range map[string]string{
			"EU": "meta/model",              // meta_route
			"US": "anthropic/claude-4-opus", // basic_user: all: [] holds for every request
		} {
			got := keys(Expand(r, &Input{Vars: condition.MapVars{"metadata.region": vars}}, false))
			if got != want {
				t.Errorf("region %s: %q, want %q", vars, got, want)
			}
		}
	})
	t.Run("conditional: routing envelope, any, $any pools", func(t *testing.T) {
		r := vlloraRouter(t, "conditional_routing_key.json")
		for _, tt := range []struct {
			tier, region, want string
		}{
			// free_or_eu: a pool sorted by ttft; with no figures yet, listed order.
			{"free", "US", "anthropic/claude-4-opus openai/gpt-4o"},
			{"premium", "EU", "anthropic/claude-4-opus openai/gpt-4o"},
			// cheap: a pool by price; with no prices known, listed order.
			{"basic", "US", "openai/gpt-4o-mini anthropic/claude-3-haiku"},
			// No route holds: vLLora fails ("No conditional route matched"),
			// so does Switchyard (an empty plan is a 400).
			{"premium", "US", ""},
		} {
			in := &Input{Vars: condition.MapVars{"metadata.user.tier": tt.tier, "metadata.region": tt.region}}
			if got := keys(Expand(r, in, false)); got != tt.want {
				t.Errorf("%s/%s: %q, want %q", tt.tier, tt.region, got, tt.want)
			}
		}
	})
	t.Run("percentage of 0 gets no traffic", func(t *testing.T) {
		r := vlloraRouter(t, "percentage_drained.json")
		for i := range 200 {
			e := Expand(r, &Input{Rand: seeded(uint64(i))}, false)
			if len(e.Candidates) != 1 || e.Candidates[0].Params["frequence_penality"] != 1.0 {
				t.Fatalf("request %d: %+v, want only the 100%% arm", i, e.Candidates)
			}
		}
	})
	t.Run("random reaches every target", func(t *testing.T) {
		r := vlloraRouter(t, "random.json")
		first := map[string]int{}
		for i := range 200 {
			first[Expand(r, &Input{Rand: seeded(uint64(i))}, false).Candidates[0].Key]++
		}
		if first["openai/gpt-4o-mini"] < 70 || first["deepseek/deepseek-chat"] < 70 {
			t.Errorf("first picks %v, want about half each", first)
		}
	})
	t.Run("metrics_duration Total reads the 24h window", func(t *testing.T) {
		r := vlloraRouter(t, "metrics_duration.json")
		e := Expand(r, &Input{}, true)
		if o, ok := r.Strategy.(*Optimized); !ok || o.window.String() != "24h0m0s" || o.metric.name != "latency" {
			t.Errorf("strategy %+v, want optimized latency over 24h", r.Strategy)
		}
		if keys(e) != "openai/gpt-4" {
			t.Errorf("candidates %q", keys(e))
		}
	})
}

// TestVLLoraMetricSpellings: every metric vLLora's MetricSelector has
// had is either one of optimized's or refused with the reason.
func TestVLLoraMetricSpellings(t *testing.T) {
	for _, tt := range []struct {
		metric, want, err string
	}{
		{"requests", "requests", ""},
		{"latency", "latency", ""},
		{"ttft", "ttft", ""},
		{"tps", "tps", ""},
		{"error_rate", "error_rate", ""},
		{"requests_duration", "latency", ""},
		{"llm_usage", "cost", ""},
		{"input_tokens", "", `metric: "input_tokens" is not supported: token counts per target`},
		{"output_tokens", "", `metric: "output_tokens" is not supported`},
		{"total_tokens", "", `metric: "total_tokens" is not supported`},
	} {
		t.Run(tt.metric, func(t *testing.T) {
			s, err := buildStrategy(&config.Router{Strategy: "optimized", Metric: tt.metric}, models("a", "b"))
			wantErr(t, err, tt.err)
			if tt.err == "" && s.(*Optimized).metric.name != tt.want {
				t.Errorf("metric %q ranks by %q, want %q", tt.metric, s.(*Optimized).metric.name, tt.want)
			}
		})
	}
	_, err := buildStrategy(&config.Router{Strategy: "script"}, models("a"))
	wantErr(t, err, `strategy: "script" is not supported`)
}
