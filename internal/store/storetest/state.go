package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
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
