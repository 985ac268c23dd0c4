package routing

import (
	"sync"
	"testing"
)

func TestRoundRobinRotates(t *testing.T) {
	ts := models("a", "b", "c")
	rr, _ := NewRoundRobin(nil, ts)
	want := []string{"a b c", "b c a", "c a b", "a b c", "b c a"}
	for i, w := range want {
		if got := names(ts, order(rr, nil, ts)); got != w {
			t.Errorf("request %d: order %q, want %q", i, got, w)
		}
	}
}

func TestRoundRobinConcurrent(t *testing.T) {
	ts := models("a", "b", "c", "d")
	rr, _ := NewRoundRobin(nil, ts)
	const perWorker, workers = 1000, 8
	counts := make([][]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		counts[w] = make([]int, len(ts))
		wg.Add(1)
		go func() {
			defer wg.Done()
			var p Plan
			for range perWorker {
				p.Reset()
				rr.Order(&Input{}, ts, &p)
				counts[w][p.Order[0]]++
			}
		}()
	}
	wg.Wait()
	for i := range ts {
		sum := 0
		for w := range workers {
			sum += counts[w][i]
		}
		if sum != perWorker*workers/len(ts) {
			t.Errorf("target %s first %d times, want exactly %d", ts[i].Name, sum, perWorker*workers/len(ts))
		}
	}
}

func TestRoundRobinNoTargets(t *testing.T) {
	rr, _ := NewRoundRobin(nil, nil)
	if p := order(rr, nil, nil); len(p.Order) != 0 {
		t.Errorf("order %v, want empty", p.Order)
	}
}
