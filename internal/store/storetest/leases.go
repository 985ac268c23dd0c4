package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/store"
)

// testLeases holds both stores to the lease contract (store.Leases):
// headroom taken under the limit, reports that never go backwards, and a
// return that gives back Granted − used exactly once.
func testLeases(t *testing.T, newStore NewStore) {
	const counter = "global#2026-11"
	expires := base.Add(24 * time.Hour)
	lease := func(holder string, granted int64) store.Lease {
		return store.Lease{Counter: counter, Holder: holder, Granted: granted, Seq: 1,
			Expires: base.Add(10 * time.Minute), CounterExpires: expires}
	}
	spent := func(t *testing.T, s store.Store) int64 {
		t.Helper()
		n, err := s.Spent(context.Background(), counter)
		if err != nil {
			t.Fatalf("Spent: %v", err)
		}
		return n
	}

	t.Run("take counts the lease as spent and records it", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		if _, err := s.Reserve(ctx, counter, 100, 1000, expires); err != nil {
			t.Fatal(err)
		}
		total, err := s.TakeLease(ctx, lease("i-a#1", 600), 1000)
		if err != nil || total != 700 {
			t.Fatalf("TakeLease = %d, %v; want 700, nil", total, err)
		}
		if _, err := s.TakeLease(ctx, lease("i-b#1", 301), 1000); !errors.Is(err, store.ErrBudgetExceeded) {
			t.Fatalf("TakeLease past the limit = %v, want ErrBudgetExceeded", err)
		}
		if _, err := s.TakeLease(ctx, lease("i-c#1", -1), 1000); !errors.Is(err, store.ErrNegativeReservation) {
			t.Fatalf("TakeLease(-1) = %v, want ErrNegativeReservation", err)
		}
		if got := spent(t, s); got != 700 {
			t.Errorf("spent %d after a refused lease, want 700 (refusals write nothing)", got)
		}
		open, err := s.OpenLeases(ctx, counter)
		if err != nil {
			t.Fatalf("OpenLeases: %v", err)
		}
		want := lease("i-a#1", 600)
		if len(open) != 1 || open[0].Holder != want.Holder || open[0].Granted != 600 || open[0].Used != 0 ||
			open[0].Seq != 1 || !open[0].Expires.Equal(want.Expires) || !open[0].CounterExpires.Equal(expires) {
			t.Errorf("open leases %+v, want only %+v", open, want)
		}
		if other, err := s.OpenLeases(ctx, "other#2026-11"); err != nil || len(other) != 0 {
			t.Errorf("leases of another counter: %+v, %v; want none", other, err)
		}
	})

	t.Run("reports move forward only", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		if _, err := s.TakeLease(ctx, lease("i-a#1", 500), 1000); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			seq, used, want int64
		}{{3, 200, 200}, {2, 100, 200}, {3, 50, 200}, {4, 250, 250}}
		for _, st := range steps {
			l := lease("i-a#1", 500)
			l.Seq, l.Used = st.seq, st.used
			if err := s.ReportLease(ctx, l); err != nil {
				t.Fatalf("ReportLease(seq %d): %v", st.seq, err)
			}
			open, err := s.OpenLeases(ctx, counter)
			if err != nil || len(open) != 1 || open[0].Used != st.want {
				t.Errorf("after report seq %d used %d: %+v, %v; want used %d", st.seq, st.used, open, err, st.want)
			}
		}
		ghost := lease("i-ghost#1", 500)
		ghost.Seq = 9
		if err := s.ReportLease(ctx, ghost); err != nil {
			t.Errorf("report of a lease never taken: %v, want nil", err)
		}
		if open, _ := s.OpenLeases(ctx, counter); len(open) != 1 {
			t.Errorf("a report created a lease: %+v", open)
		}
		if got := spent(t, s); got != 500 {
			t.Errorf("spent %d, want 500: reports do not touch the counter", got)
		}
	})

	t.Run("return gives back granted minus used, once", func(t *testing.T) {
		cases := []struct {
			name             string
			granted          int64
			reported, passed int64
			wantSpent        int64
		}{
			{"the holder's figure above its report", 600, 200, 250, 250},
			{"the holder's figure below its report (a high-water mark)", 600, 400, 250, 250},
			{"a reclaimer's: the report", 600, 200, store.Reclaim, 200},
			{"nothing used", 600, 0, 0, 0},
			{"overdrawn: the counter rises", 600, 0, 700, 700},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				s := newStore(t)
				if _, err := s.TakeLease(ctx, lease("i-a#1", c.granted), 1000); err != nil {
					t.Fatal(err)
				}
				rep := lease("i-a#1", c.granted)
				rep.Seq, rep.Used = 2, c.reported
				if err := s.ReportLease(ctx, rep); err != nil {
					t.Fatal(err)
				}
				ret := lease("i-a#1", c.granted)
				ret.Used = c.passed
				if err := s.ReturnLease(ctx, ret); err != nil {
					t.Fatalf("ReturnLease: %v", err)
				}
				if got := spent(t, s); got != c.wantSpent {
					t.Errorf("spent %d after the return, want %d", got, c.wantSpent)
				}
				if err := s.ReturnLease(ctx, ret); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("second ReturnLease = %v, want ErrNotFound", err)
				}
				if got := spent(t, s); got != c.wantSpent {
					t.Errorf("spent %d after returning twice, want %d", got, c.wantSpent)
				}
				if open, _ := s.OpenLeases(ctx, counter); len(open) != 0 {
					t.Errorf("open leases after the return: %+v", open)
				}
			})
		}
	})

	t.Run("a holder and a reclaimer racing return once", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		const n = 8
		for i := 0; i < n; i++ {
			if _, err := s.TakeLease(ctx, lease(fmt.Sprintf("i-%d#1", i), 100), 10_000); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		okReturns := make(chan string, 2*n)
		for i := 0; i < n; i++ {
			for _, used := range []int64{30, store.Reclaim} { // the holder, a reclaimer
				wg.Add(1)
				go func() {
					defer wg.Done()
					l := lease(fmt.Sprintf("i-%d#1", i), 100)
					l.Used = used
					err := s.ReturnLease(ctx, l)
					switch {
					case err == nil:
						okReturns <- l.Holder
					case !errors.Is(err, store.ErrNotFound):
						t.Errorf("ReturnLease: %v", err)
					}
				}()
			}
		}
		wg.Wait()
		close(okReturns)
		seen := map[string]int{}
		for h := range okReturns {
			seen[h]++
		}
		for h, k := range seen {
			if k != 1 {
				t.Errorf("lease %s returned %d times", h, k)
			}
		}
		// Each lease gave back 100 or 70 (whoever won): never more.
		if got := spent(t, s); got < 0 || got > n*30 || len(seen) != n {
			t.Errorf("spent %d with %d leases returned; want 0..%d and all %d returned", got, len(seen), n*30, n)
		}
	})

	t.Run("concurrent leases never pass the limit", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		const limit, chunk, n = 1000, 150, 12
		var wg sync.WaitGroup
		var mu sync.Mutex
		granted := 0
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.TakeLease(ctx, lease(fmt.Sprintf("i-%d#1", i), chunk), limit)
				switch {
				case err == nil:
					mu.Lock()
					granted++
					mu.Unlock()
				case !errors.Is(err, store.ErrBudgetExceeded):
					t.Errorf("TakeLease: %v", err)
				}
			}()
		}
		wg.Wait()
		open, err := s.OpenLeases(ctx, counter)
		if err != nil {
			t.Fatal(err)
		}
		if granted != limit/chunk || len(open) != granted || spent(t, s) != int64(granted*chunk) {
			t.Errorf("%d leases granted (%d open), spent %d; want %d leases of %d within %d",
				granted, len(open), spent(t, s), limit/chunk, chunk, limit)
		}
	})
}
