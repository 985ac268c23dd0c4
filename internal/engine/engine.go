package engine

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/smithy-go/middleware"

	"github.com/switchyard-llm/switchyard/internal/budget"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/pricing"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/routing"
	"github.com/switchyard-llm/switchyard/internal/samples"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/trace"
)

// Deps are the engine's collaborators. Nil fields take the stated default.
type Deps struct {
	// Store holds shared state; default an in-memory store.
	Store store.Store
	// HTTPClient is shared by HTTP providers; default NewHTTPClient().
	HTTPClient *http.Client
	// Secrets resolves api_key references; default env-only.
	Secrets provider.SecretResolver
	// Tracer records decisions and attempts; default trace.Noop.
	Tracer trace.Tracer
	// Logger gets one line per request; default slog.Default().
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Sleep waits d or until ctx ends (backoff); default a timer. Tests
	// inject a recorder so no test waits for real.
	Sleep func(ctx context.Context, d time.Duration) error
	// AfterFunc runs f after d unless the returned stop is called first
	// (attempt timeouts); default time.AfterFunc. Tests fire it by hand.
	AfterFunc func(d time.Duration, f func()) (stop func() bool)
	// Seed seeds routing randomness and backoff jitter; 0 picks a random seed.
	Seed uint64
	// InstanceID names this process in shared in-flight counts.
	InstanceID string
	// Providers, when set, replaces building providers from config (tests).
	Providers map[string]provider.Provider
	// InlineNames are the inline router names given metrics of their own
	// (server.inline.max_names); shared by the engines of a process so a
	// config reload does not admit a fresh set. Default: the engine's own.
	InlineNames *InlineNames
	// AWSAPIOptions instrument AWS SDK clients (X-Ray).
	AWSAPIOptions []func(*middleware.Stack) error
	// SettleEachRequest makes each request write its own budget
	// settlement before it returns, instead of folding it into a later
	// reservation: for Lambda, where the container may be frozen or
	// reaped after any response and a correction left for later would
	// stay phantom spend. One more store write per budgeted request.
	SettleEachRequest bool
	// Region is the region this gateway runs in (Lambda: AWS_REGION);
	// default the config's server.region. A budget whose home_region is
	// another region keeps its counter there (package budget, home.go).
	Region string
	// HomeStore opens the budget store of another region: its state
	// table, for budgets with that home_region. Called when an engine is
	// built; implementations cache their clients. nil: a budget homed in
	// another region is a config error.
	HomeStore func(region string) (store.Budgets, error)
	// Traces keeps each routed request's record when it ends (the store
	// behind GET /v1/traces); nil keeps none. It outlives engines: a
	// config reload keeps the recent traces.
	Traces TraceSink
	// RateWindows holds rate-limit headroom across the engines of a
	// process (config reloads); nil: the engine's own.
	RateWindows *RateWindows
	// Metrics counts every attempt, request and cooldown in process (the
	// Prometheus exposition); nil counts nothing. Outlives engines too.
	Metrics MetricSink
	// MetricsFlushEvery is how often the recorder writes its per-bucket
	// sums; default DefaultMetricsFlushEvery.
	MetricsFlushEvery time.Duration
	// MetricsOnDemand: the recorder writes only when Flush is called (and
	// the interval has passed), never from a background tick. Lambda sets
	// it: it flushes after every invocation (samples.Options.OnDemand).
	MetricsOnDemand bool
}

// Engine serves requests for one config version. It is immutable once
// built, except for the shared-state caches it owns; a config change
// builds a new Engine (see Holder).
type Engine struct {
	cfg       *config.Config
	deps      Deps
	providers map[string]provider.Provider
	routers   map[string]*routing.Router
	catalog   *pricing.Catalog
	bareModel map[string][]string // model id -> providers listing it

	state    *sharedState
	local    localStats // this instance's own recent figures (observe.go)
	budgets  *budgets
	recorder *Recorder
	seq      atomic.Uint64
	inline   inlineCache // compiled inline routers, by their JSON
	// inlineNames decides named inline routers' metric subjects.
	inlineNames *InlineNames
	// loadUsers caches usesLoad per named router (*routing.Router → bool).
	loadUsers sync.Map
	// knownModels are the provider/model keys the config names: router
	// targets, model overrides and providers' model lists.
	knownModels map[string]bool
	// keyLimits and quotas enforce keys' limits and providers' quotas
	// (keylimits.go, quotas.go).
	keyLimits *keyLimits
	quotas    *quotas
	// The attempt loop's side effects, behind the interfaces it calls:
	// the budget ledger (ledger.go, budgets), the cooldown tracker
	// (health.go, state) and the recorder (outcomes.go). Tests swap in
	// fakes.
	ledger   ledger
	health   health
	outcomes outcomes
}

// New validates and compiles cfg. The error lists every problem.
func New(cfg *config.Config, deps Deps) (*Engine, error) {
	if deps.Store == nil {
		deps.Store = store.NewMemory()
	}
	if deps.HTTPClient == nil {
		deps.HTTPClient = NewHTTPClient()
	}
	if deps.Secrets == nil {
		deps.Secrets = EnvSecrets{}
	}
	if deps.Tracer == nil {
		deps.Tracer = trace.Noop{}
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.AfterFunc == nil {
		deps.AfterFunc = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
	}
	if deps.Sleep == nil {
		deps.Sleep = sleepCtx
	}
	if deps.Seed == 0 {
		deps.Seed = rand.Uint64()
	}
	if deps.InlineNames == nil {
		deps.InlineNames = &InlineNames{}
	}
	if deps.InstanceID == "" {
		deps.InstanceID = fmt.Sprintf("i-%x", rand.Uint64())
	}
	routers, err := Compile(cfg)
	if err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg, deps: deps, routers: routers, providers: map[string]provider.Provider{}, inlineNames: deps.InlineNames,
		catalog: pricing.Default().WithOverrides(cfg.Models), bareModel: map[string][]string{}}
	// Chunked rate-limit windows cut store writes, except on Lambda where
	// many short-lived containers would strand too much headroom.
	win := deps.RateWindows.get(deps.Store, !deps.SettleEachRequest)
	// Slot leases are named per engine, not only per instance: an engine
	// built on a config change restarts its sequence while the old one's
	// requests may still hold slots.
	e.keyLimits = &keyLimits{sink: deps.Metrics, win: win, st: deps.Store, log: deps.Logger, holder: fmt.Sprintf("%s/%x", deps.InstanceID, rand.Uint64())}
	e.quotas = newQuotas(cfg, win, deps.Logger)
	var errs config.Errors
	for name, pc := range cfg.Providers {
		if p, ok := deps.Providers[name]; ok {
			e.providers[name] = p
			continue
		}
		p, err := provider.New(pc, provider.Env{HTTPClient: e.quotas.learningClient(deps.HTTPClient, name, deps.Now), Secrets: deps.Secrets, Name: name, AWSAPIOptions: deps.AWSAPIOptions})
		if err != nil {
			errs = append(errs, config.FieldError{Path: "providers." + name, Msg: err.Error()})
			continue
		}
		e.providers[name] = p
		for _, m := range pc.Models {
			e.bareModel[m] = append(e.bareModel[m], name)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	for _, list := range e.bareModel {
		sort.Strings(list)
	}
	e.knownModels = knownModels(cfg, routers)
	region := deps.Region
	if region == "" {
		region = cfg.Server.Region
	}
	homes, err := budget.OpenHomes(cfg, region, deps.HomeStore)
	if err != nil {
		return nil, err
	}
	e.state = newSharedState(deps.Store, deps.Now, deps.Logger, cfg.Server.Cooldown)
	e.local = newLocalStats(e.state, deps.Now)
	e.budgets = &budgets{budget.New(cfg, deps.Store, deps.Logger, deps.Now,
		budget.Options{SettleEach: deps.SettleEachRequest, Homes: homes, Instance: deps.InstanceID})}
	e.recorder = samples.New(deps.Store, deps.Logger, samples.Options{Now: deps.Now, Every: deps.MetricsFlushEvery, OnDemand: deps.MetricsOnDemand, Tee: e.wireMetrics()})
	e.ledger, e.health, e.outcomes = e.budgets, e.state, engineOutcomes{e}
	return e, nil
}

// Compile builds every named router, reporting every router that fails.
func Compile(cfg *config.Config) (map[string]*routing.Router, error) {
	c := routing.NewCompiler(cfg)
	out := map[string]*routing.Router{}
	var errs config.Errors
	names := make([]string, 0, len(cfg.Routers))
	for name := range cfg.Routers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		r, err := c.Named(name)
		if err != nil {
			// Compiler errors are "path: message" with the full path, one
			// problem per line.
			for _, line := range strings.Split(err.Error(), "\n") {
				path, msg, ok := cutPath(line)
				if !ok {
					path, msg = "routers."+name, line
				}
				errs = append(errs, config.FieldError{Path: path, Msg: msg})
			}
			continue
		}
		out[name] = r
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// cutPath splits "routers.ab.targets[1].weight: must be > 0" at the first
// ": " that follows the path (paths contain no spaces).
func cutPath(s string) (string, string, bool) {
	i := strings.Index(s, ": ")
	if i < 0 || strings.ContainsAny(s[:i], " ") {
		return "", "", false
	}
	return s[:i], s[i+2:], true
}

// Config is the config this engine serves.
func (e *Engine) Config() *config.Config { return e.cfg }

// Recorder is the engine's metrics recorder (flushed by Lambda after a
// response).
func (e *Engine) Recorder() *Recorder { return e.recorder }

// Catalog is the price catalog with config overrides.
func (e *Engine) Catalog() *pricing.Catalog { return e.catalog }

// Flush writes what this instance holds back and is due: metric sums last
// written a flush interval ago, budget corrections older than a few
// seconds and in-flight counts last written over a second ago (all of
// them when final). Lambda calls it after each response; the local server
// on a timer.
func (e *Engine) Flush(ctx context.Context, final bool) error {
	e.budgets.Flush(ctx, final)
	e.state.publishInFlight(ctx, e.deps.InstanceID, final)
	if final {
		return e.recorder.Flush(ctx)
	}
	return e.recorder.FlushDue(ctx)
}

// PublishInFlight writes every in-flight count changed since its last
// write, due or not. Lambda calls it after each invocation: the container
// may be frozen next, and a count left unwritten would show a finished
// request as still in flight to the other instances for minutes.
func (e *Engine) PublishInFlight(ctx context.Context) {
	e.state.publishInFlight(ctx, e.deps.InstanceID, true)
}

// Close writes pending budget corrections and queued samples, then stops
// background work.
func (e *Engine) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e.budgets.Retire(ctx)
	e.state.retired.Store(true)
	e.state.publishInFlight(ctx, e.deps.InstanceID, true)
	e.recorder.Close()
}

func (e *Engine) rng() *rand.Rand {
	n := e.seq.Add(1)
	return rand.New(rand.NewPCG(e.deps.Seed, n))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Models lists what GET /v1/models shows: routers and provider/models.
func (e *Engine) Models() (routers []string, models []string) {
	for name := range e.cfg.Routers {
		routers = append(routers, name)
	}
	seen := map[string]bool{}
	add := func(m string) {
		if !seen[m] {
			seen[m] = true
			models = append(models, m)
		}
	}
	for name, p := range e.cfg.Providers {
		for _, m := range p.Models {
			add(name + "/" + m)
		}
	}
	for _, r := range e.routers {
		collectLeaves(r, add, map[*routing.Router]bool{})
	}
	for key := range e.cfg.Models {
		add(key)
	}
	sort.Strings(routers)
	sort.Strings(models)
	return routers, models
}

func collectLeaves(r *routing.Router, add func(string), seen map[*routing.Router]bool) {
	if seen[r] {
		return
	}
	seen[r] = true
	for _, ch := range r.Children {
		if ch.Leaf != nil {
			add(ch.Leaf.Key)
		} else {
			collectLeaves(ch.Router, add, seen)
		}
	}
}

// knownModels lists the provider/model keys cfg names.
func knownModels(cfg *config.Config, routers map[string]*routing.Router) map[string]bool {
	known := map[string]bool{}
	var walk func(*routing.Router)
	walk = func(r *routing.Router) {
		for _, ch := range r.Children {
			if ch.Leaf != nil {
				known[ch.Leaf.Key] = true
			} else if ch.Router != nil {
				walk(ch.Router)
			}
		}
	}
	for _, r := range routers {
		walk(r)
	}
	for key := range cfg.Models {
		known[key] = true
	}
	for name, p := range cfg.Providers {
		for _, m := range p.Models {
			known[name+"/"+m] = true
		}
	}
	return known
}
