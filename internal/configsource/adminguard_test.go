package configsource_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/store"
)

func hexSHA(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// guardYAML has one key and one admin key.
var guardYAML = `
providers:
  m: {type: mock, reply: "one"}
routers:
  r: {strategy: fallback, targets: [{model: m/a}]}
keys:
  - {name: team-a, sha256: "` + hexSHA("sk-team-a") + `"}
admin_keys:
  - {name: ops, sha256: "` + hexSHA("sk-ops") + `"}
`

// adminCall sends one admin request with the admin key and returns the
// status and the error code (empty on success).
func adminCall(t *testing.T, h http.Handler, method, path, body string) (int, string, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer sk-ops")
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &e)
	return rec.Code, e.Error.Code, e.Error.Message
}

// TestAdminRefusesDeletingTheLastKey: DELETE of the last key or the last
// admin key is 409 (last_key, last_admin_key) with a message saying why
// and what to do, and the key stays, still accepted; once there is
// another, either can go.
func TestAdminRefusesDeletingTheLastKey(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st, _ := b.open(t)
			g := openGateway(t, st, guardYAML, time.Hour)
			h := httpapi.New(g.src, httpapi.Options{Logger: slog.New(slog.DiscardHandler), Admin: g.src, Store: st})
			steps := []struct {
				name, method, path, body string
				status                   int
				code, says               string
			}{
				{"last key", "DELETE", "/v1/admin/keys/team-a", "", 409, "last_key", "last key"},
				{"last admin key", "DELETE", "/v1/admin/admin_keys/ops", "", 409, "last_admin_key", "last admin key"},
				{"a second key", "PUT", "/v1/admin/keys/team-b", `{"sha256":"` + hexSHA("sk-team-b") + `"}`, 200, "", ""},
				{"a second admin key", "PUT", "/v1/admin/admin_keys/ops2", `{"sha256":"` + hexSHA("sk-ops2") + `"}`, 200, "", ""},
				{"then the first key may go", "DELETE", "/v1/admin/keys/team-a", "", 200, "", ""},
				{"and the second is now the last", "DELETE", "/v1/admin/keys/team-b", "", 409, "last_key", "team-b"},
				{"the first admin key may go", "DELETE", "/v1/admin/admin_keys/ops2", "", 200, "", ""},
			}
			for _, s := range steps {
				t.Run(s.name, func(t *testing.T) {
					status, code, msg := adminCall(t, h, s.method, s.path, s.body)
					if status != s.status || code != s.code || !strings.Contains(msg, s.says) {
						t.Fatalf("%s %s: %d %q %q, want %d %q saying %q", s.method, s.path, status, code, msg, s.status, s.code, s.says)
					}
				})
			}
			recs := records(t, st)
			for _, want := range []string{"key/team-b@", "admin_key/ops@"} {
				if !strings.Contains(recs, want) {
					t.Errorf("%s was deleted; records:\n%s", want, recs)
				}
			}
			// The refused key still works: the gateway did not turn keyless.
			req := httptest.NewRequest("GET", "/v1/models", nil)
			req.Header.Set("Authorization", "Bearer sk-team-b")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				t.Errorf("the remaining key: %d %s", rec.Code, rec.Body)
			}
			req = httptest.NewRequest("GET", "/v1/models", nil)
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 401 {
				t.Errorf("a caller without a key: %d, want 401", rec.Code)
			}
		})
	}
}

// TestAdminRefusesHostileNames: names with a NUL byte, 10,000 characters
// or invalid UTF-8 are refused (400 invalid_config) on every kind and
// every method, before anything is stored; the message names the pattern
// and does not repeat the name whole.
func TestAdminRefusesHostileNames(t *testing.T) {
	st := store.NewMemory()
	g := openGateway(t, st, guardYAML, time.Hour)
	h := httpapi.New(g.src, httpapi.Options{Logger: slog.New(slog.DiscardHandler), Admin: g.src, Store: st})
	before := records(t, st)
	names := []struct{ name, segment string }{
		{"NUL byte", "a%00b"},
		{"10,000 characters", strings.Repeat("a", 10_000)},
		{"invalid UTF-8", "caf%E9"},
	}
	kinds := []struct{ kind, prefix, body string }{
		{"routers", "", `{"strategy":"fallback","targets":[{"model":"m/a"}]}`},
		{"providers", "", `{"type":"mock"}`},
		{"budgets", "", `{"scope":"global","limit_usd":1,"period":"day"}`},
		{"keys", "", `{"sha256":"` + hexSHA("x") + `"}`},
		{"admin_keys", "", `{"sha256":"` + hexSHA("y") + `"}`},
		{"models", "m%2F", `{"input_per_mtok":1}`},
	}
	for _, k := range kinds {
		for _, n := range names {
			for _, method := range []string{"PUT", "GET", "DELETE"} {
				t.Run(k.kind+"/"+n.name+"/"+method, func(t *testing.T) {
					status, code, msg := adminCall(t, h, method, "/v1/admin/"+k.kind+"/"+k.prefix+n.segment, k.body)
					if status != 400 || code != "invalid_config" {
						t.Fatalf("%d %q %q, want 400 invalid_config", status, code, msg)
					}
					if !strings.Contains(msg, "does not match") || len(msg) > 600 {
						t.Errorf("message (%d bytes) should name the pattern, not repeat the name: %.300q", len(msg), msg)
					}
				})
			}
		}
	}
	if after := records(t, st); after != before {
		t.Errorf("a refused name was stored:\nbefore:\n%safter:\n%s", before, after)
	}
}
