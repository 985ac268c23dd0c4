package lambdatest

import (
	"fmt"
	"os"
	"sort"
	"testing"
	"time"
)

// BenchmarkColdStartTracing compares the cold start of each tracing
// choice (SWITCHYARD_TRACING) with interleaved runs: each iteration
// starts every variant once, in turn, so all see the same machine load
// (a shared machine's load drifts more between sequential runs than the
// variants differ). BASELINE_BOOTSTRAP, if set, adds another build of
// the gateway (e.g. the previous release, built as bootstrap() builds)
// as the first variant. It prints the medians and quartiles of the
// first invoke (what the caller waits for) and of Lambda's init.
func BenchmarkColdStartTracing(b *testing.B) {
	d := newDeployment(b)
	col := newCollector(b)
	gw := bootstrap(b, "./functions/gateway")
	with := func(extra ...string) []string { return append(d.env[:len(d.env):len(d.env)], extra...) }
	type variant struct {
		name, bin string
		env       []string
	}
	var variants []variant
	if base := os.Getenv("BASELINE_BOOTSTRAP"); base != "" {
		variants = append(variants, variant{"baseline", base, d.env})
	}
	variants = append(variants,
		variant{"xray (default)", gw, d.env},
		variant{"none", gw, with("SWITCHYARD_TRACING=none")},
		variant{"otel", gw, with("SWITCHYARD_TRACING=otel", "OTEL_EXPORTER_OTLP_ENDPOINT="+col.URL)},
	)
	for _, ev := range []string{"models.json", "chat.json"} {
		event := readEvent(b, ev)
		first := make([][]time.Duration, len(variants))
		inits := make([][]time.Duration, len(variants))
		for i := 0; i < b.N; i++ {
			for vi, v := range variants {
				r := startRIE(b, v.bin, v.env...)
				start := time.Now()
				raw := r.invoke(b, event)
				first[vi] = append(first[vi], time.Since(start))
				if s := parseStreamed(b, raw); s.StatusCode != 200 {
					b.Fatalf("%s: status %d: %s", v.name, s.StatusCode, s.Body)
				}
				if v.name == "otel" && col.exports.Swap(0) == 0 {
					b.Fatalf("otel: the invocation ended with no span exported")
				}
				if init, ok := r.initDuration(); ok {
					inits[vi] = append(inits[vi], init)
				}
				r.stop()
			}
		}
		if b.N < 10 {
			continue // the framework's probe run
		}
		for vi, v := range variants {
			fmt.Printf("%s %-15s first invoke p50 %6.2f ms (p25 %6.2f, p75 %6.2f)  init p50 %6.2f ms  n=%d\n", ev, v.name,
				msOf(quantile(first[vi], 50)), msOf(quantile(first[vi], 25)), msOf(quantile(first[vi], 75)),
				msOf(quantile(inits[vi], 50)), len(first[vi]))
		}
	}
}

func quantile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)*p/100]
}

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
