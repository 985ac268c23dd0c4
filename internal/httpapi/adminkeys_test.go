package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// TestAdminKeyLifecycle: create mints a token shown once (only its hash
// is stored) and the key works at once with its limits; rotate makes the
// old token fail and the new one work; disable and enable switch it off
// and on — all without a config push.
func TestAdminKeyLifecycle(t *testing.T) {
	st := store.NewMemory()
	doc, err := config.ParseDocument([]byte(`
providers: {m: {type: mock, reply: ok}}
routers: {main: {strategy: fallback, targets: [{model: m/a}]}}
admin_keys: [{name: ops, sha256: "` + sha("sk-ops") + `"}]
`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := configsource.Push(context.Background(), st, doc); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	src, err := configsource.FromStore(context.Background(), st, engine.Deps{Store: st, Logger: log, Seed: 1}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Wait(); src.Engine().Close() })
	srv := httptest.NewServer(httpapi.New(src, httpapi.Options{Logger: log, Store: st, Admin: src}))
	t.Cleanup(srv.Close)

	call := func(method, path, token, body string) (*http.Response, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		return resp, out
	}
	chatAs := func(token string) *http.Response {
		resp, _ := call("POST", "/v1/chat/completions", token, `{"model":"router/main","messages":[{"role":"user","content":"hi"}]}`)
		return resp
	}

	resp, out := call("POST", "/v1/admin/keys/team/create", "sk-ops", `{"routers":["main"],"limits":{"requests_per_minute":5}}`)
	token, _ := out["token"].(string)
	if resp.StatusCode != 201 || !strings.HasPrefix(token, config.TokenPrefix) || out["sha256"] != sha(token) {
		t.Fatalf("create: %d %v", resp.StatusCode, out)
	}
	recs, _ := st.ListRecords(context.Background())
	for _, r := range recs {
		raw, _ := json.Marshal(r.Doc)
		if strings.Contains(string(raw), token) {
			t.Fatalf("the token is stored in record %s/%s", r.Kind, r.Name)
		}
	}
	if r := chatAs(token); r.StatusCode != 200 || r.Header.Get("x-ratelimit-limit-requests") != "5" {
		t.Fatalf("new key: %d, x-ratelimit-limit-requests %q", r.StatusCode, r.Header.Get("x-ratelimit-limit-requests"))
	}
	if resp, out := call("POST", "/v1/admin/keys/team/create", "sk-ops", ""); resp.StatusCode != 409 {
		t.Errorf("create twice: %d %v", resp.StatusCode, out)
	}

	resp, out = call("POST", "/v1/admin/keys/team/rotate", "sk-ops", "")
	rotated, _ := out["token"].(string)
	if resp.StatusCode != 200 || rotated == "" || rotated == token {
		t.Fatalf("rotate: %d %v", resp.StatusCode, out)
	}
	steps := []struct {
		name   string
		action string
		token  string
		want   int
	}{
		{"old token after rotate", "", token, 401},
		{"new token after rotate", "", rotated, 200},
		{"disabled", "disable", rotated, 401},
		{"enabled again", "enable", rotated, 200},
	}
	for _, s := range steps {
		if s.action != "" {
			if resp, out := call("POST", "/v1/admin/keys/team/"+s.action, "sk-ops", ""); resp.StatusCode != 200 {
				t.Fatalf("%s: %d %v", s.action, resp.StatusCode, out)
			}
		}
		if r := chatAs(s.token); r.StatusCode != s.want {
			t.Errorf("%s: %d, want %d", s.name, r.StatusCode, s.want)
		}
	}
	// Only the admin key may do this.
	if resp, _ := call("POST", "/v1/admin/keys/team/rotate", rotated, ""); resp.StatusCode != 403 {
		t.Errorf("rotate with a caller key: %d, want 403", resp.StatusCode)
	}
	if resp, _ := call("POST", "/v1/admin/keys/nobody/rotate", "sk-ops", ""); resp.StatusCode != 404 {
		t.Errorf("rotate an unknown key: %d, want 404", resp.StatusCode)
	}
}
