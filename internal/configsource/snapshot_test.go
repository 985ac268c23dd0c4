package configsource_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// TestNewInstanceServesTheLastGoodSnapshot: a record that does not
// validate (a typo written straight to the table) leaves a running
// instance on its last good config, and an instance that starts after it
// on the snapshot of that config the gateway stored, instead of failing
// every request. A store with no snapshot still refuses to start.
func TestNewInstanceServesTheLastGoodSnapshot(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st, _ := b.open(t)
			ctx := context.Background()
			running := openGateway(t, st, baseYAML, 10*time.Second)
			if got := running.reply(t, "router/r"); got != "one" {
				t.Fatalf("served %q", got)
			}
			bad := store.Record{Kind: store.KindRouter, Name: "typo", Doc: map[string]any{"strategy": "fallbak", "targets": []any{"m/a"}}}
			if err := st.PutRecord(ctx, bad); err != nil {
				t.Fatal(err)
			}

			// A new instance: the records do not validate, the snapshot does.
			fresh := &gateway{st: st, clock: newClock(), logs: &testenv.SyncBuffer{}}
			src, err := configsource.FromStore(ctx, st, depsFor(fresh), 10*time.Second)
			if err != nil {
				t.Fatalf("a new instance refused to start although a last good snapshot is stored: %v", err)
			}
			fresh.src = src
			t.Cleanup(func() { src.Wait(); src.Engine().Close() })
			if got := fresh.reply(t, "router/r"); got != "one" {
				t.Errorf("the new instance served %q, want the snapshot's router r", got)
			}
			if src.Failures.Load() != 1 || !strings.Contains(fresh.logs.String(), "serving the last good snapshot") {
				t.Errorf("the invalid records were not counted and logged: failures %d, logs %s", src.Failures.Load(), fresh.logs)
			}

			// Once the record is fixed, the records are served again.
			if err := st.DeleteRecord(ctx, store.KindRouter, "typo"); err != nil {
				t.Fatal(err)
			}
			if err := st.PutRecord(ctx, store.Record{Kind: store.KindProvider, Name: "m", Doc: map[string]any{"type": "mock", "reply": "two"}}); err != nil {
				t.Fatal(err)
			}
			fresh.tick(11 * time.Second)
			if got := fresh.reply(t, "router/r"); got != "two" {
				t.Errorf("after the fix the new instance served %q, want the records' config", got)
			}
		})
	}
	t.Run("no snapshot", func(t *testing.T) {
		st := store.NewMemory()
		ctx := context.Background()
		if err := st.PutRecord(ctx, store.Record{Kind: store.KindRouter, Name: "typo", Doc: map[string]any{"strategy": "fallbak"}}); err != nil {
			t.Fatal(err)
		}
		g := &gateway{st: st, clock: newClock(), logs: &testenv.SyncBuffer{}}
		if _, err := configsource.FromStore(ctx, st, depsFor(g), time.Second); err == nil || !strings.Contains(err.Error(), "invalid") {
			t.Errorf("FromStore = %v, want the validation error", err)
		}
	})
}

// raceStore runs hook once, right after the first ListRecords: another
// instance's change landing between this instance's read and write.
type raceStore struct {
	store.Store
	once sync.Once
	hook func()
}

func (r *raceStore) ListRecords(ctx context.Context) ([]store.Record, error) {
	recs, err := r.Store.ListRecords(ctx)
	if r.hook != nil {
		r.once.Do(r.hook)
	}
	return recs, err
}

// TestConcurrentAdminChangesCannotStoreAnInvalidConfig: this instance
// adds router b → cheap while another deletes cheap. Each change is valid
// against what its instance read; together they are not. The later one is
// undone and reported as a conflict (409), so the stored config stays valid.
func TestConcurrentAdminChangesCannotStoreAnInvalidConfig(t *testing.T) {
	const yml = `
providers:
  m: {type: mock}
routers:
  r: {strategy: fallback, targets: [{model: m/a}]}
  cheap: {strategy: fallback, targets: [{model: m/b}]}
`
	mem := store.NewMemory()
	ctx := context.Background()
	g := openGateway(t, mem, yml, 10*time.Second)
	rs := &raceStore{Store: mem}
	src, err := configsource.FromStore(ctx, rs, depsFor(g), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Wait(); src.Engine().Close() })
	// Armed now: it fires on the change's own read.
	rs.hook = func() {
		if err := mem.DeleteRecord(ctx, store.KindRouter, "cheap"); err != nil {
			t.Errorf("the other instance's delete: %v", err)
		}
	}
	err = src.Put(ctx, store.KindRouter, "b", map[string]any{"strategy": "fallback", "targets": []any{map[string]any{"router": "cheap"}}})
	if !errors.Is(err, httpapi.ErrConflict) {
		t.Fatalf("Put = %v, want ErrConflict", err)
	}
	recs, err := mem.ListRecords(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Kind == store.KindRouter && r.Name == "b" {
			t.Errorf("router b is still stored; the conflicting change should have been undone")
		}
	}
	var live []store.Record
	for _, r := range recs {
		if r.Kind != store.KindSnapshot {
			live = append(live, r)
		}
	}
	if _, err := configsource.Validate(configsource.FromRecords(live)); err != nil {
		t.Errorf("the stored config does not validate: %v", err)
	}
}

// depsFor is openGateway's engine deps for g.
func depsFor(g *gateway) engine.Deps {
	return engine.Deps{Store: g.st, Now: g.clock.Now, Seed: 1, Logger: slog.New(slog.NewJSONHandler(g.logs, nil))}
}
