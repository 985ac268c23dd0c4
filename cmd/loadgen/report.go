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

// Goals of issue 16, against the bare reverse proxy (-floor) in the same run.
const (
	goalStreamFloorRatio = 0.85                   // streamed closed-loop throughput / the floor's
	goalStreamFloorTTFC  = 300 * time.Microsecond // added time to first content, p50, over the floor's
	goalRateFloorP50     = 100 * time.Microsecond // non-streamed at the open-loop rate, p50 over the floor's
	goalRateFloorP99     = 300 * time.Microsecond // and p99
	goalFloorRSS         = 40 << 20               // gateway peak RSS
)

// row is one mode's results: r[0] direct, r[1] the gateway, then any others.
type row struct {
	mode   string
	stream bool
	names  []string
	r      []result
	upCPU  time.Duration // the fake upstream's CPU per request it served, when known
}

type report struct {
	out   io.Writer
	gw    *gatewayProc
	upPid int // 0 when the upstream is in this process
	rows  []row
	mem   memoryUse
	// steal is the CPU time the hypervisor took during the measurements
	// (hostSteal); stealOK is false where it is not known.
	steal   time.Duration
	stealOK bool
}

// measure runs f and attributes the gateway's CPU time during it to the
// gateway's requests (the gateway is idle while other targets are measured).
func (rep *report) measure(mode string, stream bool, ts []*target, f func() []result) {
	before, ok := rep.gw.cpu()
	upBefore, upOK := rep.upCPU()
	r := f()
	if after, ok2 := rep.gw.cpu(); ok && ok2 && r[1].ok > 0 {
		r[1].gwCPU = (after - before) / time.Duration(r[1].ok)
	}
	rw := row{mode: mode, stream: stream, r: r}
	served := 0
	for i, t := range ts {
		rw.names = append(rw.names, t.name)
		served += r[i].ok
	}
	// Every target's requests reach the upstream.
	if after, ok2 := rep.upCPU(); upOK && ok2 && served > 0 {
		rw.upCPU = (after - upBefore) / time.Duration(served)
	}
	rep.rows = append(rep.rows, rw)
}

func (rep *report) upCPU() (time.Duration, bool) {
	if rep.upPid == 0 {
		return 0, false
	}
	return processCPU(rep.upPid)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }

func signedMs(d time.Duration) string {
	return fmt.Sprintf("%+.3f ms", float64(d)/float64(time.Millisecond))
}

// added is what target i adds to direct at the p50 and p99.
func (rw *row) added(i int) (p50, p99 time.Duration) {
	a, b := &rw.r[0], &rw.r[i]
	return percentile(b.lat, 0.5) - percentile(a.lat, 0.5), percentile(b.lat, 0.99) - percentile(a.lat, 0.99)
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
		for i, name := range rw.names {
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
		for i := 1; i < len(rw.names); i++ {
			p50, p99 := rw.added(i)
			ratio := ""
			if a := rw.r[0].throughput(); a > 0 {
				ratio = fmt.Sprintf("%.0f%% of direct", 100*rw.r[i].throughput()/a)
			}
			fmt.Fprintf(w, "| %s | added by %s | | | %s | %s | | %s | |\n", rw.mode,
				strings.TrimSpace(rw.names[i][3:]), signedMs(p50), signedMs(p99), ratio)
		}
		if len(rw.names) > 2 {
			// The gateway against the floor (the bare proxy), in the same run.
			g, f := &rw.r[1], &rw.r[2]
			ratio := ""
			if f.throughput() > 0 {
				ratio = fmt.Sprintf("%.0f%% of the floor", 100*g.throughput()/f.throughput())
			}
			fmt.Fprintf(w, "| %s | gateway minus floor | | | %s | %s | | %s | |\n", rw.mode,
				signedMs(percentile(g.lat, 0.5)-percentile(f.lat, 0.5)), signedMs(percentile(g.lat, 0.99)-percentile(f.lat, 0.99)), ratio)
		}
	}
	fmt.Fprintln(w)
	for _, rw := range rep.rows {
		if rw.upCPU > 0 {
			fmt.Fprintf(w, "- %s: the fake upstream (a Go net/http server doing no work) used %.0f µs CPU per request\n",
				rw.mode, float64(rw.upCPU)/float64(time.Microsecond))
		}
		for i, name := range rw.names {
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
	if rep.stealOK {
		fmt.Fprintf(w, "- host: the hypervisor took %.1f s of CPU from this machine during the measurements (steal, all CPUs); bursts of it land on whichever target was being measured\n",
			rep.steal.Seconds())
	}
	fmt.Fprintln(w)
	return rep.goals()
}

// goals prints one line per goal, for the gateway (target 1) only.
func (rep *report) goals() bool {
	all := true
	line := func(ok bool, format string, args ...any) {
		verdict := "PASS"
		if !ok {
			verdict, all = "FAIL", false
		}
		fmt.Fprintf(rep.out, "%s  %s\n", verdict, fmt.Sprintf(format, args...))
	}
	for _, rw := range rep.rows {
		a, b := &rw.r[0], &rw.r[1]
		if a.errs+b.errs > 0 {
			line(false, "%s: %d errors direct, %d through the gateway (want none)", rw.mode, a.errs, b.errs)
		}
		p50, p99 := rw.added(1)
		what := "added p50"
		if rw.stream {
			what = "added p50 time to first content"
		}
		switch {
		case strings.HasPrefix(rw.mode, "closed loop"):
			ratio := 0.0
			if a.throughput() > 0 {
				ratio = b.throughput() / a.throughput()
			}
			line(ratio >= goalCapacity, "%s: gateway throughput %.0f/s is %.1f%% of direct %.0f/s (goal ≥ %.0f%%)",
				rw.mode, b.throughput(), 100*ratio, a.throughput(), 100*goalCapacity)
		case strings.Contains(rw.mode, "one at a time"):
			line(p50 < goalSerialAdded, "%s: %s %s (goal < %s)", rw.mode, what, signedMs(p50), ms(goalSerialAdded))
		case strings.Contains(rw.mode, "open loop"):
			// A load generator that could not keep its own schedule was
			// starved of CPU: its tail latencies measure the machine.
			note := ""
			if lag := max(percentile(a.lag, 0.99), percentile(b.lag, 0.99)); lag > goalRateP99/2 {
				note = fmt.Sprintf("; unreliable: dispatch lag p99 %s, the machine was busy", ms(lag))
			}
			line(p50 < goalRateP50, "%s: %s %s (goal < %s%s)", rw.mode, what, signedMs(p50), ms(goalRateP50), note)
			line(p99 < goalRateP99, "%s: %s %s (goal < %s%s)", rw.mode, strings.Replace(what, "p50", "p99", 1), signedMs(p99), ms(goalRateP99), note)
		}
	}
	all = rep.floorGoals(line) && all
	if rep.mem.peak > 0 {
		line(rep.mem.peak < goalRSS, "gateway peak RSS %.1f MB (goal < %d MB; %s)", float64(rep.mem.peak)/(1<<20), goalRSS>>20, rep.mem.note)
	} else {
		fmt.Fprintln(rep.out, "SKIP  gateway RSS: /proc is not available here")
	}
	return all
}

// floorGoals prints the goals of issue 16 when the run has a floor (-floor).
func (rep *report) floorGoals(line func(ok bool, format string, args ...any)) bool {
	all := true
	check := func(ok bool, format string, args ...any) {
		all = all && ok
		line(ok, format, args...)
	}
	for _, rw := range rep.rows {
		if len(rw.r) < 3 {
			return true
		}
		g, f := &rw.r[1], &rw.r[2]
		d50 := percentile(g.lat, 0.5) - percentile(f.lat, 0.5)
		d99 := percentile(g.lat, 0.99) - percentile(f.lat, 0.99)
		switch {
		case rw.stream && strings.Contains(rw.mode, "closed loop") && f.throughput() > 0:
			r := g.throughput() / f.throughput()
			check(r >= goalStreamFloorRatio, "%s: gateway throughput %.0f/s is %.1f%% of the floor's %.0f/s (goal ≥ %.0f%%)",
				rw.mode, g.throughput(), 100*r, f.throughput(), 100*goalStreamFloorRatio)
		case rw.stream:
			check(d50 <= goalStreamFloorTTFC, "%s: time to first content p50 is the floor's %s (goal ≤ +%s)",
				rw.mode, signedMs(d50), ms(goalStreamFloorTTFC))
		case strings.Contains(rw.mode, "open loop"):
			check(d50 <= goalRateFloorP50, "%s: p50 is the floor's %s (goal ≤ +%s)", rw.mode, signedMs(d50), ms(goalRateFloorP50))
			// A load generator that sent its requests late by more than the
			// margin at the p99 was starved of CPU: the p99s then measure
			// the machine, and the goal cannot be judged either way.
			if lag := max(percentile(g.lag, 0.99), percentile(f.lag, 0.99)); lag > goalRateFloorP99 {
				fmt.Fprintf(rep.out, "SKIP  %s: p99 is the floor's %s, not judgeable: the load generator's own dispatch lag p99 was %s, over the goal's margin (+%s)\n",
					rw.mode, signedMs(d99), ms(lag), ms(goalRateFloorP99))
				break
			}
			check(d99 <= goalRateFloorP99, "%s: p99 is the floor's %s (goal ≤ +%s)", rw.mode, signedMs(d99), ms(goalRateFloorP99))
		}
	}
	if rep.mem.peak > 0 {
		check(rep.mem.peak <= goalFloorRSS, "gateway peak RSS %.1f MB (issue 16 goal ≤ %d MB)", float64(rep.mem.peak)/(1<<20), goalFloorRSS>>20)
	}
	return all
}
