// Command loadgen measures what the gateway adds to a request. It starts,
// on 127.0.0.1 and each in its own process, the fake OpenAI upstream of
// internal/benchfake and the gateway in front of it (built from
// ./functions/gateway, serving a one-router config), then drives (a) the
// upstream directly and (b) the gateway — with -floor also (c) a bare
// httputil.ReverseProxy, the floor any Go proxy pays on the machine — and
// prints latency, throughput and the overhead (b) − (a) in these modes:
//
//   - one at a time: requests in sequence, alternating the targets;
//   - open loop: a fixed arrival rate for a bounded duration, latency
//     counted from each request's scheduled start, so queueing shows;
//   - closed loop: N concurrent clients for a bounded duration (capacity),
//     for plain requests and for streams;
//
// The open and closed loops run in windows alternating the targets
// (-rounds), so that the drift of a busy shared machine falls on all.
//   - streamed: time to the first content chunk, one at a time and at the
//     open-loop rate.
//
// It ends with the gateway's peak RSS and one PASS/FAIL line per goal of
// issue 2. Everything it starts stops when it returns (children also when
// it dies); the durations are flags so `make bench` stays short.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/switchyard-llm/switchyard/internal/benchfake"
)

type options struct {
	serialN, streamN int
	rate             int
	openDur          time.Duration
	streamOpenDur    time.Duration
	conc             int
	streamConc       int
	streamClosedDur  time.Duration
	closedDur        time.Duration
	rounds           int
	chunks           int
	gatewayBin       string
	gatewayTags      string
	inProcess        bool
	strict           bool
	cpuProfile       string
	floor            bool
	serveUpstream    bool
	serveProxy       string
}

func main() {
	var o options
	flag.IntVar(&o.serialN, "n", 2000, "non-streamed requests one at a time, per target")
	flag.IntVar(&o.streamN, "stream-n", 500, "streamed requests one at a time, per target")
	flag.IntVar(&o.rate, "rate", 1000, "open-loop arrival rate, requests per second")
	// 20 s: a p99 over 20,000 requests. Over the 5,000 of 5 s it was the
	// 50th-slowest request, and runs of one binary spread over 2 ms.
	flag.DurationVar(&o.openDur, "open", 20*time.Second, "open-loop duration per target (0 skips)")
	flag.DurationVar(&o.streamOpenDur, "stream-open", 3*time.Second, "open-loop streamed duration per target (0 skips)")
	flag.IntVar(&o.conc, "c", 64, "closed-loop concurrent clients")
	flag.DurationVar(&o.closedDur, "closed", 4*time.Second, "closed-loop duration per target (0 skips)")
	flag.IntVar(&o.streamConc, "stream-c", 16, "closed-loop streamed concurrent clients")
	flag.DurationVar(&o.streamClosedDur, "stream-closed", 3*time.Second, "closed-loop streamed duration per target (0 skips)")
	flag.IntVar(&o.rounds, "rounds", 5, "open and closed loops: alternate the targets in this many windows, dur/rounds each")
	flag.IntVar(&o.chunks, "chunks", benchfake.DefaultChunks, "content chunks per streamed answer")
	flag.StringVar(&o.gatewayBin, "gateway-bin", "", "gateway binary to run (default: go build ./functions/gateway into a temp dir)")
	flag.StringVar(&o.gatewayTags, "gateway-tags", "", "build tags for the gateway it builds (e.g. lambda.norpc, as lambda.mk builds)")
	flag.BoolVar(&o.inProcess, "in-process", false, "serve the gateway inside this process, not as a child (its RSS then includes the load generator)")
	flag.BoolVar(&o.strict, "strict", false, "exit 1 when a goal is missed")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of this process to `file` (with -in-process it covers the gateway)")
	flag.BoolVar(&o.floor, "floor", false, "also measure (c) a bare httputil.ReverseProxy in front of the upstream: the floor any Go proxy pays here")
	flag.BoolVar(&o.serveUpstream, "serve-upstream", false, "internal: be the fake upstream child process")
	flag.StringVar(&o.serveProxy, "serve-proxy", "", "internal: be the bare reverse proxy child process in front of `URL`")
	flag.Parse()
	run := run
	switch {
	case o.serveUpstream:
		run = func(o options, _, _ io.Writer) error { return serveUpstream(o) }
	case o.serveProxy != "":
		run = func(o options, _, _ io.Writer) error { return serveProxy(o.serveProxy) }
	}
	if err := run(o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// errGoalsMissed is returned with -strict when a goal fails.
var errGoalsMissed = fmt.Errorf("goals missed")

func run(o options, out, logw io.Writer) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logf := func(format string, args ...any) { fmt.Fprintf(logw, format+"\n", args...) }
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	upURL, upPid, stopUp, err := upstream(o)
	if err != nil {
		return err
	}
	defer stopUp()

	gw, err := startGateway(ctx, o, upURL+"/v1", logf)
	if err != nil {
		return err
	}
	defer gw.stop()
	logf("upstream %s, gateway %s (%s)", upURL, gw.url, gw.kind)

	direct := newTarget("(a) direct", upURL+"/v1/chat/completions", "gpt-4o-mini", o.conc)
	gateway := newTarget("(b) gateway", gw.url+"/v1/chat/completions", "router/r", o.conc)
	ts := []*target{direct, gateway}
	if o.floor {
		pURL, stopProxy, err := startFloorProxy(o, upURL)
		if err != nil {
			return err
		}
		defer stopProxy()
		ts = append(ts, newTarget("(c) bare reverse proxy", pURL+"/v1/chat/completions", "gpt-4o-mini", o.conc))
	}
	for _, t := range ts {
		defer t.close()
	}

	// Warm up connections and heaps, and check that every target answers
	// what it should.
	for _, t := range ts {
		if err := t.check(); err != nil {
			return err
		}
	}
	serial(ts, 300, false)
	serial(ts, 50, true)

	rep := &report{out: out, gw: gw, upPid: upPid}
	steal0, stealOK := hostSteal()
	if o.serialN > 0 {
		logf("one at a time: %d requests per target", o.serialN)
		rep.measure("one at a time", false, ts, func() []result { return serial(ts, o.serialN, false) })
	}
	if o.openDur > 0 {
		logf("open loop: %d req/s for %s per target", o.rate, o.openDur)
		rep.measure(fmt.Sprintf("open loop %d/s", o.rate), false, ts, func() []result {
			return openRounds(ts, o.rate, o.openDur, o.rounds, false)
		})
	}
	if o.closedDur > 0 {
		logf("closed loop: %d clients for %s per target", o.conc, o.closedDur)
		rep.measure(fmt.Sprintf("closed loop %d clients", o.conc), false, ts, func() []result {
			return closedRounds(ts, o.conc, o.closedDur, o.rounds, false)
		})
	}
	if o.streamN > 0 {
		logf("streamed, one at a time: %d requests per target", o.streamN)
		rep.measure("stream, one at a time", true, ts, func() []result { return serial(ts, o.streamN, true) })
	}
	if o.streamOpenDur > 0 {
		logf("streamed, open loop: %d req/s for %s per target", o.rate, o.streamOpenDur)
		rep.measure(fmt.Sprintf("stream, open loop %d/s", o.rate), true, ts, func() []result {
			return openRounds(ts, o.rate, o.streamOpenDur, o.rounds, true)
		})
	}
	if o.streamClosedDur > 0 {
		logf("streamed, closed loop: %d clients for %s per target", o.streamConc, o.streamClosedDur)
		rep.measure(fmt.Sprintf("stream, closed loop %d clients", o.streamConc), true, ts, func() []result {
			return closedRounds(ts, o.streamConc, o.streamClosedDur, o.rounds, true)
		})
	}
	rep.mem = gw.memory()
	if steal1, ok := hostSteal(); ok && stealOK {
		rep.steal, rep.stealOK = steal1-steal0, true
	}
	fmt.Fprintf(out, "\nswitchyard loadgen — %s, GOMAXPROCS %d, %d CPUs, %s, gateway: %s\n\n",
		time.Now().UTC().Format(time.RFC3339), runtime.GOMAXPROCS(0), runtime.NumCPU(), runtime.Version(), gw.kind)
	if !rep.print() && o.strict {
		return errGoalsMissed
	}
	return nil
}

// upstream starts the fake upstream: a child process, or with -in-process
// a server in this process.
func upstream(o options) (url string, pid int, stop func(), err error) {
	if o.inProcess {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", 0, nil, err
		}
		srv := &http.Server{Handler: benchfake.New(benchfake.Options{Chunks: o.chunks}), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		return "http://" + ln.Addr().String(), 0, func() { _ = srv.Close() }, nil
	}
	dir, err := os.MkdirTemp("", "switchyard-upstream-")
	if err != nil {
		return "", 0, nil, err
	}
	c, err := startUpstream(o, dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", 0, nil, err
	}
	return c.url, c.pid(), func() { c.stop(); _ = os.RemoveAll(dir) }, nil
}
