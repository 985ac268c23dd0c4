package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
)

// TestHostileBodiesHeapBounded is the memory test of the hardening issue:
// 16 callers each send a 9 MiB body at once to a router whose upstream
// never answers, so every admitted request holds its body, its decoded
// request and its upstream copy. Before the body budget, 16 at once took
// the heap past 700 MB; with max_body_memory 32 MiB the gateway admits
// what fits, answers the rest 503 overloaded before reading them, and the
// heap stays under a stated bound: baseline + 8 × max_body_memory. The
// heap here is the whole test process: each admitted body is held about
// six times over (the gateway's raw, decoded and re-encoded copies, and the
// in-process fake upstream's read and decoded copies), and GC headroom adds
// a little more. Measured: 142–210 MiB with 3 of 16 admitted; without the
// budget all 16 would be held, about 1 GB.
func TestHostileBodiesHeapBounded(t *testing.T) {
	const (
		callers   = 16
		bodySize  = 9 << 20
		budget    = 32 << 20
		heapBound = 8 * budget
	)
	h := newHarness(t, patientRouter+"server: {max_body_memory: 33554432}\n")
	faults := make([]openaifake.Fault, callers)
	for i := range faults {
		faults[i] = openaifake.Fault{Kind: openaifake.Hang}
	}
	h.fake.Script("m1", faults...)
	h.fake.HangStarted = make(chan struct{}, callers)

	b := chatBody("router/patient", false)
	b["messages"] = []any{map[string]any{"role": "user", "content": strings.Repeat("z", bodySize)}}
	raw, _ := json.Marshal(b)

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)

	// Sample the heap while the requests are in flight.
	stop := make(chan struct{})
	peak := make(chan uint64, 1)
	go func() {
		var max uint64
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				peak <- max
				return
			default:
			}
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > max {
				max = m.HeapAlloc
			}
			runtime.Gosched()
		}
	}()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	statuses := make(chan int, callers)
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, h.srv.URL+"/v1/chat/completions", bytes.NewReader(raw))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				statuses <- 0 // canceled while held upstream
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	// Wait until every caller is either held upstream or refused: the
	// refused ones answer at once; the admitted ones reach the upstream.
	refused, held := 0, 0
	for refused+held < callers {
		select {
		case st := <-statuses:
			if st != http.StatusServiceUnavailable {
				t.Fatalf("a caller got %d while others were held; want 503 overloaded for what does not fit", st)
			}
			refused++
		case <-h.fake.HangStarted:
			held++
		}
	}
	cancel()
	wg.Wait()
	close(stop)
	max := <-peak
	grown := int64(max) - int64(base.HeapAlloc)
	t.Logf("%d held upstream, %d refused 503; heap peak %.1f MiB over a baseline of %.1f MiB", held, refused,
		float64(grown)/(1<<20), float64(base.HeapAlloc)/(1<<20))
	if held == 0 || refused == 0 {
		t.Errorf("held %d, refused %d: want the budget to admit some and refuse the rest", held, refused)
	}
	if held*bodySize > budget {
		t.Errorf("%d bodies of %d bytes held at once: over max_body_memory %d", held, bodySize, budget)
	}
	if grown > heapBound {
		t.Errorf("heap grew %.1f MiB under hostile bodies, bound %.1f MiB", float64(grown)/(1<<20), float64(heapBound)/(1<<20))
	}
}
