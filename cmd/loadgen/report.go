package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Goals of issue 2 on a 2-core machine.
const (
	goalSerialAdded = 100 * time.Microsecond // added p50, one at a time
	goalRateP50     = 200 * time.Microsecond // added p50 at the open-loop rate
	goalRateP99     = time.Millisecond       // added p99 at the open-loop rate
	goalCapacity    = 0.25                   // gateway throughput / direct throughput, saturated
	goalRSS         = 50 << 20               // gateway peak RSS
)

// row is one mode's results for both targets.
type row struct {
	mode   string
	stream bool
	r      [2]result
}

type report struct {
	out  io.Writer
	gw   *gatewayProc
	rows []row
	mem  memoryUse
}

// measure runs f and attributes the gateway's CPU time during it to the
// gateway's requests (the gateway is idle while the direct target is measured).
func (rep *report) measure(mode string, stream bool, f func() [2]result) {
	before, ok := rep.gw.cpu()
	r := f()
	if after, ok2 := rep.gw.cpu(); ok && ok2 && r[1].ok > 0 {
		r[1].gwCPU = (after - before) / time.Duration(r[1].ok)
	}
	rep.rows = append(rep.rows, row{mode: mode, stream: stream, r: r})
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }

func signedMs(d time.Duration) string {
	return fmt.Sprintf("%+.3f ms", float64(d)/float64(time.Millisecond))
}

// print writes the table, the notes and one PASS/FAIL line per goal, and
// reports whether every goal was met.
func (rep *report) print() bool {
	w := rep.out
	fmt.Fprintln(w, "| mode | target | ok | errors | p50 | p99 | whole answer p50 | throughput | gateway CPU/req |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, rw := range rep.rows {
		mode := rw.mode
		if rw.stream {
			mode += " (p50/p99: first content chunk)"
		}
		for i, name := range []string{"(a) direct", "(b) gateway"} {
			r := &rw.r[i]
			cpu := ""
			if r.gwCPU > 0 {
				cpu = fmt.Sprintf("%.0f µs", float64(r.gwCPU)/float64(time.Microsecond))
			}
			whole := ""
			if rw.stream {
				whole = ms(percentile(r.total, 0.5))
			}
			fmt.Fprintf(w, "| %s | %s | %d | %d | %s | %s | %s | %.0f/s | %s |\n", mode, name, r.ok, r.errs,
				ms(percentile(r.lat, 0.5)), ms(percentile(r.lat, 0.99)), whole, r.throughput(), cpu)
		}
		a, b := &rw.r[0], &rw.r[1]
		ratio := ""
		if a.throughput() > 0 {
			ratio = fmt.Sprintf("%.0f%% of direct", 100*b.throughput()/a.throughput())
		}
		fmt.Fprintf(w, "| %s | added (b − a) | | | %s | %s | | %s | |\n", rw.mode,
			signedMs(percentile(b.lat, 0.5)-percentile(a.lat, 0.5)), signedMs(percentile(b.lat, 0.99)-percentile(a.lat, 0.99)), ratio)
	}
	fmt.Fprintln(w)
	for _, rw := range rep.rows {
		for i, name := range []string{"direct", "gateway"} {
			r := &rw.r[i]
			if r.first != nil {
				fmt.Fprintf(w, "- %s, %s: %d errors, the first: %v\n", rw.mode, name, r.errs, r.first)
			}
			if len(r.lag) > 0 {
				fmt.Fprintf(w, "- %s, %s: dispatch lag (request started after its scheduled time) p50 %s, p99 %s\n",
					rw.mode, name, ms(percentile(r.lag, 0.5)), ms(percentile(r.lag, 0.99)))
			}
		}
	}
	if rep.mem.peak > 0 {
		fmt.Fprintf(w, "- gateway RSS: peak (VmHWM) %.1f MB, at the end (VmRSS) %.1f MB — %s\n",
			float64(rep.mem.peak)/(1<<20), float64(rep.mem.now)/(1<<20), rep.mem.note)
	}
	fmt.Fprintln(w)
	return rep.goals()
}

func (rep *report) goals() bool {
	all := true
	line := func(ok bool, format string, args ...any) {
		verdict := "PASS"
		if !ok {
			verdict, all = "FAIL", false
		}
		fmt.Fprintf(rep.out, "%s  %s\n", verdict, fmt.Sprintf(format, args...))
	}
	skip := func(what string) { fmt.Fprintf(rep.out, "SKIP  %s\n", what) }
	for _, rw := range rep.rows {
		a, b := &rw.r[0], &rw.r[1]
		if a.errs+b.errs > 0 {
			line(false, "%s: %d errors direct, %d through the gateway (want none)", rw.mode, a.errs, b.errs)
		}
		p50 := percentile(b.lat, 0.5) - percentile(a.lat, 0.5)
		p99 := percentile(b.lat, 0.99) - percentile(a.lat, 0.99)
		what := "added p50"
		if rw.stream {
			what = "added p50 time to first content"
		}
		switch {
		case strings.HasPrefix(rw.mode, "closed loop"), strings.HasPrefix(rw.mode, "stream, closed"):
			ratio := 0.0
			if a.throughput() > 0 {
				ratio = b.throughput() / a.throughput()
			}
			line(ratio >= goalCapacity, "%s: gateway throughput %.0f/s is %.0f%% of direct %.0f/s (goal ≥ %.0f%%)",
				rw.mode, b.throughput(), 100*ratio, a.throughput(), 100*goalCapacity)
		case strings.Contains(rw.mode, "one at a time"):
			line(p50 < goalSerialAdded, "%s: %s %s (goal < %s)", rw.mode, what, signedMs(p50), ms(goalSerialAdded))
		case strings.Contains(rw.mode, "open loop"):
			line(p50 < goalRateP50, "%s: %s %s (goal < %s)", rw.mode, what, signedMs(p50), ms(goalRateP50))
			line(p99 < goalRateP99, "%s: %s %s (goal < %s)", rw.mode, strings.Replace(what, "p50", "p99", 1), signedMs(p99), ms(goalRateP99))
		}
	}
	if rep.mem.peak > 0 {
		line(rep.mem.peak < goalRSS, "gateway peak RSS %.1f MB (goal < %d MB; %s)", float64(rep.mem.peak)/(1<<20), goalRSS>>20, rep.mem.note)
	} else {
		skip("gateway RSS: /proc is not available here")
	}
	return all
}
