package configsource_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/engine"
	"github.com/switchyard-llm/switchyard/internal/httpapi"
	_ "github.com/switchyard-llm/switchyard/internal/provider/bedrock"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// noAWSEnv leaves the AWS SDK no region and no profile to find: an
// operator's laptop without AWS_REGION, or a Lambda role-less test.
func noAWSEnv(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "",
		"AWS_CONFIG_FILE": empty, "AWS_SHARED_CREDENTIALS_FILE": empty,
	} {
		t.Setenv(k, v)
	}
}

const bedrockRouter = `
routers:
  r: {strategy: fallback, targets: [bx/anthropic.claude-3-haiku-20240307-v1:0]}
`

// TestValidateMatchesEngine: what configsource.Validate (validate, config
// push, the admin API) accepts, engine.New builds, and what engine.New
// rejects — a provider its constructor refuses — Validate rejects too,
// with the provider's path, instead of being stored and failing every
// later engine build.
func TestValidateMatchesEngine(t *testing.T) {
	tests := []struct {
		name string
		yml  string
		env  map[string]string
		// want is the error's path and a part of its message; empty: valid.
		want []string
	}{
		{"bedrock endpoint_url not a url", "providers:\n  bx: {type: bedrock, region: us-east-1, endpoint_url: \"not a url\"}\n" + bedrockRouter,
			nil, []string{"providers.bx.endpoint_url", `must be an http(s) URL, got "not a url"`}},
		{"bedrock without a region anywhere", "providers:\n  bx: {type: bedrock}\n" + bedrockRouter,
			nil, []string{"providers.bx", "no region"}},
		{"bedrock with an unknown AWS profile", "providers:\n  bx: {type: bedrock, region: us-east-1}\n" + bedrockRouter,
			map[string]string{"AWS_PROFILE": "no-such-profile"}, []string{"providers.bx", "no-such-profile"}},
		{"bedrock region from the config", "providers:\n  bx: {type: bedrock, region: eu-west-1}\n" + bedrockRouter, nil, nil},
		{"bedrock region from AWS_REGION", "providers:\n  bx: {type: bedrock}\n" + bedrockRouter,
			map[string]string{"AWS_REGION": "us-west-2"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noAWSEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			d := doc(t, tt.yml)
			_, verr := configsource.Validate(d)
			var engErr error
			if cfg, err := config.FromDocument(d); err != nil {
				engErr = err
			} else if eng, err := engine.New(cfg, engine.Deps{Seed: 1}); err != nil {
				engErr = err
			} else {
				eng.Close()
			}
			if (verr == nil) != (engErr == nil) {
				t.Fatalf("Validate: %v\nengine build: %v\nwant both to accept or both to reject", verr, engErr)
			}
			if len(tt.want) == 0 {
				if verr != nil {
					t.Fatalf("Validate: %v, want ok", verr)
				}
				return
			}
			var errs config.Errors
			if !errors.As(verr, &errs) || len(errs) != 1 || errs[0].Path != tt.want[0] || !strings.Contains(errs[0].Msg, tt.want[1]) {
				t.Fatalf("Validate: %v, want one error %s: ...%s...", verr, tt.want[0], tt.want[1])
			}
		})
	}
}

// TestValidateReportsProviderAndRouterErrors: provider build errors and
// strategy errors come together, providers first, so one run lists all.
func TestValidateReportsProviderAndRouterErrors(t *testing.T) {
	noAWSEnv(t)
	_, err := configsource.Validate(doc(t, `
providers:
  bx: {type: bedrock}
routers:
  r: {strategy: fastest, targets: [bx/m]}
`))
	var errs config.Errors
	if !errors.As(err, &errs) || len(errs) != 2 || errs[0].Path != "providers.bx" || !strings.HasPrefix(errs[1].Path, "routers.r") {
		t.Fatalf("Validate: %v, want providers.bx then routers.r", err)
	}
}

// TestPushAndAdminRefuseUnbuildableProviders: config push and the admin
// API store nothing that the engine could not build.
func TestPushAndAdminRefuseUnbuildableProviders(t *testing.T) {
	noAWSEnv(t)
	ctx := context.Background()
	st := store.NewMemory()
	if _, err := configsource.Push(ctx, st, doc(t, "providers:\n  bx: {type: bedrock}\n"+bedrockRouter)); err == nil ||
		!strings.Contains(err.Error(), "providers.bx: ") {
		t.Fatalf("Push = %v, want the providers.bx error", err)
	}
	if recs, _ := st.ListRecords(ctx); len(recs) != 0 {
		t.Fatalf("Push stored %d records of an invalid config", len(recs))
	}

	g := openGateway(t, store.NewMemory(), adminYAML, time.Hour)
	before := records(t, g.st)
	err := g.src.Put(ctx, store.KindProvider, "bx", map[string]any{"type": "bedrock"})
	if !errors.Is(err, httpapi.ErrInvalid) || !strings.Contains(err.Error(), "no region") {
		t.Fatalf("admin Put = %v, want ErrInvalid naming the missing region", err)
	}
	if after := records(t, g.st); after != before {
		t.Errorf("a refused admin Put changed the store:\nbefore %s\nafter  %s", before, after)
	}
}

// TestWarnings: a budget covering a router target with no price would let
// that target spend without limit; validate names each such target, with
// the budgets covering it.
func TestWarnings(t *testing.T) {
	const provs = `
providers:
  m: {type: mock}
  o: {type: openai, api_key: env:K_API_KEY}
`
	const key = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	tests := []struct {
		name string
		yml  string
		want []string // per warning: its start (path and model) and a part
	}{
		{"no budgets", provs + "routers: {r: {strategy: fallback, targets: [m/free]}}\n", nil},
		{"global budget over an unpriced target", provs + `
routers: {r: {strategy: fallback, targets: [o/gpt-4o-mini, m/free]}}
budgets: [{name: monthly, scope: global, limit_usd: 5, period: month}]
`, []string{`routers.r.targets[1]: m/free has no known price, so its requests count as $0 against budget monthly, which cannot stop them`}},
		{"priced by a models override", provs + `
models: {m/free: {input_per_mtok: 0.1, output_per_mtok: 0.2}}
routers: {r: {strategy: fallback, targets: [m/free]}}
budgets: [{name: monthly, scope: global, limit_usd: 5, period: month}]
`, nil},
		{"an override with one price is not a price", provs + `
models: {m/free: {input_per_mtok: 0.1}}
routers: {r: {strategy: fallback, targets: [m/free]}}
budgets: [{name: b, scope: user, limit_usd: 5, period: day}]
`, []string{`routers.r.targets[0]: m/free has no known price`}},
		{"an unknown openai model", provs + `
routers: {r: {strategy: fallback, targets: [o/my-finetune-xyz]}}
budgets: [{name: b, scope: global, limit_usd: 5, period: day}]
`, []string{`routers.r.targets[0]: o/my-finetune-xyz has no known price`}},
		{"router budget: its router, nested and inline routers, not others", provs + `
routers:
  r: {strategy: fallback, targets: [{router: inner}, {strategy: round_robin, targets: [m/b]}]}
  inner: {strategy: conditional, routes: [{name: x, when: {user: {$eq: a}}, targets: [m/c]}], default: m/d}
  other: {strategy: fallback, targets: [m/e]}
budgets: [{name: rb, scope: "router:r", limit_usd: 5, period: day}]
`, []string{
			`routers.inner.default[0]: m/d has no known price, so its requests count as $0 against budget rb`,
			`routers.inner.routes[0].targets[0]: m/c has no known price, so its requests count as $0 against budget rb`,
			`routers.r.targets[1].targets[0]: m/b has no known price, so its requests count as $0 against budget rb`,
		}},
		{"key budget: the key's routers and the reroute router", provs + `
routers:
  r: {strategy: fallback, targets: [m/a]}
  cheap: {strategy: fallback, targets: [m/c]}
  other: {strategy: fallback, targets: [m/e]}
keys: [{name: team, sha256: ` + key + `, routers: [r]}]
budgets: [{name: kb, scope: "key:team", limit_usd: 5, period: day, on_exceed: "reroute:cheap"}]
`, []string{
			`routers.cheap.targets[0]: m/c has no known price, so its requests count as $0 against budget kb`,
			`routers.r.targets[0]: m/a has no known price, so its requests count as $0 against budget kb`,
		}},
		{"key without a router list covers every router", provs + `
routers: {r: {strategy: fallback, targets: [m/a]}}
keys: [{name: team, sha256: ` + key + `}]
budgets: [{name: kb, scope: "key:team", limit_usd: 5, period: day}]
`, []string{`routers.r.targets[0]: m/a has no known price, so its requests count as $0 against budget kb`}},
		{"one line per target, naming every budget", provs + `
routers: {r: {strategy: fallback, targets: [m/a]}}
budgets:
  - {name: g, scope: global, limit_usd: 5, period: day}
  - {name: rb, scope: "router:r", limit_usd: 5, period: day}
`, []string{`routers.r.targets[0]: m/a has no known price, so its requests count as $0 against budgets g, rb,`}},
		{"direct-call budget covers no router", provs + `
routers: {r: {strategy: fallback, targets: [m/a]}}
budgets: [{name: d, scope: "router:direct", limit_usd: 5, period: day}]
`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := configsource.Validate(doc(t, tt.yml))
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			got := configsource.Warnings(cfg)
			ok := len(got) == len(tt.want)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.HasPrefix(got[i], tt.want[i])
			}
			if !ok {
				t.Errorf("warnings:\n%s\nwant lines starting:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
