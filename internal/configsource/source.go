package configsource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// DefaultRefresh is how long config read from the store is served before
// it is read again.
const DefaultRefresh = 10 * time.Second

// Source holds the current engine and rebuilds it when config changes.
type Source struct {
	st      store.Configs
	deps    engine.Deps
	log     *slog.Logger
	refresh time.Duration
	now     func() time.Time

	cur        atomic.Pointer[engine.Engine]
	loadedAt   atomic.Int64
	reloading  atomic.Bool
	mu         sync.Mutex // serialises reloads and admin writes
	lastDigest string

	// Reloads and Failures count reload outcomes (failures keep the last good config).
	Reloads, Failures atomic.Int64
}

// FromConfig serves a fixed, already validated config.
func FromConfig(cfg *config.Config, deps engine.Deps) (*Source, error) {
	eng, err := engine.New(cfg, deps)
	if err != nil {
		return nil, err
	}
	s := &Source{deps: deps, log: logger(deps), now: time.Now}
	s.cur.Store(eng)
	return s, nil
}

// FromStore serves the config records in st, read now and re-read every
// refresh. The first read must succeed and validate; later failures keep
// the last good config.
func FromStore(ctx context.Context, st store.Configs, deps engine.Deps, refresh time.Duration) (*Source, error) {
	if refresh <= 0 {
		refresh = DefaultRefresh
	}
	s := &Source{st: st, deps: deps, log: logger(deps), refresh: refresh, now: time.Now}
	if err := s.Reload(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func logger(d engine.Deps) *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.Default()
}

// Engine returns the current engine, starting a background re-read when
// the cached config is older than the refresh interval. It never blocks on
// the store.
func (s *Source) Engine() *engine.Engine {
	if s.st != nil && s.now().UnixNano()-s.loadedAt.Load() > int64(s.refresh) && s.reloading.CompareAndSwap(false, true) {
		go func() {
			defer s.reloading.Store(false)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := s.Reload(ctx); err != nil {
				s.log.Error("config reload failed; serving the last good config", "err", err)
			}
		}()
	}
	return s.cur.Load()
}

// Reload reads the records and swaps in a new engine if they changed and
// are valid.
func (s *Source) Reload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.loadedAt.Store(s.now().UnixNano())
	recs, err := s.st.ListRecords(ctx)
	if err != nil {
		s.Failures.Add(1)
		return fmt.Errorf("read config records: %w", err)
	}
	digest := digestOf(recs)
	if digest == s.lastDigest && s.cur.Load() != nil {
		return nil
	}
	eng, err := build(FromRecords(recs), s.deps)
	if err != nil {
		s.Failures.Add(1)
		return fmt.Errorf("config in store is invalid: %w", err)
	}
	old := s.cur.Swap(eng)
	s.lastDigest = digest
	s.Reloads.Add(1)
	if old != nil {
		// In-flight requests hold their own reference; only background
		// work stops. Queued metric samples are written first.
		go old.Close()
	}
	s.log.Info("config loaded", "records", len(recs))
	return nil
}

func digestOf(recs []store.Record) string {
	d := ""
	for _, r := range recs {
		d += fmt.Sprintf("%s/%s@%d;", r.Kind, r.Name, r.Version)
	}
	return d
}

func build(doc map[string]any, deps engine.Deps) (*engine.Engine, error) {
	cfg, err := config.FromDocument(doc)
	if err != nil {
		return nil, err
	}
	return engine.New(cfg, deps)
}

// Validate checks a whole document as the gateway would before serving it:
// schema, references, and strategy compilation.
func Validate(doc map[string]any) (*config.Config, error) {
	cfg, err := config.FromDocument(doc)
	if err != nil {
		return nil, err
	}
	if _, err := engine.Compile(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Push validates doc and writes it as records, deleting records the
// document no longer has.
func Push(ctx context.Context, st store.Configs, doc map[string]any) (int, error) {
	if _, err := Validate(doc); err != nil {
		return 0, err
	}
	recs, err := ToRecords(doc)
	if err != nil {
		return 0, err
	}
	existing, err := st.ListRecords(ctx)
	if err != nil {
		return 0, err
	}
	keep := map[[2]string]bool{}
	for _, r := range recs {
		if err := st.PutRecord(ctx, r); err != nil {
			return 0, fmt.Errorf("write %s %s: %w", r.Kind, r.Name, err)
		}
		keep[[2]string{r.Kind, r.Name}] = true
	}
	for _, r := range existing {
		if !keep[[2]string{r.Kind, r.Name}] {
			if err := st.DeleteRecord(ctx, r.Kind, r.Name); err != nil && !errors.Is(err, store.ErrNotFound) {
				return 0, fmt.Errorf("delete %s %s: %w", r.Kind, r.Name, err)
			}
		}
	}
	return len(recs), nil
}

var _ httpapi.EngineSource = (*Source)(nil)
