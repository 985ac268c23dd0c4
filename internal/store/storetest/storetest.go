package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/store"
)

// NewStore returns an empty store for one test; cleanup goes in t.Cleanup.
type NewStore func(t *testing.T) store.Store

// base is the suite's clock: a whole minute, so minute buckets are exact.
var base = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// Run runs the whole suite. Every subtest gets its own store from newStore
// and runs in parallel with the others.
func Run(t *testing.T, newStore NewStore) {
	t.Run("Records", func(t *testing.T) { testRecords(t, newStore) })
	t.Run("Budgets", func(t *testing.T) { testBudgets(t, newStore) })
	t.Run("Leases", func(t *testing.T) { testLeases(t, newStore) })
	t.Run("Metrics", func(t *testing.T) { testMetrics(t, newStore) })
	t.Run("Stats", func(t *testing.T) { testStats(t, newStore) })
	t.Run("Cooldowns", func(t *testing.T) { testCooldowns(t, newStore) })
	t.Run("ProbeLease", func(t *testing.T) { testProbeLease(t, newStore) })
	t.Run("InFlight", func(t *testing.T) { testInFlight(t, newStore) })
	t.Run("Digest", func(t *testing.T) { testDigest(t, newStore) })
}

func testDigest(t *testing.T, newStore NewStore) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	if _, ok, err := s.LoadDigest(ctx); err != nil || ok {
		t.Fatalf("LoadDigest on an empty store = ok %v, %v; want none", ok, err)
	}
	want := store.Digest{
		BuiltAt:   base,
		Stats:     []store.Stats{{Subject: "p/m", Window: "5m", Requests: 12, SuccessRate: 0.75, LatencyP95Ms: 812.5, UpdatedAt: base}},
		Cooldowns: map[string]time.Time{"p/bad": base.Add(30 * time.Second)},
		InFlight:  map[string]int64{"p/m": 3},
	}
	for i, d := range []store.Digest{{BuiltAt: base.Add(-time.Minute)}, want} {
		if err := s.PutDigest(ctx, d); err != nil {
			t.Fatalf("PutDigest %d: %v", i, err)
		}
	}
	got, ok, err := s.LoadDigest(ctx)
	if err != nil || !ok {
		t.Fatalf("LoadDigest = ok %v, %v", ok, err)
	}
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if string(gj) != string(wj) {
		t.Errorf("digest read back as\n%s\nwant the last one written\n%s", gj, wj)
	}
}

func testRecords(t *testing.T, newStore NewStore) {
	t.Run("the config version moves with every config write but the snapshot's", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		version := func() int64 {
			t.Helper()
			v, err := s.ConfigVersion(ctx)
			if err != nil {
				t.Fatalf("ConfigVersion: %v", err)
			}
			return v
		}
		start := version()
		steps := []struct {
			name  string
			write func() error
			moves bool
		}{
			{"put", func() error {
				return s.PutRecord(ctx, store.Record{Kind: store.KindRouter, Name: "r", Doc: map[string]any{"strategy": "fallback"}})
			}, true},
			{"put again", func() error {
				return s.PutRecord(ctx, store.Record{Kind: store.KindRouter, Name: "r", Doc: map[string]any{"strategy": "round_robin"}})
			}, true},
			{"snapshot", func() error {
				return s.PutRecord(ctx, store.Record{Kind: store.KindSnapshot, Name: "last_good", Doc: map[string]any{"digest": "x"}})
			}, false},
			{"delete", func() error { return s.DeleteRecord(ctx, store.KindRouter, "r") }, true},
		}
		prev := start
		for _, st := range steps {
			if err := st.write(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			v := version()
			if moved := v != prev; moved != st.moves {
				t.Errorf("%s: version %d → %d, want moved = %v", st.name, prev, v, st.moves)
			}
			prev = v
		}
		recs, err := s.ListRecords(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Kind != store.KindSnapshot {
				t.Errorf("ListRecords lists %s/%s: the version item is not a record", r.Kind, r.Name)
			}
		}
	})
	t.Run("values of every YAML type survive", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		docs := []struct {
			name string
			doc  map[string]any
		}{
			{"scalars", map[string]any{
				"type": "openai", "api_key": "env:OPENAI_API_KEY", "empty": "",
				"enabled": true, "disabled": false, "nothing": nil,
			}},
			{"numbers", map[string]any{
				"small": 3, "negative": -42, "zero": 0, "float": 0.15, "big": int64(9007199254740993),
			}},
			{"nested", map[string]any{
				"strategy": "fallback",
				"targets": []any{
					map[string]any{"model": "openai/gpt-4o-mini"},
					map[string]any{"model": "anthropic/claude", "params": map[string]any{"temperature": 0.2}},
					map[string]any{"router": "cheap"},
				},
				"retry":     map[string]any{"max_retries": 2, "initial_backoff": "250ms"},
				"on_status": map[string]any{"408": "next", "400": "fail"},
				"when":      map[string]any{"$and": []any{map[string]any{"metadata.tier": map[string]any{"$in": []any{"a", 1, true}}}}},
				"empties":   map[string]any{"list": []any{}, "map": map[string]any{}},
			}},
		}
		for _, d := range docs {
			if err := s.PutRecord(ctx, store.Record{Kind: store.KindRouter, Name: d.name, Doc: d.doc, UpdatedAt: base}); err != nil {
				t.Fatalf("PutRecord %s: %v", d.name, err)
			}
		}
		got := recordsByName(t, s)
		for _, d := range docs {
			t.Run(d.name, func(t *testing.T) {
				r, ok := got[store.KindRouter+"/"+d.name]
				if !ok {
					t.Fatalf("record %s missing from ListRecords", d.name)
				}
				if want, have := jsonOf(t, d.doc), jsonOf(t, r.Doc); want != have {
					t.Errorf("doc changed in the store:\nput  %s\ngot  %s", want, have)
				}
				if r.Version != 1 || !r.UpdatedAt.Equal(base) {
					t.Errorf("version %d updated_at %v, want 1 and %v", r.Version, r.UpdatedAt, base)
				}
			})
		}
	})

	t.Run("put increments the version and replaces the doc", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		put := func(kind, name string, doc map[string]any) {
			t.Helper()
			if err := s.PutRecord(ctx, store.Record{Kind: kind, Name: name, Doc: doc}); err != nil {
				t.Fatalf("PutRecord %s/%s: %v", kind, name, err)
			}
		}
		put(store.KindProvider, "openai", map[string]any{"type": "openai", "region": "us-east-1"})
		put(store.KindProvider, "openai", map[string]any{"type": "openai"})
		put(store.KindProvider, "openai", map[string]any{"type": "openai"})
		put(store.KindRouter, "openai", map[string]any{"strategy": "fallback"})

		got := recordsByName(t, s)
		p := got["provider/openai"]
		if p.Version != 3 {
			t.Errorf("provider/openai version = %d after 3 puts, want 3", p.Version)
		}
		if _, ok := p.Doc["region"]; ok {
			t.Errorf("doc = %v: a put must replace the doc, not merge into it", p.Doc)
		}
		if p.UpdatedAt.IsZero() {
			t.Error("updated_at is zero; a put without one must stamp the current time")
		}
		if r := got["router/openai"]; r.Version != 1 {
			t.Errorf("router/openai version = %d, want 1 (versions are per kind and name)", r.Version)
		}
	})

	t.Run("list is sorted by kind then name", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		for _, k := range [][2]string{{"router", "b"}, {"key", "z"}, {"router", "a"}, {"budget", "m"}} {
			if err := s.PutRecord(ctx, store.Record{Kind: k[0], Name: k[1], Doc: map[string]any{"x": 1}}); err != nil {
				t.Fatalf("PutRecord: %v", err)
			}
		}
		recs, err := s.ListRecords(ctx)
		if err != nil {
			t.Fatalf("ListRecords: %v", err)
		}
		var order []string
		for _, r := range recs {
			order = append(order, r.Kind+"/"+r.Name)
		}
		want := []string{"budget/m", "key/z", "router/a", "router/b"}
		if jsonOf(t, order) != jsonOf(t, want) {
			t.Errorf("order = %v, want %v", order, want)
		}
	})

	t.Run("delete", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		for i := 0; i < 2; i++ {
			if err := s.PutRecord(ctx, store.Record{Kind: store.KindKey, Name: "team-a", Doc: map[string]any{"sha256": "ab"}}); err != nil {
				t.Fatalf("PutRecord: %v", err)
			}
		}
		steps := []struct {
			name       string
			kind, key  string
			wantErr    error
			wantRemain int
		}{
			{"existing", store.KindKey, "team-a", nil, 0},
			{"again", store.KindKey, "team-a", store.ErrNotFound, 0},
			{"never existed", store.KindRouter, "nope", store.ErrNotFound, 0},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				err := s.DeleteRecord(ctx, st.kind, st.key)
				if !errors.Is(err, st.wantErr) || (st.wantErr == nil && err != nil) {
					t.Fatalf("DeleteRecord = %v, want %v", err, st.wantErr)
				}
				if n := len(recordsByName(t, s)); n != st.wantRemain {
					t.Errorf("%d records left, want %d", n, st.wantRemain)
				}
			})
		}
		if err := s.PutRecord(ctx, store.Record{Kind: store.KindKey, Name: "team-a", Doc: map[string]any{}}); err != nil {
			t.Fatalf("PutRecord after delete: %v", err)
		}
		if v := recordsByName(t, s)["key/team-a"].Version; v != 1 {
			t.Errorf("re-created record has version %d, want 1", v)
		}
	})
}

func testBudgets(t *testing.T, newStore NewStore) {
	expires := base.Add(31 * 24 * time.Hour)

	t.Run("reserve up to the limit", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		steps := []struct {
			name      string
			key       string
			op        string // reserve | adjust
			micros    int64
			limit     int64
			wantTotal int64
			wantErr   error
		}{
			{"first", "monthly#2026-11", "reserve", 300, 1000, 300, nil},
			{"exactly to the limit", "monthly#2026-11", "reserve", 700, 1000, 1000, nil},
			{"one past the limit", "monthly#2026-11", "reserve", 1, 1000, 1000, store.ErrBudgetExceeded},
			{"release", "monthly#2026-11", "adjust", -400, 0, 600, nil},
			{"fits after release", "monthly#2026-11", "reserve", 400, 1000, 1000, nil},
			{"larger than the limit on a new key", "daily#2026-11-25", "reserve", 5001, 5000, 0, store.ErrBudgetExceeded},
			{"other keys are independent", "daily#2026-11-25", "reserve", 5000, 5000, 5000, nil},
			{"adjust creates the counter", "team-a#2026-11-25", "adjust", 250, 0, 250, nil},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				switch st.op {
				case "reserve":
					total, err := s.Reserve(ctx, st.key, st.micros, st.limit, expires)
					if !errors.Is(err, st.wantErr) || (st.wantErr == nil && err != nil) {
						t.Fatalf("Reserve = %v, want %v", err, st.wantErr)
					}
					if total != st.wantTotal {
						t.Errorf("Reserve total = %d, want %d", total, st.wantTotal)
					}
				case "adjust":
					if err := s.Adjust(ctx, st.key, st.micros, expires); err != nil {
						t.Fatalf("Adjust: %v", err)
					}
				}
				spent, err := s.Spent(ctx, st.key)
				if err != nil {
					t.Fatalf("Spent: %v", err)
				}
				if spent != st.wantTotal {
					t.Errorf("Spent = %d, want %d", spent, st.wantTotal)
				}
			})
		}
		if spent, err := s.Spent(ctx, "never-used"); err != nil || spent != 0 {
			t.Errorf("Spent(never-used) = %d, %v; want 0, nil", spent, err)
		}
	})

	t.Run("a reservation below zero is refused", func(t *testing.T) {
		// A negative reservation would pass any limit check and lower the
		// counter, making room for other spend past a hard limit.
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		const key = "monthly#2026-11"
		if _, err := s.Reserve(ctx, key, 1000, 1000, expires); err != nil {
			t.Fatalf("Reserve to the limit: %v", err)
		}
		for _, micros := range []int64{-1, -1000, math.MinInt64} {
			if _, err := s.Reserve(ctx, key, micros, 1000, expires); !errors.Is(err, store.ErrNegativeReservation) {
				t.Errorf("Reserve(%d) = %v, want ErrNegativeReservation", micros, err)
			}
		}
		if _, err := s.Reserve(ctx, "fresh#2026-11", -5, 1000, expires); !errors.Is(err, store.ErrNegativeReservation) {
			t.Errorf("Reserve(-5) on a new counter = %v, want ErrNegativeReservation", err)
		}
		if spent, err := s.Spent(ctx, key); err != nil || spent != 1000 {
			t.Errorf("Spent = %d, %v after refused negative reservations; want 1000 (unchanged)", spent, err)
		}
		if _, err := s.Reserve(ctx, key, 1, 1000, expires); !errors.Is(err, store.ErrBudgetExceeded) {
			t.Errorf("Reserve(1) on the full counter = %v, want ErrBudgetExceeded", err)
		}
		if spent, err := s.Spent(ctx, "fresh#2026-11"); err != nil || spent != 0 {
			t.Errorf("Spent(fresh) = %d, %v; want 0", spent, err)
		}
	})

	t.Run("amounts at the int64 bounds never wrap", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		const key = "monthly#2026-11"
		steps := []struct {
			name      string
			op        string // reserve | adjust
			micros    int64
			limit     int64
			wantTotal int64
			wantErr   error
		}{
			{"the largest reservation does not fit a small limit", "reserve", math.MaxInt64, 1000, 0, store.ErrBudgetExceeded},
			{"nor the smallest limit", "reserve", math.MaxInt64, math.MinInt64, 0, store.ErrBudgetExceeded},
			{"some spend", "reserve", 500, 1000, 500, nil},
			{"a huge reservation on top does not wrap into the limit", "reserve", math.MaxInt64 - 100, 1000, 500, store.ErrBudgetExceeded},
			{"a huge settlement saturates", "adjust", math.MaxInt64, 0, math.MaxInt64, nil},
			{"and stays saturated", "adjust", math.MaxInt64, 0, math.MaxInt64, nil},
			{"nothing fits any more", "reserve", 0, math.MaxInt64 - 1, math.MaxInt64, store.ErrBudgetExceeded},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				switch st.op {
				case "reserve":
					if _, err := s.Reserve(ctx, key, st.micros, st.limit, expires); !errors.Is(err, st.wantErr) || (st.wantErr == nil && err != nil) {
						t.Fatalf("Reserve = %v, want %v", err, st.wantErr)
					}
				case "adjust":
					if err := s.Adjust(ctx, key, st.micros, expires); err != nil {
						t.Fatalf("Adjust: %v", err)
					}
				}
				spent, err := s.Spent(ctx, key)
				if err != nil {
					t.Fatalf("Spent: %v", err)
				}
				if spent != st.wantTotal {
					t.Errorf("Spent = %d, want %d", spent, st.wantTotal)
				}
			})
		}
	})

	t.Run("concurrent reservations never pass the limit", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		const (
			workers = 100
			micros  = 7
			limit   = 500
		)
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			totals []int64
			errs   []error
		)
		for i := 0; i < workers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				total, err := s.Reserve(ctx, "global#2026-11", micros, limit, expires)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
					return
				}
				totals = append(totals, total)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if !errors.Is(err, store.ErrBudgetExceeded) {
				t.Fatalf("Reserve error %v, want ErrBudgetExceeded", err)
			}
		}
		// Reservations are refused only once the total is within 7 of 500,
		// so exactly floor(500/7) = 71 succeed, each seeing its own total.
		if len(totals) != limit/micros {
			t.Errorf("%d reservations succeeded, want %d", len(totals), limit/micros)
		}
		sort.Slice(totals, func(i, j int) bool { return totals[i] < totals[j] })
		for i, total := range totals {
			if total != int64(i+1)*micros {
				t.Fatalf("success %d returned total %d, want %d (totals must be distinct steps)", i, total, int64(i+1)*micros)
			}
		}
		spent, err := s.Spent(ctx, "global#2026-11")
		if err != nil {
			t.Fatalf("Spent: %v", err)
		}
		if spent != int64(len(totals))*micros || spent > limit {
			t.Errorf("Spent = %d after %d successes of %d, limit %d", spent, len(totals), micros, limit)
		}
	})
}

func recordsByName(t *testing.T, s store.Store) map[string]store.Record {
	t.Helper()
	recs, err := s.ListRecords(context.Background())
	if err != nil {
		t.Fatalf("ListRecords: %v", err)
	}
	out := make(map[string]store.Record, len(recs))
	for _, r := range recs {
		out[r.Kind+"/"+r.Name] = r
	}
	return out
}

// jsonOf compares values the way a config consumer sees them: 3 and 3.0
// are the same number, map order does not matter.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %v: %v", v, err)
	}
	return string(b)
}
