package configsource_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	"github.com/switchyard-llm/switchyard/internal/store"
)

const adminYAML = `
providers:
  m: {type: mock, reply: "one"}
routers:
  r: {strategy: fallback, targets: [{model: m/a}]}
  outer: {strategy: fallback, targets: [{router: r}]}
budgets:
  - {name: daily, scope: "router:r", limit_usd: 5, period: day}
`

// TestAdminRefusesInvalidConfig: the admin API validates the whole config
// with the change applied; a refused change is ErrInvalid (HTTP 400) and
// stores nothing, an accepted one is stored and served at once.
func TestAdminRefusesInvalidConfig(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st, _ := b.open(t)
			g := openGateway(t, st, adminYAML, time.Hour)
			ctx := context.Background()
			refused := []struct {
				name  string
				apply func() error
				why   string
			}{
				{"unknown strategy", func() error {
					return g.src.Put(ctx, store.KindRouter, "r", map[string]any{"strategy": "fastest", "targets": []any{map[string]any{"model": "m/a"}}})
				}, `routers.r: unknown strategy "fastest"`},
				{"unknown provider", func() error {
					return g.src.Put(ctx, store.KindRouter, "new", map[string]any{"strategy": "fallback", "targets": []any{map[string]any{"model": "nope/a"}}})
				}, "nope"},
				{"cycle", func() error {
					return g.src.Put(ctx, store.KindRouter, "r", map[string]any{"strategy": "fallback", "targets": []any{map[string]any{"router": "outer"}}})
				}, "cycle"},
				{"not an object", func() error { return g.src.Put(ctx, store.KindRouter, "r", []any{"x"}) }, "JSON object"},
				{"bad budget", func() error {
					return g.src.Put(ctx, store.KindBudget, "daily", map[string]any{"scope": "router:r", "limit_usd": 5, "period": "fortnight"})
				}, "period"},
				{"delete a router another uses", func() error { return g.src.Delete(ctx, store.KindRouter, "r") }, "r"},
			}
			for _, c := range refused {
				t.Run(c.name, func(t *testing.T) {
					before := records(t, st)
					err := c.apply()
					if !errors.Is(err, httpapi.ErrInvalid) {
						t.Fatalf("err = %v, want httpapi.ErrInvalid", err)
					}
					if !strings.Contains(err.Error(), c.why) {
						t.Errorf("error %q does not say what is wrong (%q)", err, c.why)
					}
					if after := records(t, st); after != before {
						t.Errorf("a refused change was stored:\nbefore:\n%safter:\n%s", before, after)
					}
				})
			}
			t.Run("valid change is stored and served", func(t *testing.T) {
				eng := g.src.Engine()
				if err := g.src.Put(ctx, store.KindProvider, "m", map[string]any{"type": "mock", "reply": "two"}); err != nil {
					t.Fatalf("Put: %v", err)
				}
				if g.src.Engine() == eng {
					t.Error("the engine was not rebuilt")
				}
				if got := g.reply(t, "router/r"); got != "two" {
					t.Errorf("reply %q, want %q", got, "two")
				}
			})
			t.Run("delete of a missing record", func(t *testing.T) {
				if err := g.src.Delete(ctx, store.KindRouter, "ghost"); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("err = %v, want store.ErrNotFound", err)
				}
			})
		})
	}
}

// TestPushReplacesTheStoredConfig: push validates first (an invalid
// document writes nothing) and leaves the store holding exactly the
// document: records it no longer has are deleted.
func TestPushReplacesTheStoredConfig(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st, _ := b.open(t)
			ctx := context.Background()
			if _, err := configsource.Push(ctx, st, doc(t, adminYAML)); err != nil {
				t.Fatalf("first push: %v", err)
			}
			steps := []struct {
				name    string
				yml     string
				wantErr string
				want    []string // kind/name of the records after the push
			}{
				{"invalid document writes nothing", `
providers:
  m: {type: mock}
routers:
  r: {strategy: fallback, targets: [{model: m/a, weight: -1}]}
`, "routers.r.targets[0].weight",
					[]string{"budget/daily", "provider/m", "router/outer", "router/r"}},
				{"records no longer in the document are deleted", `
providers:
  m: {type: mock}
  n: {type: mock}
routers:
  r: {strategy: fallback, targets: [{model: n/b}]}
`, "", []string{"provider/m", "provider/n", "router/r"}},
			}
			for _, s := range steps {
				t.Run(s.name, func(t *testing.T) {
					before := records(t, st)
					_, err := configsource.Push(ctx, st, doc(t, s.yml))
					switch {
					case s.wantErr == "" && err != nil:
						t.Fatalf("Push: %v", err)
					case s.wantErr != "" && (err == nil || !strings.Contains(err.Error(), s.wantErr)):
						t.Fatalf("Push error = %v, want one naming %s", err, s.wantErr)
					case s.wantErr != "":
						if after := records(t, st); after != before {
							t.Fatalf("a refused push changed the store:\nbefore:\n%safter:\n%s", before, after)
						}
					}
					recs, err := st.ListRecords(ctx)
					if err != nil {
						t.Fatal(err)
					}
					var got []string
					for _, r := range recs {
						got = append(got, r.Kind+"/"+r.Name)
					}
					if strings.Join(got, " ") != strings.Join(s.want, " ") {
						t.Errorf("records %v, want %v", got, s.want)
					}
				})
			}
		})
	}
}

// TestValidateReportsEachErrorOnce: a broken router nested in another is
// reported once, not again for every router that uses it.
func TestValidateReportsEachErrorOnce(t *testing.T) {
	_, err := configsource.Validate(doc(t, `
providers:
  m: {type: mock}
routers:
  r: {strategy: fastest, targets: [{model: m/a}]}
  outer: {strategy: fallback, targets: [{router: r}]}
  outer2: {strategy: fallback, targets: [{router: outer}]}
`))
	if err == nil {
		t.Fatal("Validate accepted an unknown strategy")
	}
	if n := strings.Count(err.Error(), "unknown strategy"); n != 1 {
		t.Errorf("the error is reported %d times, want once:\n%v", n, err)
	}
}
