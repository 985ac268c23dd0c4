package testenv

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// DynaliteSpec is the npm package spec installed into <repo>/.tools when no
// dynalite is found; the Makefile's install step should use the same.
const DynaliteSpec = "dynalite@4"

// startupDeadline bounds how long we wait for a started dynalite to accept
// connections; node starts it in well under a second on an idle machine.
const startupDeadline = 30 * time.Second

// Dynalite starts a fresh, empty dynalite on 127.0.0.1 and returns its
// endpoint URL ("http://127.0.0.1:PORT"). The process is killed in
// t.Cleanup. See StartDynalite for where the binary comes from.
func Dynalite(t testing.TB) string {
	t.Helper()
	return StartDynalite(t).Endpoint
}

// DynaliteServer is a running dynalite process.
type DynaliteServer struct {
	Endpoint string

	cmd    *exec.Cmd
	exited chan struct{}
	output *SyncBuffer
	once   sync.Once
}

// StartDynalite is Dynalite, returning the process so that a test can kill
// it early (to see how code behaves when DynamoDB goes away).
//
// The binary is $SWITCHYARD_DYNALITE if set, else
// <repo>/.tools/node_modules/.bin/dynalite, installed there with npm on
// first use. Tables are created and deleted in 50 ms rather than dynalite's
// default 500 ms so that the many fresh tables tests create cost little,
// while CREATING is still a state that code must wait out.
func StartDynalite(t testing.TB) *DynaliteServer {
	t.Helper()
	bin, err := dynaliteBinary()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	// A port found free can be taken by another process before dynalite
	// binds it; a few tries make that race harmless.
	var lastErr error
	for try := 0; try < 3; try++ {
		s, err := startDynalite(bin)
		if err == nil {
			t.Cleanup(s.Kill)
			return s
		}
		lastErr = err
	}
	t.Fatalf("testenv: start dynalite: %v", lastErr)
	return nil
}

// Kill stops the process and waits for it to exit. Safe to call twice.
func (s *DynaliteServer) Kill() {
	s.once.Do(func() {
		_ = s.cmd.Process.Kill()
		<-s.exited
	})
}

func startDynalite(bin string) (*DynaliteServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s := &DynaliteServer{
		Endpoint: "http://" + addr,
		exited:   make(chan struct{}),
		output:   &SyncBuffer{},
	}
	s.cmd = exec.Command(bin, "--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--createTableMs", "50", "--deleteTableMs", "50", "--updateTableMs", "50")
	s.cmd.Stdout = s.output
	s.cmd.Stderr = s.output
	dieWithParent(s.cmd)
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("run %s: %w", bin, err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	if err := waitListening(addr, s.exited); err != nil {
		s.Kill()
		return nil, fmt.Errorf("%w; dynalite output: %s", err, s.output.String())
	}
	// A connection proves that something listens on the port, not that it
	// is this process: another test binary's dynalite may have taken the
	// port between freePort and our bind, and ours then dies with
	// EADDRINUSE while the tests talk to the other one until its owner
	// kills it. Only our own "listening" line proves the bind.
	if err := waitOwnBind(s, port); err != nil {
		s.Kill()
		return nil, err
	}
	return s, nil
}

// waitOwnBind waits for dynalite's own "Dynalite listening at" line for
// port, or its exit.
func waitOwnBind(s *DynaliteServer, port int) error {
	want := fmt.Sprintf("listening at: http://127.0.0.1:%d", port)
	deadline := time.Now().Add(startupDeadline)
	for !strings.Contains(s.output.String(), want) {
		if time.Now().After(deadline) {
			return fmt.Errorf("dynalite did not report listening on port %d after %s; output: %s", port, startupDeadline, s.output.String())
		}
		select {
		case <-s.exited:
			return fmt.Errorf("dynalite exited instead of listening on port %d (taken by another process?): %s", port, s.output.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// waitListening polls addr until it accepts a connection, the process
// exits, or startupDeadline passes.
func waitListening(addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(startupDeadline)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = conn.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dynalite not listening on %s after %s: %w", addr, startupDeadline, err)
		}
		select {
		case <-exited:
			return fmt.Errorf("dynalite exited before listening on %s", addr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// installMu serialises installs within one test binary; the file lock
// serialises them across the test binaries `go test` runs in parallel.
var installMu sync.Mutex

func dynaliteBinary() (string, error) {
	if bin := os.Getenv("SWITCHYARD_DYNALITE"); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			return "", fmt.Errorf("SWITCHYARD_DYNALITE: %w", err)
		}
		return bin, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	tools := filepath.Join(root, ".tools")
	bin := filepath.Join(tools, "node_modules", ".bin", "dynalite")
	if isFile(bin) {
		return bin, nil
	}

	installMu.Lock()
	defer installMu.Unlock()
	if err := os.MkdirAll(tools, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", tools, err)
	}
	lock, err := os.OpenFile(filepath.Join(tools, ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", fmt.Errorf("open install lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("lock %s: %w", lock.Name(), err)
	}
	defer func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) }()
	// Another test binary may have installed it while we waited.
	if isFile(bin) {
		return bin, nil
	}
	cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--prefix", tools, DynaliteSpec)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("npm install %s: %w\n%s", DynaliteSpec, err, out)
	}
	if !isFile(bin) {
		return "", fmt.Errorf("npm install %s did not create %s\n%s", DynaliteSpec, bin, out)
	}
	return bin, nil
}

// RepoRoot returns the directory holding go.mod, walking up from the
// working directory (a package's directory under `go test`).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repo root: %w", err)
	}
	for {
		if isFile(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find repo root: no go.mod above the working directory")
		}
		dir = parent
	}
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir()
}
