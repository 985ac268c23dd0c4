package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/switchyard-llm/switchyard/internal/benchfake"
)

// child is a server process the load generator started and must stop.
type child struct {
	cmd    *exec.Cmd
	url    string
	exited chan struct{}
	log    *os.File
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// startChild runs bin with args, its stdout and stderr going to logPath,
// and waits until it logs a line starting with marker followed by its
// URL. The child's stdin is a pipe from this process: a child that sees
// it close knows the load generator is gone.
//
// The log is a file, not a pipe read here, so a gateway logging one line
// per request wakes nothing in the load generator.
func startChild(name, bin string, args []string, logPath, marker string) (*child, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = f, f
	setParentDeathSignal(cmd)
	if _, err := cmd.StdinPipe(); err != nil {
		f.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	c := &child{cmd: cmd, exited: make(chan struct{}), log: f}
	go func() { _ = cmd.Wait(); close(c.exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if u, ok := findURL(logPath, marker); ok {
			c.url = u
			return c, nil
		}
		select {
		case <-c.exited:
			c.stop()
			return nil, fmt.Errorf("%s exited before listening:\n%s", name, head(logPath))
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("%s did not say where it listens within 30s:\n%s", name, head(logPath))
		}
	}
}

// findURL looks for "<marker>http://host:port ..." in the log so far.
func findURL(path, marker string) (string, bool) {
	b, _ := os.ReadFile(path)
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), marker); ok {
			u, _, _ := strings.Cut(rest, " ")
			return u, strings.HasPrefix(u, "http://")
		}
	}
	return "", false
}

func head(path string) string {
	b, _ := os.ReadFile(path)
	return string(b[:min(len(b), 4096)])
}

// stop asks the child to shut down and kills it after 5 s.
func (c *child) stop() {
	_ = terminate(c.cmd.Process)
	select {
	case <-c.exited:
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
	c.log.Close()
}

// childEnv is this environment without the variables that would point the
// gateway at DynamoDB or another config.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "SWITCHYARD_CONFIG_TABLE", "SWITCHYARD_STATE_TABLE", "SWITCHYARD_METRICS_TABLE",
			"SWITCHYARD_CONFIG", "SWITCHYARD_ADDR", "AWS_LAMBDA_RUNTIME_API":
			continue
		}
		env = append(env, kv)
	}
	return env
}

const upstreamMarker = "benchfake listening on "

// startUpstream runs the fake upstream in its own process (this program
// with -serve-upstream), as a real upstream is: the direct measurement
// then crosses processes as the gateway's does.
func startUpstream(o options, dir string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return startChild("upstream", exe, []string{"-serve-upstream", fmt.Sprintf("-chunks=%d", o.chunks)},
		dir+"/upstream.log", upstreamMarker)
}

// serveUpstream is the child side of startUpstream: serve on a loopback
// port until told to stop or until the load generator's end closes stdin.
func serveUpstream(o options) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: benchfake.New(benchfake.Options{Chunks: o.chunks}), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(os.Stderr, "%shttp://%s\n", upstreamMarker, ln.Addr())
	stopOnSignalOrEOF(srv)
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}

const proxyMarker = "reverse proxy listening on "

// startFloorProxy runs a bare httputil.ReverseProxy in front of upstream,
// as a child process like the gateway (in this process with -in-process).
func startFloorProxy(o options, upstream string) (base string, stop func(), err error) {
	if o.inProcess {
		ln, srv, err := newProxyServer(upstream)
		if err != nil {
			return "", nil, err
		}
		go func() { _ = srv.Serve(ln) }()
		return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "switchyard-proxy-")
	if err != nil {
		return "", nil, err
	}
	c, err := startChild("reverse proxy", exe, []string{"-serve-proxy", upstream}, dir+"/proxy.log", proxyMarker)
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, err
	}
	return c.url, func() { c.stop(); _ = os.RemoveAll(dir) }, nil
}

// newProxyServer is the floor: net/http's reverse proxy with a pooled
// transport and nothing else — no parsing, routing or logging.
func newProxyServer(upstream string) (net.Listener, *http.Server, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, nil, err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 128, IdleConnTimeout: 90 * time.Second}
	rp.FlushInterval = -1 // flush every write, as the gateway does for streams
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	// The body is read before proxying, as the gateway reads it: the HTTP/1
	// server closes an unread request body once the response starts, and a
	// transport still sending it then cuts the streamed answer (go.dev/issue/40747).
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		rp.ServeHTTP(w, r)
	})
	return ln, &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}, nil
}

// serveProxy is the child side of startFloorProxy.
func serveProxy(upstream string) error {
	ln, srv, err := newProxyServer(upstream)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%shttp://%s\n", proxyMarker, ln.Addr())
	stopOnSignalOrEOF(srv)
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}

// stopOnSignalOrEOF closes srv on SIGTERM/interrupt, or when stdin (a pipe
// from the load generator) closes because the load generator is gone.
func stopOnSignalOrEOF(srv *http.Server) {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() { _, _ = os.Stdin.Read(make([]byte, 1)); stop <- os.Interrupt }()
	go func() { <-stop; _ = srv.Close() }()
}
