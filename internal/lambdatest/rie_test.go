package lambdatest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/testenv"
)

// RIEModule is what the tests install when no emulator is found; the
// Makefile's tools target installs the same.
const RIEModule = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@latest"

// startupDeadline bounds waiting for a started emulator to listen.
const startupDeadline = 30 * time.Second

var (
	buildDir  string // holds the bootstraps built by this test binary
	buildMu   sync.Mutex
	built     = map[string]string{} // package path and tags -> bootstrap
	installMu sync.Mutex
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lambdatest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// bootstrap builds pkg (relative to the repo root) for this machine, as
// lambda.mk builds it for Lambda (same tags and flags; only GOOS/GOARCH
// differ), once per test binary.
func bootstrap(t testing.TB, pkg string) string {
	t.Helper()
	return bootstrapTagged(t, pkg, "lambda.norpc")
}

// bootstrapTagged is bootstrap with lambda.mk's LAMBDA_TAGS set to tags.
func bootstrapTagged(t testing.TB, pkg, tags string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	key := pkg + " " + tags
	if bin, ok := built[key]; ok {
		return bin
	}
	root := repoRoot(t)
	out := filepath.Join(buildDir, strings.ReplaceAll(strings.Trim(pkg, "./"), "/", "_")+"_"+strings.ReplaceAll(tags, ",", "_"), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", tags, "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, b)
	}
	built[key] = out
	return out
}

func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// rieBinary returns $SWITCHYARD_RIE, or <repo>/.tools/bin/aws-lambda-rie,
// installing it there with `go install` when missing. A file lock keeps
// test binaries that run in parallel from installing it twice at once.
func rieBinary(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv("SWITCHYARD_RIE"); bin != "" {
		if _, err := os.Stat(bin); err == nil {
			return bin
		}
	}
	tools := filepath.Join(repoRoot(t), ".tools")
	bin := filepath.Join(tools, "bin", "aws-lambda-rie")
	if isFile(bin) {
		return bin
	}
	installMu.Lock()
	defer installMu.Unlock()
	if err := os.MkdirAll(tools, 0o755); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(filepath.Join(tools, ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) }()
	if isFile(bin) { // installed by another test binary while we waited
		return bin
	}
	cmd := exec.Command("go", "install", RIEModule)
	cmd.Env = append(os.Environ(), "GOBIN="+filepath.Join(tools, "bin"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install %s: %v\n%s", RIEModule, err, out)
	}
	if !isFile(bin) {
		t.Fatalf("go install %s did not create %s", RIEModule, bin)
	}
	return bin
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

// rie is a running emulator with one function.
type rie struct {
	URL  string // invocation endpoint
	logs *testenv.SyncBuffer
	cmd  *exec.Cmd
	done chan struct{}
}

// baseEnv isolates the function from the developer's AWS setup: no
// ~/.aws files, no instance metadata, fake credentials.
func baseEnv() []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.TempDir(),
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIDTEST",
		"AWS_SECRET_ACCESS_KEY=secret",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_LAMBDA_FUNCTION_TIMEOUT=60",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024",
	}
}

// startRIE runs bin under the emulator, bound to 127.0.0.1 on free ports
// (the runtime API too, so emulators can run side by side). env is added
// to baseEnv. The emulator starts the function on the first invocation,
// as Lambda does.
func startRIE(t testing.TB, bin string, env ...string) *rie {
	t.Helper()
	var lastErr error
	for try := 0; try < 3; try++ { // a free port can be taken before the emulator binds it
		r, err := tryStartRIE(t, bin, env)
		if err == nil {
			t.Cleanup(func() {
				r.stop()
				if t.Failed() {
					t.Logf("emulator output:\n%s", r.logs.String())
				}
			})
			return r
		}
		lastErr = err
	}
	t.Fatalf("start emulator: %v", lastErr)
	return nil
}

func tryStartRIE(t testing.TB, bin string, env []string) (*rie, error) {
	addr, api := freeAddr(t), freeAddr(t)
	r := &rie{URL: "http://" + addr + "/2015-03-31/functions/function/invocations", logs: &testenv.SyncBuffer{}, done: make(chan struct{})}
	r.cmd = exec.Command(rieBinary(t), "--runtime-interface-emulator-address", addr, "--runtime-api-address", api, bin)
	r.cmd.Env = append(baseEnv(), env...)
	r.cmd.Stdout, r.cmd.Stderr = r.logs, r.logs
	// Its own process group, so the function it started goes with it.
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := r.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = r.cmd.Wait(); close(r.done) }()
	deadline := time.Now().Add(startupDeadline)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return r, nil
		}
		select {
		case <-r.done:
			return nil, fmt.Errorf("emulator exited: %s", r.logs.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			r.stop()
			return nil, fmt.Errorf("emulator not listening on %s after %s", addr, startupDeadline)
		}
	}
}

func (r *rie) stop() {
	select {
	case <-r.done:
		return
	default:
	}
	_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
	<-r.done
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// invoke posts payload as one invocation and returns the raw response.
func (r *rie) invoke(t testing.TB, payload []byte) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read invocation response: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("emulator answered %d: %s", resp.StatusCode, body)
	}
	return body
}

// streamed is an API Gateway streaming response as the emulator returns
// it: the JSON prelude, eight NUL bytes, then the body.
type streamed struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              string              `json:"-"`
}

func parseStreamed(t testing.TB, raw []byte) streamed {
	t.Helper()
	head, body, ok := bytes.Cut(raw, make([]byte, 8))
	if !ok {
		t.Fatalf("no prelude separator (8 NUL bytes) in the response: %q", raw)
	}
	var s streamed
	if err := json.Unmarshal(head, &s); err != nil {
		t.Fatalf("prelude %q: %v", head, err)
	}
	s.Body = string(body)
	return s
}

// initReportRE matches the emulator's record of the init phase: from
// starting the bootstrap to its first request for an event, what Lambda
// reports as Init Duration. (The emulator's own "Init Duration" in REPORT
// lines times something else and reads near zero.)
var initReportRE = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// initDuration is the function's init duration, once it has started.
func (r *rie) initDuration() (time.Duration, bool) {
	m := initReportRE.FindStringSubmatch(r.logs.String())
	if m == nil {
		return 0, false
	}
	ms, err := strconv.ParseFloat(m[1], 64)
	return time.Duration(ms * float64(time.Millisecond)), err == nil
}
