package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/store"
)

func TestRequestValidation(t *testing.T) {
	h := newHarness(t, "server: {max_body_bytes: 2048}\n")
	big := `{"model":"router/fb","messages":[{"role":"user","content":"` + strings.Repeat("x", 4096) + `"}]}`
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantCode   string
		wantParam  string
	}{
		{"malformed JSON", `{"model": "router/fb", "messages": [`, 400, "invalid_json", ""},
		{"not an object", `[1,2]`, 400, "invalid_json", ""},
		{"missing messages", `{"model":"router/fb"}`, 400, "missing_messages", "messages"},
		{"empty messages", `{"model":"router/fb","messages":[]}`, 400, "missing_messages", "messages"},
		{"bad role", `{"model":"router/fb","messages":[{"role":"robot","content":"hi"}]}`, 400, "invalid_role", "messages[0].role"},
		{"wrong type", `{"model":"router/fb","messages":[{"role":"user","content":"hi"}],"temperature":"hot"}`, 400, "invalid_json", ""},
		{"missing model", `{"messages":[{"role":"user","content":"hi"}]}`, 400, "missing_model", "model"},
		{"unknown router", `{"model":"router/nope","messages":[{"role":"user","content":"hi"}]}`, 404, "model_not_found", "model"},
		{"unknown model", `{"model":"gpt-99","messages":[{"role":"user","content":"hi"}]}`, 404, "model_not_found", "model"},
		{"unknown provider", `{"model":"acme/gpt-99","messages":[{"role":"user","content":"hi"}]}`, 404, "model_not_found", "model"},
		{"body too large", big, 413, "request_too_large", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := h.post("/v1/chat/completions", tt.body)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			e := decodeError(t, body)
			if e.Error.Code != tt.wantCode {
				t.Errorf("code %q, want %q (%s)", e.Error.Code, tt.wantCode, e.Error.Message)
			}
			if tt.wantParam != "" && (e.Error.Param == nil || *e.Error.Param != tt.wantParam) {
				t.Errorf("param %v, want %q", e.Error.Param, tt.wantParam)
			}
			if e.Error.Message == "" || e.Error.Type == "" {
				t.Errorf("incomplete error: %s", body)
			}
			if h.fake.Hits("m1")+h.fake.Hits("m2") != 0 {
				t.Error("a rejected request reached the upstream")
			}
		})
	}
}

func TestRouteResolution(t *testing.T) {
	h := newHarness(t, "")
	tests := []struct {
		model      string
		wantRouter string
		wantTarget string
	}{
		{"router/fb", "fb", "up/m1"},
		{"fb", "fb", "up/m1"},
		{"up/m7", "direct", "up/m7"},
		{"router/nested", "nested", "up/m3"},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			resp, body := h.post("/v1/chat/completions", chatBody(tt.model, false))
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if resp.Header.Get("x-switchyard-router") != tt.wantRouter || resp.Header.Get("x-switchyard-target") != tt.wantTarget {
				t.Errorf("router %q target %q", resp.Header.Get("x-switchyard-router"), resp.Header.Get("x-switchyard-target"))
			}
		})
	}
}

// TestNestedRouterParams: a nested router's params reach every model under
// it, and the candidates follow depth-first.
func TestNestedRouterParams(t *testing.T) {
	h := newHarness(t, "")
	h.fake.Script("m3", openaiStatus(500))
	h.fake.Script("m1", openaiStatus(500))
	resp, body := h.post("/v1/chat/completions", chatBody("router/nested", false))
	if resp.StatusCode != 200 || resp.Header.Get("x-switchyard-target") != "up/m2" || resp.Header.Get("x-switchyard-attempts") != "3" {
		t.Fatalf("status %d headers %v: %s", resp.StatusCode, resp.Header, body)
	}
	reqs := h.fake.Requests()
	if reqs[0]["max_tokens"] != nil {
		t.Errorf("m3 got the nested router's params: %v", reqs[0])
	}
	if reqs[1]["max_tokens"] != 50.0 || reqs[2]["max_tokens"] != 50.0 || reqs[2]["temperature"] != 0.2 {
		t.Errorf("nested params not merged: %v / %v", reqs[1], reqs[2])
	}
}

func TestMaxAttempts(t *testing.T) {
	h := newHarness(t, "")
	h.fake.Script("m1", openaiStatus(503))
	h.fake.Script("m2", openaiStatus(503))
	resp, body := h.post("/v1/chat/completions", chatBody("router/three", false))
	if resp.StatusCode != 502 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if e := decodeError(t, body); len(e.Error.Attempts) != 2 || h.fake.Hits("m3") != 0 {
		t.Errorf("attempts %d, m3 hits %d; max_attempts is 2", len(e.Error.Attempts), h.fake.Hits("m3"))
	}
}

func TestDeadline(t *testing.T) {
	h := newHarness(t, "")
	h.fake.Script("m1", openaiHang())
	resp, body := h.post("/v1/chat/completions", chatBody("router/quick", false))
	if resp.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if e := decodeError(t, body); e.Error.Code != "deadline_exceeded" {
		t.Errorf("code %q", e.Error.Code)
	}
}

// TestCooldown: a target that keeps failing is set aside; when every
// candidate is cooling down they are tried anyway.
func TestCooldown(t *testing.T) {
	h := newHarness(t, "")
	for i := 0; i < 3; i++ {
		h.fake.Script("m1", openaiStatus(503))
	}
	for i := 0; i < 3; i++ {
		if resp, body := h.post("/v1/chat/completions", chatBody("router/fb", false)); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
		}
	}
	// m1 has now failed 3 times in a row: it is skipped.
	resp, _ := h.post("/v1/chat/completions", chatBody("router/fb", false))
	if resp.Header.Get("x-switchyard-target") != "up/m2" || h.fake.Hits("m1") != 3 {
		t.Errorf("cooling target was tried: target %q, m1 hits %d", resp.Header.Get("x-switchyard-target"), h.fake.Hits("m1"))
	}
	// Explain shows it.
	_, plan := h.post("/v1/routing/explain", chatBody("router/fb", false))
	if !strings.Contains(string(plan), `"cooling_down": true`) {
		t.Errorf("explain does not show the cooldown: %s", plan)
	}
	// A direct call to the cooling target alone still tries it.
	resp, _ = h.post("/v1/chat/completions", chatBody("up/m1", false))
	if resp.StatusCode != 200 || h.fake.Hits("m1") != 4 {
		t.Errorf("all-cooling candidates were not tried anyway: %d, m1 hits %d", resp.StatusCode, h.fake.Hits("m1"))
	}
}

func openaiStatus(code int) fakeFault { return fakeFault{Kind: faultStatus, Status: code} }
func openaiHang() fakeFault           { return fakeFault{Kind: faultHang} }

func TestModels(t *testing.T) {
	h := newHarness(t, "")
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/v1/models", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Object string `json:"object"`
		Data   []struct {
			ID     string `json:"id"`
			Object string `json:"object"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, m := range list.Data {
		ids[m.ID] = true
		if m.Object != "model" {
			t.Errorf("%s object %q", m.ID, m.Object)
		}
	}
	for _, want := range []string{"router/fb", "router/three", "router/nested", "router/quick", "up/m1", "up/m2", "up/m3"} {
		if !ids[want] {
			t.Errorf("missing %s in %v", want, ids)
		}
	}
	if list.Object != "list" {
		t.Errorf("object %q", list.Object)
	}
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestAuth covers bearer keys, router allow-lists, admin keys, and the
// loopback-only rule when no keys are configured.
func TestAuth(t *testing.T) {
	yml := `
providers:
  m: {type: mock}
routers:
  a: {strategy: fallback, targets: [{model: m/x}]}
  b: {strategy: fallback, targets: [{model: m/y}]}
keys:
  - {name: team-a, sha256: "` + sha("sk-team-a") + `", routers: [a]}
  - {name: open, sha256: "` + sha("sk-open") + `"}
admin_keys:
  - {name: ops, sha256: "` + sha("sk-ops") + `"}
`
	handler := buildHandler(t, yml)
	tests := []struct {
		name   string
		path   string
		model  string
		token  string
		want   int
		code   string
		method string
	}{
		{"no key", "/v1/chat/completions", "router/a", "", 401, "missing_api_key", "POST"},
		{"bad key", "/v1/chat/completions", "router/a", "sk-wrong", 401, "invalid_api_key", "POST"},
		{"allowed router", "/v1/chat/completions", "router/a", "sk-team-a", 200, "", "POST"},
		{"router not allowed", "/v1/chat/completions", "router/b", "sk-team-a", 403, "router_not_allowed", "POST"},
		{"direct not allowed", "/v1/chat/completions", "m/x", "sk-team-a", 403, "router_not_allowed", "POST"},
		{"key without allow-list", "/v1/chat/completions", "router/b", "sk-open", 200, "", "POST"},
		{"admin API needs an admin key", "/v1/admin/routers/a", "", "sk-open", 403, "admin_required", "GET"},
		{"admin key", "/v1/admin/routers/a", "", "sk-ops", 503, "admin_unavailable", "GET"},
		{"healthz needs nothing", "/healthz", "", "", 200, "", "GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body *strings.Reader
			if tt.method == "POST" {
				raw, _ := json.Marshal(chatBody(tt.model, false))
				body = strings.NewReader(string(raw))
			} else {
				body = strings.NewReader("")
			}
			req := httptest.NewRequest(tt.method, tt.path, body)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.want, rec.Body)
			}
			if tt.code != "" {
				if e := decodeError(t, rec.Body.Bytes()); e.Error.Code != tt.code {
					t.Errorf("code %q, want %q", e.Error.Code, tt.code)
				}
			}
		})
	}

	t.Run("no keys: loopback only", func(t *testing.T) {
		open := buildHandler(t, "providers: {m: {type: mock}}\nrouters: {a: {strategy: fallback, targets: [{model: m/x}]}}\n")
		raw, _ := json.Marshal(chatBody("router/a", false))
		remote := httptest.NewRequest("POST", "http://127.0.0.1:8080/v1/chat/completions", strings.NewReader(string(raw)))
		remote.RemoteAddr = "203.0.113.7:40000"
		remote.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		open.ServeHTTP(rec, remote)
		if rec.Code != 401 {
			t.Errorf("remote caller without keys: %d", rec.Code)
		}
		local := httptest.NewRequest("POST", "http://127.0.0.1:8080/v1/chat/completions", strings.NewReader(string(raw)))
		local.RemoteAddr = "127.0.0.1:40000"
		local.Header.Set("Content-Type", "application/json")
		rec = httptest.NewRecorder()
		open.ServeHTTP(rec, local)
		if rec.Code != 200 {
			t.Errorf("loopback caller without keys: %d %s", rec.Code, rec.Body)
		}
	})
}

func buildHandler(t *testing.T, yml string) http.Handler {
	t.Helper()
	cfg, err := config.Parse([]byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	src, err := configsource.FromConfig(cfg, engine.Deps{Store: store.NewMemory(), Logger: slog.New(slog.DiscardHandler), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Engine().Close() })
	return httpapi.New(src, httpapi.Options{Logger: slog.New(slog.DiscardHandler)})
}

// TestBackoffNeverSleepsPastDeadline: a Retry-After that would end after
// the request deadline is not waited for.
func TestBackoffNeverSleepsPastDeadline(t *testing.T) {
	h := newHarness(t, "")
	h.fake.Script("m1", fakeFault{Kind: faultStatus, Status: 429, Headers: map[string]string{"Retry-After": "1"}})
	resp, body := h.post("/v1/chat/completions", chatBody("router/quick", false))
	if resp.StatusCode != 429 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if s := h.Sleeps(); len(s) != 0 {
		t.Errorf("slept %v past a 200ms deadline", s)
	}
	if h.fake.Hits("m1") != 1 {
		t.Errorf("m1 hits %d", h.fake.Hits("m1"))
	}
}

// TestRequestLog: one JSON log line per request with the routing facts.
func TestRequestLog(t *testing.T) {
	h := newHarness(t, "")
	h.fake.Script("m1", openaiStatus(503))
	resp, _ := h.post("/v1/chat/completions", chatBody("router/fb", false), "X-Request-Id", "req-abc-123")
	if resp.Header.Get("x-request-id") != "req-abc-123" {
		t.Errorf("request id not kept: %q", resp.Header.Get("x-request-id"))
	}
	var line map[string]any
	for _, l := range strings.Split(h.Logs(), "\n") {
		if strings.Contains(l, `"msg":"request"`) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := map[string]any{"request_id": "req-abc-123", "router": "fb", "target": "up/m2", "attempts": 2.0, "status": 200.0, "fallback": true}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log %s = %v, want %v (line %v)", k, line[k], v, line)
		}
	}
	if _, ok := line["latency_ms"]; !ok {
		t.Error("log has no latency_ms")
	}
	if strings.Contains(h.Logs(), "Hello!") {
		t.Error("the prompt was logged")
	}
}

func serve(h http.Handler, body, token string) (int, []byte) {
	req := httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}
