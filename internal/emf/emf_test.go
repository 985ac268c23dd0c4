package emf

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/store"
)

func TestAddSamplePrintsAndStores(t *testing.T) {
	at := time.Date(2026, 11, 2, 10, 4, 0, 0, time.UTC)
	tests := []struct {
		name   string
		sample store.Sample
		want   map[string]float64
		props  map[string]string
		dims   string // the directive's dimension sets, as JSON
	}{{
		name: "served after a fallback",
		sample: store.Sample{Target: "anthropic/claude-haiku-4-5", Router: "fb", Time: at, Success: true, Final: true, Fallback: true,
			LatencyMs: 812, TTFTMs: 140, TokensIn: 20, TokensOut: 35, CostMicros: 1250},
		want: map[string]float64{"Attempts": 1, "AttemptErrors": 0, "Requests": 1, "Served": 1, "Failed": 0, "Fallbacks": 1,
			"LatencyMs": 812, "TTFTMs": 140, "CostUSD": 0.00125, "TokensIn": 20, "TokensOut": 35},
		props: map[string]string{"Provider": "anthropic", "Target": "anthropic/claude-haiku-4-5", "Router": "fb"},
		dims:  `[[],["Provider"]]`,
	}, {
		name:   "failed attempt that a later one replaced",
		sample: store.Sample{Target: "openai/gpt-4o-mini", Router: "fb", Time: at, ErrorClass: "server_error", LatencyMs: 41},
		want: map[string]float64{"Attempts": 1, "AttemptErrors": 1, "Requests": 0, "Served": 0, "Failed": 0, "Fallbacks": 0,
			"LatencyMs": 41, "CostUSD": 0, "TokensIn": 0, "TokensOut": 0},
		props: map[string]string{"Provider": "openai", "ErrorClass": "server_error"},
		dims:  `[[],["Provider"]]`,
	}, {
		name: "percentage arm: also published by router and arm",
		sample: store.Sample{Target: "openai/gpt-4o", Router: "ab", Arm: "treatment", Time: at, Success: true, Final: true,
			LatencyMs: 300, TokensIn: 10, TokensOut: 5, CostMicros: 75},
		want: map[string]float64{"Attempts": 1, "AttemptErrors": 0, "Requests": 1, "Served": 1, "Failed": 0, "Fallbacks": 0,
			"LatencyMs": 300, "CostUSD": 0.000075, "TokensIn": 10, "TokensOut": 5},
		props: map[string]string{"Provider": "openai", "Router": "ab", "Arm": "treatment"},
		dims:  `[[],["Provider"],["Router","Arm"]]`,
	}, {
		name:   "cooldown skip: counted as a skip, not an attempt",
		sample: store.Sample{Target: "openai/gpt-4o", Router: "ab", Arm: "treatment", Time: at, Skipped: true},
		want:   map[string]float64{"CooldownSkips": 1},
		props:  map[string]string{"Provider": "openai", "Router": "ab", "Arm": "treatment"},
		dims:   `[[],["Provider"],["Router","Arm"]]`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			mem := store.NewMemory()
			s := Wrap(mem, &out)
			if err := s.AddSample(context.Background(), tt.sample); err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil || out.Bytes()[out.Len()-1] != '\n' {
				t.Fatalf("not one JSON line: %q (%v)", out.String(), err)
			}
			aws := doc["_aws"].(map[string]any)
			if aws["Timestamp"].(float64) != float64(at.UnixMilli()) {
				t.Errorf("Timestamp %v", aws["Timestamp"])
			}
			dir := aws["CloudWatchMetrics"].([]any)[0].(map[string]any)
			declared := map[string]bool{}
			for _, m := range dir["Metrics"].([]any) {
				declared[m.(map[string]any)["Name"].(string)] = true
			}
			if dims, _ := json.Marshal(dir["Dimensions"]); string(dims) != tt.dims {
				t.Errorf("Dimensions %s, want %s", dims, tt.dims)
			}
			if dir["Namespace"] != Namespace || len(declared) != len(tt.want) {
				t.Errorf("directive %v declares %v, want %d metrics", dir, declared, len(tt.want))
			}
			for name, want := range tt.want {
				if got, ok := doc[name].(float64); !ok || got != want || !declared[name] {
					t.Errorf("%s = %v (declared %v), want %v", name, doc[name], declared[name], want)
				}
			}
			for k, want := range tt.props {
				if doc[k] != want {
					t.Errorf("%s = %v, want %q", k, doc[k], want)
				}
			}
			got, err := mem.Buckets(context.Background(), at, at.Add(time.Minute))
			if err != nil || len(got) == 0 {
				t.Fatalf("sample not stored: %v %v", got, err)
			}
		})
	}
}
