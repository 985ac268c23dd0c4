package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/switchyard-llm/switchyard/internal/aggregate"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/secrets"
	"github.com/switchyard-llm/switchyard/internal/store"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
	"github.com/switchyard-llm/switchyard/internal/tracing"
)

// DefaultConfig is served when neither --config nor SWITCHYARD_CONFIG is set.
const DefaultConfig = "examples/local.yaml"

// DefaultAddr is the local server's listen address.
const DefaultAddr = "127.0.0.1:8080"

const usage = `usage: gateway [command]

commands:
  serve [--config FILE] [--addr HOST:PORT]   run the gateway (default command)
  validate FILE                             check a config file; prints "ok" or every error with its path
                                            (warnings, such as budgeted models without a price, go to stderr)
  config push FILE                          validate FILE and write it as records to the config table
  config push --regions r1,r2 FILE          the same in each region's config table (SWITCHYARD_CONFIG_TABLE_<R1>...)
  config pull                               print the config stored in the config table as YAML
  tables create                             create the config, state and metrics tables (emulators, development)
  keys create NAME [--rpm N --tpm N --max-concurrent N --models GLOBS --routers R --expires T]
                                            mint a caller key: prints its token once, stores only its sha256
  keys rotate|disable|enable NAME           new token / switch a key off or on (config table; no push)

environment:
  SWITCHYARD_ADDR, SWITCHYARD_CONFIG        defaults for --addr and --config
  SWITCHYARD_CONFIG_TABLE, SWITCHYARD_STATE_TABLE, SWITCHYARD_METRICS_TABLE
                                            DynamoDB tables; when all three are set, state and config live there
  AWS_ENDPOINT_URL_DYNAMODB                 point the SDK at DynamoDB Local or an emulator
  SWITCHYARD_<TABLE>_TABLE_<REGION>         another region's table (SWITCHYARD_STATE_TABLE_US_EAST_1), for
                                            config push --regions and budgets with a home_region
  SWITCHYARD_DYNAMODB_ENDPOINT_<REGION>     one region's endpoint (an emulator standing for that region)
`

// Main runs the CLI and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		args = []string{"serve"}
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if len(args[0]) > 0 && args[0][0] == '-' {
		args = append([]string{"serve"}, args...)
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stderr)
	case "validate":
		return validate(args[1:], stdout, stderr)
	case "config":
		err = configCmd(ctx, args[1:], stdout)
	case "tables":
		err = tablesCmd(ctx, args[1:], stdout)
	case "keys":
		err = keysCmd(ctx, args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "gateway: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "gateway: %v\n", err)
		return 1
	}
	return 0
}

func validate(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprint(stderr, "usage: gateway validate FILE\n")
		return 2
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 1
	}
	var cfg *config.Config
	doc, err := config.ParseDocument(data)
	if err == nil {
		cfg, err = configsource.Validate(doc)
	}
	if err != nil {
		var errs config.Errors
		if errors.As(err, &errs) {
			for _, e := range errs {
				fmt.Fprintln(stderr, e.Error())
			}
		} else {
			fmt.Fprintln(stderr, err.Error())
		}
		return 1
	}
	// Warnings do not change the exit code: the config works as written.
	for _, w := range configsource.Warnings(cfg) {
		fmt.Fprintln(stderr, "warning: "+w)
	}
	fmt.Fprintln(stdout, "ok")
	return 0
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// loopbackAddr reports whether a listen address binds loopback only:
// localhost or a loopback IP. An empty host (":8080") binds every interface.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// dynamoConfigured reports whether the three table variables are set.
func dynamoConfigured() bool {
	return os.Getenv("SWITCHYARD_CONFIG_TABLE") != "" && os.Getenv("SWITCHYARD_STATE_TABLE") != "" &&
		os.Getenv("SWITCHYARD_METRICS_TABLE") != ""
}

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", envOr("SWITCHYARD_CONFIG", DefaultConfig), "config file (YAML or JSON)")
	addr := fs.String("addr", envOr("SWITCHYARD_ADDR", DefaultAddr), "listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	deps := engine.Deps{Logger: log}
	traces, metrics, err := observability(&deps)
	if err != nil {
		return err
	}
	// OpenTelemetry when OTEL_EXPORTER_OTLP_* is set, or as
	// SWITCHYARD_TRACING says (docs/observability.md).
	tr := tracing.FromEnv(os.Getenv, false, log)
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = tr.Shutdown(sctx) // exports the last spans
	}()
	deps.Tracer, deps.AWSAPIOptions = tr.Tracer, tr.APIOptions
	// env: keys resolve locally; secret: and ssm: ones through the AWS
	// default credential chain on first use, as under Lambda.
	deps.Secrets = secrets.New(secrets.Options{Tracer: tr.Tracer,
		DefaultSecret: os.Getenv("SWITCHYARD_PROVIDER_SECRET")})

	var st store.Store
	var src *configsource.Source
	if dynamoConfigured() {
		ds, derr := dynamo.NewFromEnv(ctx)
		if derr != nil {
			return derr
		}
		st = ds
		deps.Store = st
		// A budget homed in another region is counted in that region's
		// state table (docs/deploy.md, multi-region).
		deps.Region = os.Getenv("AWS_REGION")
		deps.HomeStore = dynamo.NewHomeStores(nil).Open
		src, err = configsource.FromStore(ctx, st, deps, 0)
		if err != nil {
			return err
		}
		log.Info("config and state from DynamoDB", "config_table", os.Getenv("SWITCHYARD_CONFIG_TABLE"))
	} else {
		data, rerr := os.ReadFile(*cfgPath)
		if rerr != nil {
			return fmt.Errorf("read config: %w", rerr)
		}
		doc, perr := config.ParseDocument(data)
		if perr != nil {
			return fmt.Errorf("%s:\n%w", *cfgPath, perr)
		}
		st = store.NewMemory()
		deps.Store = st
		// One process is every region: a budget's home_region is this
		// store too, so the limit is still counted once.
		mem := st
		deps.HomeStore = func(string) (store.Budgets, error) { return mem, nil }
		if _, perr := configsource.Push(ctx, st, doc); perr != nil {
			return fmt.Errorf("%s is invalid:\n%w", *cfgPath, perr)
		}
		src, err = configsource.FromStore(ctx, st, deps, time.Hour)
		if err != nil {
			return err
		}
		log.Info("config loaded", "file", *cfgPath)
	}
	cfg := src.Engine().Config()
	if len(cfg.Keys) == 0 && len(cfg.AdminKeys) == 0 {
		// Keyless serving is for one developer's machine. Listening beyond
		// loopback (a container's 0.0.0.0) would offer the API to anyone
		// who can reach the port and forge a Host header.
		if !loopbackAddr(*addr) {
			return fmt.Errorf("no keys configured: refusing to listen on %s; configure keys (docs/config.md) to serve beyond this machine, or listen on 127.0.0.1", *addr)
		}
		log.Warn("no keys configured: serving unauthenticated callers on loopback only")
	}
	h := tr.Handler(httpapi.New(src, httpapi.Options{Logger: log, Store: st, Admin: src, Traces: traces, Metrics: metrics,
		AggregateOnRead: func(ctx context.Context) error {
			// This instance's metric sums first, so the answer shows the
			// latest minute rather than the last flush interval's.
			_ = src.Engine().Recorder().Flush(ctx)
			_, err := aggregate.Run(ctx, st, time.Now())
			return err
		}}))
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := httpapi.HTTPServer(h, cfg.Server)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	shutDown := make(chan struct{})
	go func() {
		defer close(shutDown)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	// Budget corrections and metric samples are written off the request
	// path; flush them every few seconds.
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
				_ = src.Engine().Flush(fctx, false)
				cancel()
			}
		}
	}()
	// Stats roll up on their own, whatever the store: strategies adapt
	// with no call to /v1/metrics (DESIGN §9).
	every := rollupEveryMemory
	if dynamoConfigured() {
		every = rollupEveryDynamo
	}
	ticks, stopTicks := rollupTicks(ctx, every)
	defer stopTicks()
	loop := &aggregate.Loop{Metrics: st, Fresh: every / 2, Log: log,
		Flush: func(ctx context.Context) error {
			eng := src.Engine()
			_ = eng.Flush(ctx, false)
			return eng.Recorder().Flush(ctx) // every metric sum, due or not: the roll-up counts them
		},
		Rolled: func(ctx context.Context) error { return src.Engine().RefreshSharedState(ctx) }}
	go loop.Run(ctx, ticks)
	// Package initialisation (the AWS SDK's endpoint and schema tables
	// among it) and config parsing leave a few MB of garbage; collect it
	// and hand its pages back to the OS before serving, so an idle server
	// does not keep them (docs/BENCHMARKS.md, issue 16).
	debug.FreeOSMemory()
	routers, _ := src.Engine().Models()
	log.Info("switchyard listening", "addr", ln.Addr().String(), "routers", routers)
	fmt.Fprintf(stderr, "switchyard listening on http://%s (routers: %v)\n", ln.Addr(), routers)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	// Serve returns as soon as Shutdown begins, not when the requests in
	// flight have ended: wait for them, or their last samples and spans
	// (a server span ends after the answer has gone out) would meet a
	// closed engine and a tracer already shut down.
	<-shutDown
	src.Engine().Close()
	return nil
}

// How often the long-running server rolls metric buckets up. In memory a
// run is cheap; on DynamoDB it reads 24 h of buckets, the Lambda
// aggregator's cadence is enough, and Loop.Fresh lets instances skip a
// run another one has just made.
const (
	rollupEveryMemory = 5 * time.Second
	rollupEveryDynamo = time.Minute
)

// rollupTicksKey carries a test's tick channel in the context given to
// Main, in place of the roll-up ticker.
type rollupTicksKey struct{}

func rollupTicks(ctx context.Context, every time.Duration) (<-chan time.Time, func()) {
	if ch, ok := ctx.Value(rollupTicksKey{}).(<-chan time.Time); ok {
		return ch, func() {}
	}
	t := time.NewTicker(every)
	return t.C, t.Stop
}

func configCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: gateway config push [--regions r1,r2] FILE | gateway config pull")
	}
	if args[0] == "push" {
		regions, file, err := pushArgs(args[1:])
		if err != nil {
			return err
		}
		if regions != nil {
			return pushRegions(ctx, regions, file, stdout)
		}
		args = []string{"push", file}
	}
	if !dynamoConfigured() {
		return errors.New("config push/pull need SWITCHYARD_CONFIG_TABLE, SWITCHYARD_STATE_TABLE and SWITCHYARD_METRICS_TABLE")
	}
	st, err := dynamo.NewFromEnv(ctx)
	if err != nil {
		return err
	}
	switch args[0] {
	case "push":
		if len(args) != 2 {
			return errors.New("usage: gateway config push FILE")
		}
		data, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		doc, err := config.ParseDocument(data)
		if err != nil {
			return err
		}
		n, err := configsource.Push(ctx, st, doc)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "pushed %d records to %s\n", n, os.Getenv("SWITCHYARD_CONFIG_TABLE"))
		return nil
	case "pull":
		recs, err := st.ListRecords(ctx)
		if err != nil {
			return err
		}
		doc := configsource.FromRecords(recs)
		return writeYAML(stdout, doc)
	}
	return fmt.Errorf("unknown config command %q (push, pull)", args[0])
}

// writeYAML prints doc with sections in the schema's order.
func writeYAML(w io.Writer, doc map[string]any) error {
	order := []string{"server", "providers", "models", "routers", "budgets", "keys", "admin_keys"}
	for _, k := range order {
		v, ok := doc[k]
		if !ok {
			continue
		}
		b, err := yaml.Marshal(yamlNode(map[string]any{k: v}))
		if err != nil {
			return err
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

func tablesCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "create" {
		return errors.New("usage: gateway tables create")
	}
	if !dynamoConfigured() {
		return errors.New("tables create needs SWITCHYARD_CONFIG_TABLE, SWITCHYARD_STATE_TABLE and SWITCHYARD_METRICS_TABLE")
	}
	st, err := dynamo.NewFromEnv(ctx)
	if err != nil {
		return err
	}
	if err := dynamo.CreateTables(ctx, st.Client(), st.Tables()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "tables %s, %s and %s are ready\n", os.Getenv("SWITCHYARD_CONFIG_TABLE"),
		os.Getenv("SWITCHYARD_STATE_TABLE"), os.Getenv("SWITCHYARD_METRICS_TABLE"))
	return nil
}

// yamlNode builds the YAML tree of a generic document with sorted keys,
// double-quoting strings with line breaks or surrounding space: yaml.v3
// writes "\n" as a block scalar that reads back as "", which would corrupt
// a stop sequence on a pull/push round trip.
func yamlNode(v any) *yaml.Node {
	switch x := v.(type) {
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, yamlNode(x[k]))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for _, item := range x {
			n.Content = append(n.Content, yamlNode(item))
		}
		return n
	case string:
		if strings.ContainsAny(x, "\n\r\t") || strings.TrimSpace(x) != x {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: x, Style: yaml.DoubleQuotedStyle}
		}
		n := &yaml.Node{}
		_ = n.Encode(x)
		return n
	default:
		n := &yaml.Node{}
		if err := n.Encode(x); err != nil {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
		}
		return n
	}
}
