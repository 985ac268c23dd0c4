package configsource

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
// it is read again, unless FromStore is given an interval or the config
// sets server.config_refresh.
const DefaultRefresh = 10 * time.Second

// Source holds the current engine and rebuilds it when config changes.
type Source struct {
	st   store.Configs
	deps engine.Deps
	log  *slog.Logger
	// refresh is FromStore's interval; 0 means the served config's
	// server.config_refresh, else DefaultRefresh.
	refresh time.Duration
	// now is deps.Now (default time.Now): tests move one clock for the
	// engine and the config cache alike.
	now func() time.Time

	cur        atomic.Pointer[engine.Engine]
	loadedAt   atomic.Int64
	reloading  atomic.Bool
	background atomic.Pointer[chan struct{}] // closed when the last background reload ends
	mu         sync.Mutex                    // serialises reloads and admin writes
	lastDigest string
	// version is the store's config version read before the last full
	// read (valid when haveVersion), fullAt when that read was made: a
	// refresh reads the records again only when the version moved or
	// FullRefresh has passed (see poll).
	version     int64
	haveVersion bool
	fullAt      time.Time

	// Reloads and Failures count reload outcomes (failures keep the last good config).
	Reloads, Failures atomic.Int64
}

// FromConfig serves a fixed, already validated config.
func FromConfig(cfg *config.Config, deps engine.Deps) (*Source, error) {
	deps = shareClient(deps)
	eng, err := engine.New(cfg, deps)
	if err != nil {
		return nil, err
	}
	s := &Source{deps: deps, log: logger(deps), now: clock(deps)}
	s.cur.Store(eng)
	return s, nil
}

// FromStore serves the config records in st, read now and re-read every
// refresh (0: the config's server.config_refresh, else DefaultRefresh).
// The first read must succeed and validate; later failures keep the last
// good config.
func FromStore(ctx context.Context, st store.Configs, deps engine.Deps, refresh time.Duration) (*Source, error) {
	deps = shareClient(deps)
	s := &Source{st: st, deps: deps, log: logger(deps), refresh: max(refresh, 0), now: clock(deps)}
	if err := s.Reload(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func clock(d engine.Deps) func() time.Time {
	if d.Now != nil {
		return d.Now
	}
	return time.Now
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
	eng := s.cur.Load()
	if s.st != nil && s.now().UnixNano()-s.loadedAt.Load() > int64(s.interval(eng)) && s.reloading.CompareAndSwap(false, true) {
		done := make(chan struct{})
		s.background.Store(&done)
		go func() {
			defer close(done)
			defer s.reloading.Store(false)
			ctx, cancel := context.WithTimeout(context.Background(), reloadTimeout)
			defer cancel()
			if err := s.poll(ctx); err != nil {
				s.log.Error("config reload failed; serving the last good config", "err", err, "failures", s.Failures.Load())
			}
		}()
	}
	return eng
}

// reloadTimeout bounds a background reload; FailFast ends a call to an
// unreachable store well within it.
const reloadTimeout = 10 * time.Second

// interval is how long eng's config is served before a re-read.
func (s *Source) interval(eng *engine.Engine) time.Duration {
	if s.refresh > 0 {
		return s.refresh
	}
	if eng != nil {
		if d := eng.Config().Server.ConfigRefresh.D(); d > 0 {
			return d
		}
	}
	return DefaultRefresh
}

// Wait returns when the background reload that Engine last started (if
// any) has ended, so a test or a shutdown can observe its outcome without
// guessing how long it takes.
func (s *Source) Wait() {
	if done := s.background.Load(); done != nil {
		<-*done
	}
}

// FullRefresh is how often a container reads every config record even
// though the config version did not move: a record edited by hand in the
// DynamoDB console bumps no version, and is served within this long.
const FullRefresh = 5 * time.Minute

// poll is a periodic re-read: one small read of the config version
// (store.Configs.ConfigVersion, a GetItem on DynamoDB) and, only when it
// moved or FullRefresh has passed, a full read (Reload). A version that
// cannot be read leads to a full read, which reports the outage.
func (s *Source) poll(ctx context.Context) error {
	v, err := s.st.ConfigVersion(ctx)
	if err == nil {
		s.mu.Lock()
		unchanged := s.haveVersion && v == s.version && s.now().Sub(s.fullAt) < FullRefresh && s.cur.Load() != nil
		s.mu.Unlock()
		if unchanged {
			s.loadedAt.Store(s.now().UnixNano())
			return nil
		}
	}
	return s.Reload(ctx)
}

// Reload reads the records and swaps in a new engine if they changed and
// are valid.
func (s *Source) Reload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.loadedAt.Store(s.now().UnixNano())
	// The version is read before the records: a write that lands between
	// the two reads leaves a version newer than the one kept, so the next
	// refresh reads again instead of missing it.
	v, verr := s.st.ConfigVersion(ctx)
	all, err := s.st.ListRecords(ctx)
	if err != nil {
		s.Failures.Add(1)
		return fmt.Errorf("read config records: %w", err)
	}
	s.version, s.haveVersion, s.fullAt = v, verr == nil, s.now()
	recs, snap := splitSnapshot(all)
	digest := digestOf(recs)
	if digest == s.lastDigest && s.cur.Load() != nil {
		return nil
	}
	eng, err := build(FromRecords(recs), s.deps)
	if err != nil {
		s.Failures.Add(1)
		err = fmt.Errorf("config in store is invalid: %w", err)
		if s.cur.Load() != nil {
			return err // keep serving the last good config
		}
		// A new instance has no last good config of its own: it serves
		// the one the gateway last validated, if the store holds it.
		snapEng, ok := s.fromSnapshot(snap)
		if !ok {
			return err
		}
		s.log.Error("config in store is invalid; serving the last good snapshot", "err", err, "snapshot_updated_at", snap.UpdatedAt)
		s.swap(snapEng, digest)
		return nil
	}
	s.swap(eng, digest)
	s.log.Info("config loaded", "records", len(recs))
	s.saveSnapshot(ctx, recs, snap, digest)
	return nil
}

// swap serves eng from now on.
func (s *Source) swap(eng *engine.Engine, digest string) {
	old := s.cur.Swap(eng)
	s.lastDigest = digest
	s.Reloads.Add(1)
	if old != nil {
		// In-flight requests hold their own reference; only background
		// work stops. Queued metric samples are written first.
		go old.Close()
	}
}

// snapshotName is the one snapshot record's name.
const snapshotName = "last_good"

// splitSnapshot separates the snapshot record from the config records.
func splitSnapshot(all []store.Record) (recs []store.Record, snap *store.Record) {
	recs = all[:0:0]
	for i := range all {
		if all[i].Kind == store.KindSnapshot {
			if all[i].Name == snapshotName {
				snap = &all[i]
			}
			continue
		}
		recs = append(recs, all[i])
	}
	return recs, snap
}

// saveSnapshot records recs as the last good config when the stored
// snapshot is of another config. Every instance that loads a new config
// may write it; they write the same document. A failure (an item over
// DynamoDB's 400 KB, an outage) only costs the fallback: logged.
func (s *Source) saveSnapshot(ctx context.Context, recs []store.Record, snap *store.Record, digest string) {
	if snap != nil && snap.Doc["digest"] == digest {
		return
	}
	doc := map[string]any{"digest": digest, "config": FromRecords(recs)}
	if err := s.st.PutRecord(ctx, store.Record{Kind: store.KindSnapshot, Name: snapshotName, Doc: doc}); err != nil {
		s.log.Warn("could not store the last good config snapshot", "err", err)
	}
}

// fromSnapshot builds an engine from the snapshot record.
func (s *Source) fromSnapshot(snap *store.Record) (*engine.Engine, bool) {
	if snap == nil {
		return nil, false
	}
	doc, ok := snap.Doc["config"].(map[string]any)
	if !ok {
		return nil, false
	}
	eng, err := build(doc, s.deps)
	if err != nil {
		s.log.Error("the last good config snapshot does not validate either", "err", err)
		return nil, false
	}
	return eng, true
}

// digestOf fingerprints the records' contents. Versions alone would miss
// a record deleted and put again between two reads (its version starts
// over at 1) and an item edited in the DynamoDB console (no version bump).
func digestOf(recs []store.Record) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, r := range recs {
		// Map keys are sorted by encoding/json, so equal docs hash equal.
		if err := enc.Encode([]any{r.Kind, r.Name, r.Doc}); err != nil {
			fmt.Fprintf(h, "%s/%s@%d unencodable;", r.Kind, r.Name, r.Version)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func build(doc map[string]any, deps engine.Deps) (*engine.Engine, error) {
	cfg, err := config.FromDocument(doc)
	if err != nil {
		return nil, err
	}
	eng, err := engine.New(cfg, deps)
	return eng, dedupe(err)
}

// Validate checks a whole document as the gateway would before serving it:
// schema, references, strategy compilation, and building each provider
// (without network I/O), so that a config it accepts is one engine.New
// accepts too. Every error is reported, with its path.
func Validate(doc map[string]any) (*config.Config, error) {
	cfg, err := config.FromDocumentPartial(doc)
	if err != nil {
		var errs config.Errors
		if !errors.As(err, &errs) || cfg == nil {
			return nil, err
		}
		// Provider and strategy problems too, in the same run (`validate`
		// lists every problem), except those that echo an error already
		// reported.
		more := append(safely(func() config.Errors { return buildProviders(cfg) }), compileErrors(cfg)...)
		return nil, append(errs, config.Unrelated(errs, more)...)
	}
	// Providers first: the order config validation reports them in.
	errs := buildProviders(cfg)
	if _, err := engine.Compile(cfg); err != nil {
		err = dedupe(err)
		var ces config.Errors
		if !errors.As(err, &ces) {
			ces = config.Errors{{Msg: err.Error()}}
		}
		errs = append(errs, ces...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return cfg, nil
}

// dedupe drops repeated errors: a router that fails to compile is
// reported again by every router that nests it, under the same path.
func dedupe(err error) error {
	var errs config.Errors
	if !errors.As(err, &errs) {
		return err
	}
	seen := map[config.FieldError]bool{}
	out := errs[:0:0]
	for _, e := range errs {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
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
		if r.Kind == store.KindSnapshot {
			continue // not config: kept for instances that start later
		}
		if !keep[[2]string{r.Kind, r.Name}] {
			if err := st.DeleteRecord(ctx, r.Kind, r.Name); err != nil && !errors.Is(err, store.ErrNotFound) {
				return 0, fmt.Errorf("delete %s %s: %w", r.Kind, r.Name, err)
			}
		}
	}
	return len(recs), nil
}

var _ httpapi.EngineSource = (*Source)(nil)

// shareClient gives every engine this source builds the same HTTP client,
// so a reload keeps the pooled upstream connections (and does not leave the
// old engine's idle ones open until they time out), and the same kept
// inline router names.
func shareClient(deps engine.Deps) engine.Deps {
	if deps.HTTPClient == nil {
		deps.HTTPClient = engine.NewHTTPClient()
	}
	if deps.InlineNames == nil {
		// One set of kept inline router names across reloads, or every
		// config change would admit server.inline.max_names more.
		deps.InlineNames = &engine.InlineNames{}
	}
	if deps.RateWindows == nil {
		// Rate-limit chunks taken by one engine serve the next.
		deps.RateWindows = &engine.RateWindows{}
	}
	return deps
}

// compileErrors compiles the routers of a config that failed validation,
// for the problems only compilation finds. The config is partial, which
// the compiler is not written for: should it panic, there is nothing to
// add.
func compileErrors(cfg *config.Config) (out config.Errors) {
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	if _, err := engine.Compile(cfg); err != nil {
		errors.As(dedupe(err), &out)
	}
	return out
}

// safely runs f on a config that failed validation, which f may not be
// written for: a panic means nothing to add.
func safely(f func() config.Errors) (out config.Errors) {
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	return f()
}
