package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// stubAdmin answers every change with err.
type stubAdmin struct{ err error }

func (s stubAdmin) Get(context.Context, string, string) (any, error)     { return nil, s.err }
func (s stubAdmin) List(context.Context, string) (map[string]any, error) { return nil, s.err }
func (s stubAdmin) Put(context.Context, string, string, any) error       { return s.err }
func (s stubAdmin) Delete(context.Context, string, string) error         { return s.err }

// TestAdminErrorStatuses: each outcome of a config change has its own
// status and code, so a script can tell "fix your record" (400) from
// "retry" (409, a concurrent change) from "the store is down" (503).
func TestAdminErrorStatuses(t *testing.T) {
	cfg, err := config.Parse([]byte("providers: {m: {type: mock}}\nadmin_keys:\n  - {name: ops, sha256: \"" + sha("sk-ops") + "\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := configsource.FromConfig(cfg, engine.Deps{Store: store.NewMemory(), Logger: slog.New(slog.DiscardHandler), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Engine().Close() })
	cases := []struct {
		err        error
		wantStatus int
		wantCode   string
	}{
		{nil, 200, ""},
		{fmt.Errorf("%w: routers.b.targets[0].router: unknown router", httpapi.ErrInvalid), 400, "invalid_config"},
		{fmt.Errorf("%w: unknown router", httpapi.ErrConflict), 409, "config_conflict"},
		{errors.New("dynamo: connection refused"), 503, "store_error"},
	}
	for _, c := range cases {
		h := httpapi.New(src, httpapi.Options{Logger: slog.New(slog.DiscardHandler), Admin: stubAdmin{c.err}})
		for _, method := range []string{"PUT", "DELETE"} {
			t.Run(fmt.Sprintf("%s/%d", method, c.wantStatus), func(t *testing.T) {
				req := httptest.NewRequest(method, "/v1/admin/routers/b", strings.NewReader(`{"strategy":"fallback","targets":["m/x"]}`))
				req.Header.Set("Authorization", "Bearer sk-ops")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != c.wantStatus {
					t.Fatalf("status %d, want %d: %s", rec.Code, c.wantStatus, rec.Body)
				}
				if c.wantCode != "" {
					if e := decodeError(t, rec.Body.Bytes()); e.Error.Code != c.wantCode {
						t.Errorf("code %q, want %q", e.Error.Code, c.wantCode)
					}
				}
			})
		}
	}
}
