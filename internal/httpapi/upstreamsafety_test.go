package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// TestAdminPutRefusesUnsafeProviders: an admin key could point api_key at
// any environment variable or secret, and base_url at a server of its own
// (or the metadata service); the gateway would then send the value there.
// Such a provider is now refused with 400 invalid_config and not stored.
func TestAdminPutRefusesUnsafeProviders(t *testing.T) {
	t.Setenv("SWITCHYARD_PROVIDER_SECRET", "arn:aws:secretsmanager:us-east-1:123456789012:secret:switchyard/provider-keys-AbCdEf")
	ctx := context.Background()
	st := store.NewMemory()
	d, err := config.ParseDocument([]byte("providers: {m: {type: mock}}\nadmin_keys:\n  - {name: ops, sha256: \"" + sha("sk-ops") + "\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := configsource.Push(ctx, st, d); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	src, err := configsource.FromStore(ctx, st, engine.Deps{Store: st, Logger: log, Seed: 1}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Wait(); src.Engine().Close() })
	h := httpapi.New(src, httpapi.Options{Logger: log, Store: st, Admin: src})

	put := func(name, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPut, "/v1/admin/providers/"+name, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer sk-ops")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	refused := []struct {
		name, body, env, why string
	}{
		{"env:HOME", `{"type":"openai-compatible","base_url":"https://capture.example/v1","api_key":"env:HOME"}`, "",
			"providers.evil.api_key: env:HOME is not allowed"},
		{"env:AWS_SESSION_TOKEN with every name allowed", `{"type":"openai","api_key":"env:AWS_SESSION_TOKEN"}`, "*",
			"providers.evil.api_key: env:AWS_SESSION_TOKEN is refused"},
		{"another app's secret", `{"type":"openai","api_key":"secret:other-app/x"}`, "",
			"providers.evil.api_key: secret:other-app/x is not allowed"},
		{"userinfo in base_url", `{"type":"openai-compatible","base_url":"https://user:pass@llm.example/v1"}`, "",
			"providers.evil.base_url: must not carry a user or password"},
		{"metadata base_url", `{"type":"openai-compatible","base_url":"http://169.254.169.254/latest"}`, "",
			"providers.evil.base_url: must not be a link-local or metadata address"},
		{"IPv6 metadata base_url", `{"type":"openai-compatible","base_url":"https://[fd00:ec2::254]/latest"}`, "",
			"providers.evil.base_url: must not be a link-local or metadata address"},
		{"http to a remote host", `{"type":"openai-compatible","base_url":"http://llm.example/v1"}`, "",
			"providers.evil.base_url: http:// is allowed only to loopback hosts"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("SWITCHYARD_ENV_ALLOW", c.env)
			rec := put("evil", c.body)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", rec.Code, rec.Body)
			}
			e := decodeError(t, rec.Body.Bytes())
			if e.Error.Code != "invalid_config" || !strings.Contains(e.Error.Message, c.why) {
				t.Errorf("error %+v; want invalid_config saying %q", e.Error, c.why)
			}
			recs, _ := st.ListRecords(ctx)
			for _, r := range recs {
				if r.Kind == store.KindProvider && r.Name == "evil" {
					t.Errorf("the refused provider was stored: %v", r.Doc)
				}
			}
		})
	}
	t.Run("an allowed provider is stored", func(t *testing.T) {
		rec := put("ok", `{"type":"openai-compatible","base_url":"http://127.0.0.1:9/v1","api_key":"secret:#groq"}`)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d, want 200: %s", rec.Code, rec.Body)
		}
	})
}

// TestRedirectIsAFailedAttempt: an upstream answering 307 to another host
// used to get the prompt and the api-key there. Now nothing reaches the
// other host; the attempt fails and the next target serves.
func TestRedirectIsAFailedAttempt(t *testing.T) {
	var captured atomic.Int32
	capture := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { captured.Add(1) }))
	defer capture.Close()
	h := newHarness(t, "")
	h.fake.Script("m1", fakeFault{Kind: faultStatus, Status: http.StatusTemporaryRedirect,
		Headers: map[string]string{"Location": capture.URL + "/v1/chat/completions"}})
	resp, body := h.post("/v1/chat/completions", chatBody("router/fb", false))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200 from the next target: %s", resp.StatusCode, body)
	}
	if got := resp.Header.Get("x-switchyard-target"); got != "up/m2" {
		t.Errorf("x-switchyard-target = %q, want up/m2", got)
	}
	if got := resp.Header.Get("x-switchyard-attempts"); got != "2" {
		t.Errorf("x-switchyard-attempts = %q, want 2 (the redirect is not retried)", got)
	}
	if n := captured.Load(); n != 0 {
		t.Errorf("the redirect's target received %d requests", n)
	}
}

// TestNetworkErrorNamesTheTarget: a target that cannot be reached is named
// in the 502 by its target, not by the operator's base_url.
func TestNetworkErrorNamesTheTarget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // connection refused from now on
	handler := buildHandler(t, "providers: {dead: {type: openai-compatible, base_url: \"http://"+addr+"/v1\"}}\n"+
		"routers: {r: {strategy: fallback, targets: [{model: dead/m}]}}\n")
	req := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(`{"model":"router/r","messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("Content-Type", "application/json")
	req.Host, req.RemoteAddr = "localhost", "127.0.0.1:50000" // a keyless gateway serves loopback callers
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusBadGateway {
		t.Fatalf("status %d, want 502: %s", rec.Code, rec.Body)
	}
	msg := decodeError(t, rec.Body.Bytes()).Error.Message
	if !strings.Contains(msg, "(dead/m)") || !strings.Contains(msg, "connection refused") {
		t.Errorf("message %q should name the target dead/m and the failure", msg)
	}
	for _, leak := range []string{addr, "http://", "/v1/chat/completions"} {
		if strings.Contains(rec.Body.String(), leak) {
			t.Errorf("the error body shows %q: %s", leak, rec.Body)
		}
	}
}

// TestRelayedErrorFieldsRedacted: an upstream may echo the key in param or
// code, or base64-encoded (a Basic credential), as well as plainly in the
// message; none of it reaches the caller. (URL-encoded forms: the
// provider package's TestRedactEncodedForms; this key has no character
// that encoding changes.)
func TestRelayedErrorFieldsRedacted(t *testing.T) {
	const key = "sk-upstream-secret" // the harness's env:FAKE_UPSTREAM_API_KEY
	basic := base64.StdEncoding.EncodeToString([]byte("user:" + key))
	h := newHarness(t, "")
	body, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": "credential Basic " + basic + " refused",
		"type":    "invalid_request_error", "param": "api_key=" + key, "code": "bad_key_" + key,
	}})
	h.fake.Script("m1", fakeFault{Kind: faultStatus, Status: 400, Body: string(body)})
	resp, raw := h.post("/v1/chat/completions", chatBody("router/fb", false))
	if resp.StatusCode != 400 {
		t.Fatalf("status %d, want the relayed 400: %s", resp.StatusCode, raw)
	}
	e := decodeError(t, raw)
	if e.Error.Param == nil || *e.Error.Param != "api_key=[redacted]" || e.Error.Code != "bad_key_[redacted]" {
		t.Errorf("param %v, code %q: the key is not redacted", e.Error.Param, e.Error.Code)
	}
	if !strings.Contains(e.Error.Message, "[redacted]") {
		t.Errorf("message %q: the base64 credential is not redacted", e.Error.Message)
	}
	for _, leak := range []string{key, basic, basic[4:20]} {
		if strings.Contains(string(raw), leak) {
			t.Errorf("the caller got %q: %s", leak, raw)
		}
	}
}
