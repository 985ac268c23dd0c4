//go:build unix

package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
)

// BenchmarkStreamsMemory measures what one gateway container holds while
// n streamed answers are in flight at once (the upstream pauses each one
// mid-stream): Go heap in use and the process's resident set, against the
// same container idle after its first request. docs/capacity.md sizes
// GatewayMemorySize and PerExecutionEnvironmentMaxConcurrency from it:
//
//	go test -run '^$' -bench StreamsMemory -benchtime 1x ./functions/gateway/
func BenchmarkStreamsMemory(b *testing.B) {
	for _, n := range []int{1, 16, 64, 256} {
		b.Run(fmt.Sprintf("streams=%d", n), func(b *testing.B) {
			for range b.N {
				measureStreams(b, n)
			}
		})
	}
}

func measureStreams(b *testing.B, n int) {
	r := newRig(b, gatewayOptions{})
	// Warm: config loaded, clients built, one request served.
	warm := r.start(b, context.Background(), chatEvent("warm", true, "hi"))
	if _, err := warm.rest(); err != nil {
		b.Fatal(err)
	}
	idleHeap, idleRSS := memNow()

	release := make(chan struct{})
	faults := make([]openaifake.Fault, n)
	for i := range faults {
		faults[i] = openaifake.Fault{Kind: openaifake.Pause, After: 2, Release: release}
	}
	r.upstream.Script("gpt-4o-mini", faults...)
	invs := make([]*invocation, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			invs[i] = r.start(b, context.Background(), chatEvent(fmt.Sprintf("m-%d", i), true, strings.Repeat("a long prompt ", 200)))
			invs[i].firstData(b)
		}()
	}
	wg.Wait() // all n streams are committed and paused upstream
	heap, rss := memNow()
	close(release)
	for _, inv := range invs {
		if _, err := inv.rest(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(idleHeap)/(1<<20), "idle-heap-MiB")
	b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(heap-min(heap, idleHeap))/float64(n)/1024, "heap-KiB/stream")
	b.ReportMetric(float64(idleRSS)/(1<<20), "idle-rss-MiB")
	b.ReportMetric(float64(rss)/(1<<20), "rss-MiB")
}

// memNow is the live heap after a collection, and VmRSS (0 off Linux).
func memNow() (heap, rss uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	raw, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			rss = kb << 10
		}
	}
	return ms.HeapInuse, rss
}

// BenchmarkStreamCPU is the CPU time (user + system, this process: the
// gateway and the fake upstream it calls) one streamed chat request
// costs, flush of its metrics to DynamoDB included. Lambda gives a
// function CPU in proportion to its memory (1,769 MB = one vCPU): this
// says how little of it a streaming proxy needs.
func BenchmarkStreamCPU(b *testing.B) {
	r := newRig(b, gatewayOptions{})
	warm := r.start(b, context.Background(), chatEvent("warm", true, "hi"))
	if _, err := warm.rest(); err != nil {
		b.Fatal(err)
	}
	before := cpuTime()
	b.ResetTimer()
	for i := range b.N {
		inv := r.start(b, context.Background(), chatEvent(fmt.Sprintf("cpu-%d", i), true, "hello"))
		if _, err := inv.rest(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-before)/float64(b.N)/1e6, "cpu-ms/req")
}

func cpuTime() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
