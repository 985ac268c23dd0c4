package lambdatest

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/store"
)

// dynamoSwitch stands between the function and dynalite at a fixed
// loopback address the function is configured with. Down, nothing listens
// there: connections are refused, as when DynamoDB is unreachable. Up, it
// forwards every connection to dynalite.
type dynamoSwitch struct {
	addr   string // what AWS_ENDPOINT_URL_DYNAMODB names
	target string // dynalite's host:port

	mu    sync.Mutex
	l     net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// newDynamoSwitch reserves a loopback address for d's dynalite; the switch
// starts down.
func newDynamoSwitch(t testing.TB, d *deployment) *dynamoSwitch {
	t.Helper()
	endpoint := envValue(d.env, "AWS_ENDPOINT_URL_DYNAMODB")
	target, ok := strings.CutPrefix(endpoint, "http://")
	if !ok {
		t.Fatalf("dynalite endpoint %q is not http://host:port", endpoint)
	}
	s := &dynamoSwitch{addr: freeAddr(t), target: target, conns: map[net.Conn]struct{}{}}
	t.Cleanup(s.down)
	return s
}

// env is d's environment with DynamoDB behind the switch.
func (s *dynamoSwitch) env(d *deployment) []string {
	// os/exec keeps the last value of a repeated key.
	return append(append([]string(nil), d.env...), "AWS_ENDPOINT_URL_DYNAMODB=http://"+s.addr)
}

// up starts forwarding. The address was free when reserved; another
// process taking it since would fail the test here, not make it pass.
func (s *dynamoSwitch) up(t testing.TB) {
	t.Helper()
	l, err := net.Listen("tcp", s.addr)
	if err != nil {
		t.Fatalf("DynamoDB switch: listen on %s again: %v", s.addr, err)
	}
	s.mu.Lock()
	s.l = l
	s.mu.Unlock()
	s.wg.Add(1)
	go s.accept(l)
}

func (s *dynamoSwitch) accept(l net.Listener) {
	defer s.wg.Done()
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", s.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		if !s.track(c, up) {
			return
		}
		s.wg.Add(2)
		go s.pipe(up, c)
		go s.pipe(c, up)
	}
}

// track records a connection pair, or closes it if the switch went down
// meanwhile.
func (s *dynamoSwitch) track(cs ...net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.l == nil {
		for _, c := range cs {
			_ = c.Close()
		}
		return false
	}
	for _, c := range cs {
		s.conns[c] = struct{}{}
	}
	return true
}

func (s *dynamoSwitch) pipe(dst, src net.Conn) {
	defer s.wg.Done()
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
}

// down stops listening and cuts every open connection, the SDK's idle
// keep-alive ones included: from now on the function's DynamoDB calls
// meet a closed port.
func (s *dynamoSwitch) down() {
	s.mu.Lock()
	if s.l != nil {
		_ = s.l.Close()
		s.l = nil
	}
	for c := range s.conns {
		_ = c.Close()
		delete(s.conns, c)
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func envValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if val, ok := strings.CutPrefix(kv, key+"="); ok {
			v = val
		}
	}
	return v
}

// waitLog returns once the function has logged a line containing s. The
// function logs it from a background goroutine, after the invocation that
// started the work has answered, so there is no response to wait on.
func (r *rie) waitLog(t *testing.T, s string) {
	t.Helper()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !strings.Contains(r.logs.String(), s) {
		select {
		case <-tick.C:
		case <-r.done:
			t.Fatalf("emulator exited before the function logged %q", s)
		case <-deadline.C:
			t.Fatalf("the function never logged %q", s)
		}
	}
}

// invokeOK invokes the gateway with an events/ file and checks it was
// served by the router the deployment configures.
func invokeOK(t *testing.T, gw *rie, name string) streamed {
	t.Helper()
	s := parseStreamed(t, gw.invoke(t, readEvent(t, name)))
	if s.StatusCode != 200 || s.Headers["x-switchyard-router"] != "default" {
		t.Fatalf("%s: status %d, router %q; want 200 from router default. Body: %s",
			name, s.StatusCode, s.Headers["x-switchyard-router"], s.Body)
	}
	return s
}

// initCount is how many times the emulator started the function: 1 while
// one container serves every invocation (a function that exits is started
// again on the next one).
func (r *rie) initCount() int {
	return len(initReportRE.FindAllString(r.logs.String(), -1))
}

// TestLambdaColdStartWithoutDynamoDB starts a container while DynamoDB is
// unreachable (a closed loopback port). The caller gets a clean 503 in
// the OpenAI error envelope rather than a crashed invocation, and the
// failed config load is not cached: once DynamoDB answers, the next
// invocation in the same container is served.
func TestLambdaColdStartWithoutDynamoDB(t *testing.T) {
	d := newDeployment(t)
	sw := newDynamoSwitch(t, d)
	daemon := newXRayDaemon(t)
	gw := startRIE(t, bootstrap(t, "./functions/gateway"), append(sw.env(d), "AWS_XRAY_DAEMON_ADDRESS="+daemon.Addr())...)

	t.Run("DynamoDB unreachable: 503 config_unavailable", func(t *testing.T) {
		s := parseStreamed(t, gw.invoke(t, readEvent(t, "chat.json")))
		if s.StatusCode != 503 {
			t.Fatalf("status %d, want 503; body %s", s.StatusCode, s.Body)
		}
		event := readEvent(t, "chat.json")
		// Identified like any answer: API Gateway's request id and the
		// invocation's X-Ray trace, so the failure can be found.
		for k, want := range map[string]string{"content-type": "application/json", "retry-after": "1",
			"x-request-id": "c0a8e2f1-6d1b-4c3e-9f2a-000000000001", "x-switchyard-trace-id": traceRoot(t, event)} {
			if got := s.Headers[k]; got != want {
				t.Errorf("header %s = %q, want %q", k, got, want)
			}
		}
		var v struct {
			Error struct {
				Message, Type, Code string
				Param               *string
			}
		}
		if err := json.Unmarshal([]byte(s.Body), &v); err != nil || v.Error.Type != "server_error" ||
			v.Error.Code != "config_unavailable" || v.Error.Message == "" || v.Error.Param != nil {
			t.Errorf("body %s (%v): want an OpenAI error envelope, type server_error, code config_unavailable", s.Body, err)
		}
		// The cause stays in the log: it names the endpoint and tables.
		for _, leak := range []string{sw.addr, d.Tables.Config, "dial tcp"} {
			if strings.Contains(s.Body, leak) {
				t.Errorf("error body leaks %q: %s", leak, s.Body)
			}
		}
		if !strings.Contains(gw.logs.String(), "config unavailable") {
			t.Error("the cause was not logged")
		}
		if n := d.Upstream.Hits("gpt-4o-mini") + d.Upstream.Hits("gpt-4o"); n != 0 {
			t.Errorf("%d provider calls without a config", n)
		}
	})

	sw.up(t)
	t.Run("DynamoDB back: the same container serves", func(t *testing.T) {
		s := invokeOK(t, gw, "chat.json")
		if s.Headers["x-switchyard-target"] != "fake/gpt-4o-mini" {
			t.Errorf("target %q", s.Headers["x-switchyard-target"])
		}
		invokeOK(t, gw, "chat-stream.json")
		if n := gw.initCount(); n != 1 {
			t.Errorf("the function was started %d times, want 1 (one warm container)", n)
		}
	})
}

// TestLambdaWarmContainerOutlivesDynamoDB takes DynamoDB away from a warm
// container whose config is due for a re-read on every request: each
// re-read fails, and the container keeps serving the config it has.
func TestLambdaWarmContainerOutlivesDynamoDB(t *testing.T) {
	d := newDeployment(t)
	// Re-read the config on every request, so the outage meets a reload.
	if err := d.Store.PutRecord(context.Background(), store.Record{Kind: store.KindServer, Name: "server",
		Doc: map[string]any{"config_refresh": "1ns"}}); err != nil {
		t.Fatal(err)
	}
	sw := newDynamoSwitch(t, d)
	sw.up(t)
	daemon := newXRayDaemon(t)
	gw := startRIE(t, bootstrap(t, "./functions/gateway"), append(sw.env(d), "AWS_XRAY_DAEMON_ADDRESS="+daemon.Addr())...)

	invokeOK(t, gw, "chat.json") // cold start: config read through the switch
	sw.down()

	invokeOK(t, gw, "chat.json")
	// That request started a re-read, which met the closed port.
	gw.waitLog(t, "config reload failed; serving the last good config")
	s := invokeOK(t, gw, "chat-stream.json")
	if data := sseData(t, s.Body); len(data) == 0 || data[len(data)-1] != "[DONE]" {
		t.Errorf("stream after the failed reload: %q", s.Body)
	}
	if n := gw.initCount(); n != 1 {
		t.Errorf("the function was started %d times, want 1 (one warm container)", n)
	}
	if got := d.Upstream.Hits("gpt-4o-mini"); got != 3 {
		t.Errorf("provider served %d requests, want 3", got)
	}
}
