package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/store"
)

func testCooldowns(t *testing.T, newStore NewStore) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	set := func(target string, until time.Time) {
		t.Helper()
		if err := s.SetCooldown(ctx, target, until); err != nil {
			t.Fatalf("SetCooldown %s: %v", target, err)
		}
	}
	set("openai/gpt-4o", base.Add(time.Minute))
	set("groq/llama", base.Add(-time.Second))
	set("anthropic/claude", base.Add(10*time.Minute))
	set("anthropic/claude", base.Add(2*time.Minute)) // a later set replaces
	set("gemini/flash", base.Add(time.Hour))
	if err := s.ClearCooldown(ctx, "gemini/flash"); err != nil {
		t.Fatalf("ClearCooldown: %v", err)
	}
	if err := s.ClearCooldown(ctx, "never/set"); err != nil {
		t.Fatalf("ClearCooldown of an unknown target: %v", err)
	}

	cases := []struct {
		name string
		now  time.Time
		want map[string]time.Time
	}{
		{"now", base, map[string]time.Time{
			"openai/gpt-4o": base.Add(time.Minute), "anthropic/claude": base.Add(2 * time.Minute)}},
		{"expired at its until", base.Add(time.Minute), map[string]time.Time{
			"anthropic/claude": base.Add(2 * time.Minute)}},
		{"all expired", base.Add(3 * time.Minute), map[string]time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.Cooldowns(ctx, c.now)
			if err != nil {
				t.Fatalf("Cooldowns: %v", err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("Cooldowns = %v, want %v", got, c.want)
			}
			for k, until := range c.want {
				if !got[k].Equal(until) {
					t.Errorf("%s until %v, want %v", k, got[k], until)
				}
			}
		})
	}
}

// testProbeLease: after a cooldown ends, exactly one claimant at a time
// gets to probe the target; the lease ends on its own (a crashed holder),
// and a renewed or cleared cooldown takes its lease with it.
func testProbeLease(t *testing.T, newStore NewStore) {
	t.Run("one holder at a time", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		ended := base.Add(time.Minute)
		if err := s.SetCooldown(ctx, "a/m", ended); err != nil {
			t.Fatal(err)
		}
		if err := s.SetCooldown(ctx, "c/m", ended); err != nil {
			t.Fatal(err)
		}
		lease := 30 * time.Second
		steps := []struct {
			name   string
			target string
			now    time.Time
			do     func() error // before the claim
			want   bool
		}{
			{"no cooldown", "b/m", ended, nil, false},
			{"cooldown still running", "a/m", ended.Add(-time.Millisecond), nil, false},
			{"ended: first claim", "a/m", ended, nil, true},
			{"lease held", "a/m", ended.Add(lease - time.Millisecond), nil, false},
			{"another target's lease is its own", "c/m", ended.Add(time.Second), nil, true},
			{"lease ended: the next claim", "a/m", ended.Add(lease), nil, true},
			{"renewed: running again", "a/m", ended.Add(lease + time.Second),
				func() error { return s.SetCooldown(ctx, "a/m", ended.Add(2*lease)) }, false},
			{"renewed cooldown ended: its lease is free", "a/m", ended.Add(2 * lease), nil, true},
			{"cleared: nothing to probe", "a/m", ended.Add(3 * lease),
				func() error { return s.ClearCooldown(ctx, "a/m") }, false},
			{"set again after a clear", "a/m", ended.Add(4 * lease),
				func() error { return s.SetCooldown(ctx, "a/m", ended.Add(4*lease)) }, true},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				if st.do != nil {
					if err := st.do(); err != nil {
						t.Fatal(err)
					}
				}
				got, err := s.ClaimProbe(ctx, st.target, st.now, st.now.Add(lease))
				if err != nil {
					t.Fatalf("ClaimProbe: %v", err)
				}
				if got != st.want {
					t.Errorf("ClaimProbe(%s) at +%v = %v, want %v", st.target, st.now.Sub(ended), got, st.want)
				}
			})
		}
	})

	t.Run("ended cooldowns stay readable", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		until := base.Add(time.Minute)
		if err := s.SetCooldown(ctx, "a/m", until); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ClaimProbe(ctx, "a/m", until, until.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		got, err := s.Cooldowns(ctx, until.Add(time.Second).Add(-store.CooldownKeep))
		if err != nil {
			t.Fatal(err)
		}
		if !got["a/m"].Equal(until) {
			t.Errorf("Cooldowns looking back CooldownKeep = %v, want a/m until %v", got, until)
		}
	})

	t.Run("concurrent claims: exactly one wins", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		if err := s.SetCooldown(ctx, "a/m", base); err != nil {
			t.Fatal(err)
		}
		const claimants = 32
		var wg sync.WaitGroup
		wins := make(chan bool, claimants)
		errs := make(chan error, claimants)
		for i := 0; i < claimants; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := s.ClaimProbe(ctx, "a/m", base.Add(time.Second), base.Add(time.Minute))
				if err != nil {
					errs <- err
					return
				}
				wins <- ok
			}()
		}
		wg.Wait()
		close(wins)
		close(errs)
		for err := range errs {
			t.Fatalf("ClaimProbe: %v", err)
		}
		n := 0
		for ok := range wins {
			if ok {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d of %d concurrent claims won, want exactly 1", n, claimants)
		}
	})
}

func testInFlight(t *testing.T, newStore NewStore) {
	t.Run("sums unexpired counts across instances", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		soon, later := base.Add(30*time.Second), base.Add(5*time.Minute)
		steps := []struct {
			name     string
			instance string
			target   string
			count    int64
			expires  time.Time
			now      time.Time
			want     map[string]int64
		}{
			{"first", "i1", "a/m", 2, later, base, map[string]int64{"a/m": 2}},
			{"second instance", "i2", "a/m", 3, soon, base, map[string]int64{"a/m": 5}},
			{"second target", "i1", "b/m", 1, later, base, map[string]int64{"a/m": 5, "b/m": 1}},
			{"one instance expired", "i1", "b/m", 1, later, base.Add(time.Minute), map[string]int64{"a/m": 2, "b/m": 1}},
			{"set, not added", "i1", "a/m", 4, later, base.Add(time.Minute), map[string]int64{"a/m": 4, "b/m": 1}},
			{"release", "i1", "a/m", 0, later, base.Add(time.Minute), map[string]int64{"b/m": 1}},
			{"another instance", "i3", "a/m", 1, later, base.Add(time.Minute), map[string]int64{"a/m": 1, "b/m": 1}},
			{"all expired", "i4", "c/m", 1, soon, base.Add(time.Hour), map[string]int64{}},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				if err := s.SetInFlight(ctx, st.instance, st.target, st.count, st.expires); err != nil {
					t.Fatalf("SetInFlight: %v", err)
				}
				got, err := s.InFlightCounts(ctx, st.now)
				if err != nil {
					t.Fatalf("InFlightCounts: %v", err)
				}
				if len(got) == 0 && len(st.want) == 0 {
					return
				}
				if !reflect.DeepEqual(got, st.want) {
					t.Errorf("InFlightCounts = %v, want %v", got, st.want)
				}
			})
		}
	})

	t.Run("concurrent instances", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		const workers = 30
		var wg sync.WaitGroup
		errs := make(chan error, 2*workers)
		for i := 0; i < workers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Each instance rises to two requests and falls back to one.
				inst := fmt.Sprintf("i%d", i)
				for _, n := range []int64{1, 2, 1} {
					if err := s.SetInFlight(ctx, inst, "a/m", n, base.Add(time.Minute)); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("SetInFlight: %v", err)
		}
		got, err := s.InFlightCounts(ctx, base)
		if err != nil {
			t.Fatalf("InFlightCounts: %v", err)
		}
		if got["a/m"] != workers {
			t.Errorf("in flight = %d, want %d", got["a/m"], workers)
		}
	})
}
