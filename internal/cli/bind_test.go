package cli_test

import (
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestServeBindsBeyondLoopbackOnlyWithKeys: a container runs
// `gateway serve --addr 0.0.0.0:8080`. With keys configured that works
// and callers from any host name are served by key; without keys serve
// refuses to start rather than offer an unauthenticated API to the network.
func TestServeBindsBeyondLoopbackOnlyWithKeys(t *testing.T) {
	t.Run("keys: listens on every interface", func(t *testing.T) {
		serveEnv(t)
		g := startGateway(t, "serve", "--config", writeConfig(t, keyedConfig()), "--addr", "0.0.0.0:0")
		addr := g.waitListening(t)
		_, port, _ := net.SplitHostPort(addr)
		if host, _, _ := net.SplitHostPort(addr); host != "0.0.0.0" && host != "::" {
			t.Errorf("listening on %s, want every interface", addr)
		}
		url := "http://127.0.0.1:" + port
		if code, body := get(t, url+"/healthz"); code != http.StatusOK {
			t.Errorf("GET /healthz = %d %s", code, body)
		}
		// As behind a load balancer: a public Host name, the key decides.
		for _, tc := range []struct {
			key  string
			want int
		}{{serveKey, http.StatusOK}, {"", http.StatusUnauthorized}} {
			req, _ := http.NewRequest(http.MethodGet, url+"/v1/models", nil)
			req.Host = "llm.example.com"
			if tc.key != "" {
				req.Header.Set("Authorization", "Bearer "+tc.key)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("GET /v1/models, Host llm.example.com, key %q = %d, want %d", tc.key, resp.StatusCode, tc.want)
			}
		}
	})
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		t.Run("no keys: refuses "+addr, func(t *testing.T) {
			serveEnv(t)
			g := startGateway(t, "serve", "--config", writeConfig(t, serveConfig), "--addr", addr)
			if code := g.wait(t); code == 0 {
				t.Fatalf("serve exited 0")
			}
			if !strings.Contains(g.stderr.String(), "no keys configured: refusing to listen on "+addr) {
				t.Errorf("stderr does not say why:\n%s", g.stderr.String())
			}
		})
	}
	t.Run("no keys: localhost is fine", func(t *testing.T) {
		serveEnv(t)
		g := startGateway(t, "serve", "--config", writeConfig(t, serveConfig), "--addr", "localhost:0")
		g.waitListening(t)
	})
}
