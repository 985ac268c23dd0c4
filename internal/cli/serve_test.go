package cli_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/cli"

	// The provider types the gateway binary registers (functions/gateway).
	_ "github.com/switchyard-llm/switchyard/internal/provider/anthropic"
	_ "github.com/switchyard-llm/switchyard/internal/provider/bedrock"
	_ "github.com/switchyard-llm/switchyard/internal/provider/gemini"
	_ "github.com/switchyard-llm/switchyard/internal/provider/mock"
	_ "github.com/switchyard-llm/switchyard/internal/provider/openai"
)

// serveConfig is a config that works with no provider keys.
const serveConfig = `
providers:
  local: {type: mock, latency: 1ms, models: [small]}
routers:
  envtest:
    strategy: fallback
    targets: [{model: local/small}]
`

// The key the keyed config accepts, and that config.
const serveKey = "sk-switchyard-test-key"

func keyedConfig() string {
	sum := sha256.Sum256([]byte(serveKey))
	return serveConfig + "keys:\n  - {name: team, sha256: \"" + hex.EncodeToString(sum[:]) + "\"}\n"
}

const noKeysNotice = "no keys configured: serving unauthenticated callers on loopback only"

var listeningLine = regexp.MustCompile(`switchyard listening on http://(\S+) `)

// serveEnv clears the environment serve reads, so the developer's shell
// (DynamoDB tables, a config path, an address) cannot leak into a test.
func serveEnv(t *testing.T, kv ...string) {
	t.Helper()
	for _, k := range []string{"SWITCHYARD_CONFIG", "SWITCHYARD_ADDR", "SWITCHYARD_CONFIG_TABLE",
		"SWITCHYARD_STATE_TABLE", "SWITCHYARD_METRICS_TABLE"} {
		t.Setenv(k, "")
	}
	for i := 0; i+1 < len(kv); i += 2 {
		t.Setenv(kv[i], kv[i+1])
	}
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// watchWriter is the stderr given to Main: it keeps everything written and
// closes listening once the "switchyard listening on" line has arrived.
type watchWriter struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	addr      string
	listening chan struct{}
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if w.addr == "" {
		if m := listeningLine.FindStringSubmatch(w.buf.String()); m != nil {
			w.addr = m[1]
			close(w.listening)
		}
	}
	return len(p), nil
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// gateway is one in-process run of cli.Main.
type gateway struct {
	stdout bytes.Buffer
	// stderr is Main's stderr: messages and serve's JSON log lines.
	stderr *watchWriter
	cancel context.CancelFunc
	done   chan struct{}
	code   int
}

// startGateway runs cli.Main(args) in the background until the test ends.
func startGateway(t *testing.T, args ...string) *gateway {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	g := &gateway{stderr: &watchWriter{listening: make(chan struct{})}, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(g.done)
		g.code = cli.Main(ctx, args, &g.stdout, g.stderr)
	}()
	t.Cleanup(func() { g.stop(t) })
	return g
}

// waitListening returns the address the server listens on, or fails if
// Main returned instead.
func (g *gateway) waitListening(t *testing.T) string {
	t.Helper()
	select {
	case <-g.stderr.listening:
		g.stderr.mu.Lock()
		defer g.stderr.mu.Unlock()
		return g.stderr.addr
	case <-g.done:
		t.Fatalf("gateway exited with %d before listening; stderr:\n%s\nlogs:\n%s", g.code, g.stderr.String(), g.stderr.String())
	}
	return ""
}

// wait returns Main's exit code once it has returned on its own.
func (g *gateway) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-g.done:
		return g.code
	case <-g.stderr.listening:
		t.Fatalf("gateway started listening on %s; stderr:\n%s", g.stderr.addr, g.stderr.String())
	}
	return 0
}

// stop cancels Main's context (as SIGINT would) and waits for it to return.
func (g *gateway) stop(t *testing.T) int {
	t.Helper()
	g.cancel()
	select {
	case <-g.done:
	case <-time.After(30 * time.Second): // guard: turns a hang into a failure
		t.Fatal("gateway did not stop after its context was canceled")
	}
	return g.code
}

func get(t *testing.T, url string, header ...string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// freeAddr is a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func assertNotListening(t *testing.T, addr string) {
	t.Helper()
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("something still listens on %s", addr)
	}
}

// TestServeRefusesInvalidConfig: a bad config never starts the server.
// serve exits 1 and prints every error with its path, the same lines
// validate prints, whether the file comes from SWITCHYARD_CONFIG or
// --config.
func TestServeRefusesInvalidConfig(t *testing.T) {
	tests := []struct {
		name string
		file string // relative to internal/cli, or a body written to a temp file
		body string
		want []string // stderr lines, after the "gateway: FILE is invalid:" header
	}{
		{name: "document errors", file: "testdata/invalid.yaml", want: []string{
			"providers.demo.fail_rate: must be between 0 and 1",
			"providers.openai.api_key: must be env:VAR",
			`routers.ab.targets[1].model: unknown provider "nowhere"`,
			`routers.ab.targets[2].router: unknown router "missing"`,
			"routers.ab.attempt_timeout: must not exceed timeout",
			"budgets[0].limit_usd: must be > 0",
		}},
		{name: "decode errors", file: "testdata/decode.yaml", want: []string{
			`providers.demo.latency: invalid duration "fast"`,
			"routers.r.retries: unknown field",
		}},
		{name: "strategy errors", file: "testdata/strategies.yaml", want: []string{
			`routers.fastest: unknown strategy "quickest"`,
			`routers.opt.metric: must be one of`,
			`routers.rr.sticky: does not apply to strategy "round_robin"`,
		}},
		{name: "empty", file: "testdata/empty.yaml", want: []string{"config is empty"}},
		{name: "YAML syntax", body: "providers: [unclosed\n", want: []string{"not valid YAML or JSON: yaml: line 1"}},
	}
	for _, tt := range tests {
		for _, via := range []string{"SWITCHYARD_CONFIG", "--config"} {
			t.Run(tt.name+"/"+via, func(t *testing.T) {
				file := tt.file
				if file == "" {
					file = writeConfig(t, tt.body)
				}
				addr := freeAddr(t)
				var g *gateway
				if via == "--config" {
					serveEnv(t, "SWITCHYARD_ADDR", addr)
					g = startGateway(t, "serve", "--config", file)
				} else {
					serveEnv(t, "SWITCHYARD_ADDR", addr, "SWITCHYARD_CONFIG", file)
					g = startGateway(t, "serve")
				}
				if code := g.wait(t); code != 1 {
					t.Errorf("exit code = %d, want 1", code)
				}
				assertNotListening(t, addr)
				stderr := g.stderr.String()
				lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
				if !strings.HasPrefix(lines[0], "gateway: "+file) {
					t.Errorf("first stderr line %q does not name %s", lines[0], file)
				}
				if len(lines)-1 != len(tt.want) {
					t.Errorf("stderr has %d error lines, want %d:\n%s", len(lines)-1, len(tt.want), stderr)
				}
				for i, want := range tt.want {
					if i+1 < len(lines) && !strings.Contains(strings.ToLower(lines[i+1]), strings.ToLower(want)) {
						t.Errorf("stderr line %d = %q, want it to contain %q", i+1, lines[i+1], want)
					}
				}
				if g.stdout.Len() != 0 {
					t.Errorf("stdout = %q, want nothing", g.stdout.String())
				}
			})
		}
	}
}

func TestServeMissingConfigFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	addr := freeAddr(t)
	serveEnv(t, "SWITCHYARD_ADDR", addr, "SWITCHYARD_CONFIG", missing)
	g := startGateway(t)
	if code := g.wait(t); code != 1 {
		t.Errorf("exit code = %d, want 1", code)
	}
	assertNotListening(t, addr)
	if s := g.stderr.String(); !strings.Contains(s, missing) || !strings.Contains(s, "no such file or directory") {
		t.Errorf("stderr = %q, want the missing file named", s)
	}
}

// TestServeFromEnvironment: with no arguments the gateway serves,
// SWITCHYARD_CONFIG names the config and SWITCHYARD_ADDR the address
// (127.0.0.2 here, so the default 127.0.0.1:8080 cannot pass). With no
// keys configured it says at start that only loopback callers are served.
// Canceling its context stops it and frees the address.
func TestServeFromEnvironment(t *testing.T) {
	serveEnv(t, "SWITCHYARD_CONFIG", writeConfig(t, serveConfig), "SWITCHYARD_ADDR", "127.0.0.2:0")
	g := startGateway(t)
	addr := g.waitListening(t)
	if host, _, _ := net.SplitHostPort(addr); host != "127.0.0.2" {
		t.Fatalf("listening on %s, want 127.0.0.2 from SWITCHYARD_ADDR", addr)
	}
	if code, body := get(t, "http://"+addr+"/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz = %d %s", code, body)
	}
	// The config served is the one SWITCHYARD_CONFIG names.
	code, body := get(t, "http://"+addr+"/v1/models")
	if code != http.StatusOK {
		t.Fatalf("GET /v1/models = %d %s", code, body)
	}
	var models struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &models); err != nil {
		t.Fatalf("models: %v: %s", err, body)
	}
	var ids []string
	for _, m := range models.Data {
		ids = append(ids, m.ID)
	}
	if !contains(ids, "router/envtest") || !contains(ids, "local/small") {
		t.Errorf("models = %v, want router/envtest and local/small from the config file", ids)
	}
	if code := g.stop(t); code != 0 {
		t.Errorf("exit code after stop = %d, want 0; stderr:\n%s", code, g.stderr.String())
	}
	assertNotListening(t, addr)
	if !strings.Contains(g.stderr.String(), noKeysNotice) {
		t.Errorf("logs lack %q:\n%s", noKeysNotice, g.stderr.String())
	}
}

// TestServeFlagsOverrideEnvironment: --config and --addr win over the
// environment (which here names a file that does not exist and another
// address); a leading flag implies serve.
func TestServeFlagsOverrideEnvironment(t *testing.T) {
	serveEnv(t, "SWITCHYARD_CONFIG", filepath.Join(t.TempDir(), "nope.yaml"), "SWITCHYARD_ADDR", "127.0.0.2:0")
	g := startGateway(t, "--config", writeConfig(t, serveConfig), "--addr", "127.0.0.1:0")
	addr := g.waitListening(t)
	if host, _, _ := net.SplitHostPort(addr); host != "127.0.0.1" {
		t.Errorf("listening on %s, want 127.0.0.1 from --addr", addr)
	}
	if code, body := get(t, "http://"+addr+"/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz = %d %s", code, body)
	}
	if code := g.stop(t); code != 0 {
		t.Errorf("exit code after stop = %d, want 0", code)
	}
}

// TestServeWithKeys: with keys configured there is no loopback-only notice,
// /healthz needs no key, and the API does.
func TestServeWithKeys(t *testing.T) {
	serveEnv(t)
	g := startGateway(t, "serve", "--config", writeConfig(t, keyedConfig()), "--addr", "127.0.0.1:0")
	addr := g.waitListening(t)
	if code, body := get(t, "http://"+addr+"/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz = %d %s", code, body)
	}
	if code, _ := get(t, "http://"+addr+"/v1/models"); code != http.StatusUnauthorized {
		t.Errorf("GET /v1/models without a key = %d, want 401", code)
	}
	if code, body := get(t, "http://"+addr+"/v1/models", "Authorization", "Bearer "+serveKey); code != http.StatusOK {
		t.Errorf("GET /v1/models with the key = %d %s", code, body)
	}
	if code := g.stop(t); code != 0 {
		t.Errorf("exit code after stop = %d, want 0", code)
	}
	logs := g.stderr.String()
	if !strings.Contains(logs, "switchyard listening") {
		t.Fatalf("start-up logs not captured:\n%s", logs)
	}
	if strings.Contains(logs, "loopback only") {
		t.Errorf("keys are configured, yet the logs say only loopback callers are served:\n%s", logs)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
