package prom

import (
	"bytes"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// ContentType is the text exposition format's media type.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Gauges are read at scrape time from the current engine and server.
type Gauges struct {
	// InFlight are the requests being served; MaxInFlight the server's
	// limit (server.max_in_flight).
	InFlight, MaxInFlight int64
	// Cooling counts the targets in cooldown now, by metric target.
	Cooling map[string]int
	Budgets []Budget
	// KeyLimits are the configured per-key limits (keys[].limits).
	KeyLimits []KeyLimit
}

// KeyLimit is one key's configured limit.
type KeyLimit struct {
	Key, Limit string // limit: requests_per_minute, tokens_per_minute or max_concurrent
	Value      int64
}

// Budget is one budget's state in its current period.
type Budget struct {
	Name               string
	LimitUSD, SpentUSD float64
	Known              bool // false: the spend could not be read
}

// Write writes every metric in the text exposition format. The registry
// is locked only while its figures are copied into a buffer, not while w
// is written to.
func (r *Registry) Write(w io.Writer, g Gauges) error {
	var b bytes.Buffer
	r.mu.Lock()
	r.writeCounters(&b)
	r.mu.Unlock()
	writeGauges(&b, g)
	_, err := w.Write(b.Bytes())
	return err
}

func (r *Registry) writeCounters(b *bytes.Buffer) {
	reqs := sortedKeys(r.requests, func(k requestKey) string { return routerOpOrder(k.routerOp) + "\x00" + k.codeClass })
	family(b, "switchyard_requests_total", "counter", "Routed requests by router, operation (the API they came in by) and the status class their caller got.")
	for _, k := range reqs {
		sample(b, "switchyard_requests_total", labels("router", k.router, "operation", k.operation, "code", k.codeClass), float64(r.requests[k]))
	}
	family(b, "switchyard_request_duration_seconds", "histogram", "Time from routing to the end of the answer, by router and operation.")
	for _, k := range sortedKeys(r.reqDur, routerOpOrder) {
		histo(b, "switchyard_request_duration_seconds", labels("router", k.router, "operation", k.operation), durationBuckets, r.reqDur[k])
	}
	family(b, "switchyard_fallbacks_total", "counter", "Requests served by a later candidate than the first, by router and operation.")
	for _, k := range sortedKeys(r.fallbacks, routerOpOrder) {
		sample(b, "switchyard_fallbacks_total", labels("router", k.router, "operation", k.operation), float64(r.fallbacks[k]))
	}

	atts := sortedKeys(r.attempts, targetOrder)
	tl := func(k targetKey, extra ...string) string {
		return labels(append([]string{"router", k.router, "operation", k.operation, "provider", providerOf(k.target), "target", k.target}, extra...)...)
	}
	family(b, "switchyard_attempts_total", "counter", "Provider attempts by router, operation, target and outcome (success or error).")
	for _, k := range atts {
		a := r.attempts[k]
		sample(b, "switchyard_attempts_total", tl(k, "outcome", "success"), float64(a.ok))
		sample(b, "switchyard_attempts_total", tl(k, "outcome", "error"), float64(a.failed))
	}
	family(b, "switchyard_errors_total", "counter", "Failed attempts by error class.")
	for _, k := range sortedKeys(r.errors, func(k errorKey) string { return targetOrder(k.targetKey) + "\x00" + k.class }) {
		sample(b, "switchyard_errors_total", tl(k.targetKey, "class", k.class), float64(r.errors[k]))
	}
	family(b, "switchyard_attempt_duration_seconds", "histogram", "Attempt latency (a stream's: to its last chunk).")
	for _, k := range atts {
		histo(b, "switchyard_attempt_duration_seconds", tl(k), durationBuckets, &r.attempts[k].latency)
	}
	family(b, "switchyard_time_to_first_token_seconds", "histogram", "Streamed attempts' time to the first content chunk.")
	for _, k := range atts {
		if a := r.attempts[k]; a.ttft.n > 0 {
			histo(b, "switchyard_time_to_first_token_seconds", tl(k), ttftBuckets, &a.ttft)
		}
	}
	family(b, "switchyard_tokens_total", "counter", "Tokens reported by providers, by direction (input or output).")
	for _, k := range atts {
		a := r.attempts[k]
		sample(b, "switchyard_tokens_total", tl(k, "direction", "input"), float64(a.tokensIn))
		sample(b, "switchyard_tokens_total", tl(k, "direction", "output"), float64(a.tokensOut))
	}
	family(b, "switchyard_cost_usd_total", "counter", "Cost charged for attempts, in US dollars.")
	for _, k := range atts {
		sample(b, "switchyard_cost_usd_total", tl(k), float64(r.attempts[k].costMicros)/1e6)
	}
	family(b, "switchyard_cooldowns_total", "counter", "Times this instance put a target in cooldown.")
	for _, t := range sortedKeys(r.cooldowns, ident) {
		sample(b, "switchyard_cooldowns_total", labels("provider", providerOf(t), "target", t), float64(r.cooldowns[t]))
	}
	family(b, "switchyard_key_limit_refusals_total", "counter", "Requests refused with key_rate_limit_exceeded, by key and limit.")
	for _, k := range sortedKeys(r.keyRefusals, func(k keyLimitKey) string { return k.key + "\x00" + k.limit }) {
		sample(b, "switchyard_key_limit_refusals_total", labels("key", k.key, "limit", k.limit), float64(r.keyRefusals[k]))
	}
}

func writeGauges(b *bytes.Buffer, g Gauges) {
	family(b, "switchyard_in_flight_requests", "gauge", "Requests being served by this instance.")
	sample(b, "switchyard_in_flight_requests", "", float64(g.InFlight))
	family(b, "switchyard_max_in_flight_requests", "gauge", "The instance's limit on requests in flight (server.max_in_flight).")
	sample(b, "switchyard_max_in_flight_requests", "", float64(g.MaxInFlight))
	family(b, "switchyard_cooling_down", "gauge", "Targets in cooldown now (1 per provider/model; callers' models the config does not name are summed).")
	for _, t := range sortedKeys(g.Cooling, ident) {
		sample(b, "switchyard_cooling_down", labels("provider", providerOf(t), "target", t), float64(g.Cooling[t]))
	}
	kls := append([]KeyLimit(nil), g.KeyLimits...)
	sort.Slice(kls, func(i, j int) bool {
		return kls[i].Key < kls[j].Key || (kls[i].Key == kls[j].Key && kls[i].Limit < kls[j].Limit)
	})
	family(b, "switchyard_key_limit", "gauge", "Each key's configured limits (keys[].limits).")
	for _, kl := range kls {
		sample(b, "switchyard_key_limit", labels("key", kl.Key, "limit", kl.Limit), float64(kl.Value))
	}
	budgets := append([]Budget(nil), g.Budgets...)
	sort.Slice(budgets, func(i, j int) bool { return budgets[i].Name < budgets[j].Name })
	family(b, "switchyard_budget_limit_usd", "gauge", "Budget limits per period, in US dollars.")
	for _, bu := range budgets {
		sample(b, "switchyard_budget_limit_usd", labels("budget", bu.Name), bu.LimitUSD)
	}
	family(b, "switchyard_budget_spent_usd", "gauge", "Spend on each budget's current period as this instance last read it (may exceed the limit).")
	for _, bu := range budgets {
		if bu.Known {
			sample(b, "switchyard_budget_spent_usd", labels("budget", bu.Name), bu.SpentUSD)
		}
	}
	family(b, "switchyard_budget_remaining_usd", "gauge", "What is left of each budget this period, never below 0.")
	for _, bu := range budgets {
		if bu.Known {
			sample(b, "switchyard_budget_remaining_usd", labels("budget", bu.Name), math.Max(0, bu.LimitUSD-bu.SpentUSD))
		}
	}
}

func family(b *bytes.Buffer, name, typ, help string) {
	b.WriteString("# HELP " + name + " " + help + "\n# TYPE " + name + " " + typ + "\n")
}

// sample writes one line; lbl is "" or `{a="b",...}`.
func sample(b *bytes.Buffer, name, lbl string, v float64) {
	b.WriteString(name)
	b.WriteString(lbl)
	b.WriteByte(' ')
	b.WriteString(formatFloat(v))
	b.WriteByte('\n')
}

// histo writes a histogram's cumulative buckets, sum and count.
func histo(b *bytes.Buffer, name, lbl string, bounds []float64, h *histogram) {
	inner := strings.TrimSuffix(strings.TrimPrefix(lbl, "{"), "}")
	if inner != "" {
		inner += ","
	}
	var cum uint64
	for i, c := range h.counts {
		cum += c
		le := "+Inf"
		if i < len(bounds) {
			le = formatFloat(bounds[i])
		}
		sample(b, name+"_bucket", "{"+inner+`le="`+le+`"}`, float64(cum))
	}
	sample(b, name+"_sum", lbl, h.sum)
	sample(b, name+"_count", lbl, float64(h.n))
}

// labels renders name/value pairs, values escaped as the format asks.
func labels(kv ...string) string {
	var sb strings.Builder
	sb.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(kv[i])
		sb.WriteString(`="`)
		sb.WriteString(labelEscaper.Replace(strings.ToValidUTF8(kv[i+1], "\uFFFD")))
		sb.WriteByte('"')
	}
	sb.WriteByte('}')
	return sb.String()
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func ident(s string) string { return s }

func routerOpOrder(k routerOp) string { return k.router + "\x00" + k.operation }

func targetOrder(k targetKey) string { return k.router + "\x00" + k.operation + "\x00" + k.target }

// sortedKeys returns m's keys in the order of their sort strings, so a
// scrape reads the same twice.
func sortedKeys[K comparable, V any](m map[K]V, key func(K) string) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out
}
