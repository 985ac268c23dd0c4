package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/store"

	_ "github.com/switchyard-llm/switchyard/internal/provider/openai"
)

// gatewayConfig is one fallback router with one target, the fake upstream.
const gatewayConfig = `# written by cmd/loadgen
providers:
  fake: {type: openai-compatible, base_url: %q}
routers:
  r:
    strategy: fallback
    targets: [{model: fake/gpt-4o-mini}]
`

// gatewayProc is the gateway under measurement.
type gatewayProc struct {
	url  string
	kind string // how it runs, for the report
	pid  int    // 0 when in-process
	stop func()
}

// startGateway runs the gateway as a child process (built unless
// -gateway-bin names one), or in this process with -in-process or when the
// build fails.
func startGateway(ctx context.Context, o options, upstreamBase string, logf func(string, ...any)) (*gatewayProc, error) {
	dir, err := os.MkdirTemp("", "switchyard-loadgen-")
	if err != nil {
		return nil, err
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	cfgText := fmt.Sprintf(gatewayConfig, upstreamBase)
	if o.gatewayTags != "" && (o.inProcess || o.gatewayBin != "") {
		cleanup()
		return nil, errors.New("-gateway-tags builds the gateway: it cannot apply to -in-process or -gateway-bin")
	}
	if o.inProcess {
		cleanup()
		return startInProcess(cfgText, "in-process (-in-process)")
	}
	bin := o.gatewayBin
	built := "(-gateway-bin " + bin + ")"
	if bin == "" {
		bin = filepath.Join(dir, "gateway")
		logf("building ./functions/gateway %s...", tagsNote(o.gatewayTags))
		if err := buildGateway(ctx, bin, o.gatewayTags); err != nil {
			cleanup()
			if o.gatewayTags != "" {
				// In-process cannot honour the tags: measuring it would
				// report another build under this one's name.
				return nil, fmt.Errorf("building the gateway with -tags %s: %w", o.gatewayTags, err)
			}
			logf("building the gateway failed, measuring it in-process instead: %v", err)
			return startInProcess(cfgText, "in-process (the build failed)")
		}
		built = tagsNote(o.gatewayTags)
	}
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		cleanup()
		return nil, err
	}
	c, err := startChild("gateway", bin, []string{"serve", "--config", cfgPath, "--addr", "127.0.0.1:0"},
		filepath.Join(dir, "gateway.log"), "switchyard listening on ")
	if err != nil {
		cleanup()
		return nil, err
	}
	return &gatewayProc{url: c.url, kind: fmt.Sprintf("child process `gateway serve` %s, logging to a file (pid %d)", built, c.pid()),
		pid: c.pid(), stop: func() { c.stop(); cleanup() }}, nil
}

// buildGateway builds ./functions/gateway of the module loadgen runs in, the
// way it is deployed (lambda.mk and the Dockerfile): static (CGO_ENABLED=0,
// so no libc pages in its RSS and Go's own DNS resolver), -trimpath, no
// symbol table. The Lambda's lambda.norpc tag is left out: the benchmark
// measures `gateway serve`, which both deployments share. tags adds build
// tags (-gateway-tags lambda.norpc measures the Lambda build's tags).
func buildGateway(ctx context.Context, out, tags string) error {
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	if strings.TrimSpace(string(gomod)) == "" || strings.TrimSpace(string(gomod)) == os.DevNull {
		return errors.New("not inside the switchyard module; pass -gateway-bin or -in-process")
	}
	args := []string{"build", "-trimpath", "-ldflags=-s -w"}
	if tags != "" {
		args = append(args, "-tags="+tags)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "-o", out, "./functions/gateway")...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%w\n%s", err, b)
	}
	return nil
}

// startInProcess serves the gateway handler from this process, wired as
// `gateway serve` wires it, logging JSON lines to nowhere.
func startInProcess(cfgText, kind string) (*gatewayProc, error) {
	cfg, err := config.Parse([]byte(cfgText))
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	st := store.NewMemory()
	src, err := configsource.FromConfig(cfg, engine.Deps{Store: st, Logger: log})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: httpapi.New(src, httpapi.Options{Logger: log, Store: st}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return &gatewayProc{url: "http://" + ln.Addr().String(), kind: kind, stop: func() {
		_ = srv.Close()
		src.Engine().Close()
	}}, nil
}

// cpu is the gateway process's CPU time so far (user + system).
func (g *gatewayProc) cpu() (time.Duration, bool) {
	if g.pid == 0 {
		return 0, false
	}
	return processCPU(g.pid)
}

// memoryUse is the gateway's resident memory.
type memoryUse struct {
	peak, now int64 // bytes; 0 when unknown
	note      string
}

func (g *gatewayProc) memory() memoryUse {
	if g.pid == 0 {
		peak, now := processMemory(os.Getpid())
		return memoryUse{peak: peak, now: now, note: "this process: gateway, load generator and fake upstream together"}
	}
	peak, now := processMemory(g.pid)
	return memoryUse{peak: peak, now: now, note: "gateway child process"}
}

// tagsNote says how the gateway was built, for the log and the report.
func tagsNote(tags string) string {
	if tags == "" {
		return "(static build)"
	}
	return "(static build, -tags " + tags + ")"
}
