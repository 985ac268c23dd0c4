package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateWarnings: validate prints warnings to stderr, one
// "warning: path: ..." line each, and still prints "ok" and exits 0: the
// config works as written. A budget over a model with no price is the
// warning today (that model's requests count as $0 against the budget).
func TestValidateWarnings(t *testing.T) {
	tests := []struct {
		name string
		yml  string
		want []string // per stderr line, its start
	}{
		{"budget over an unpriced model", `
providers: {m: {type: mock}}
routers: {r: {strategy: fallback, targets: [m/free, m/priced]}}
models: {m/priced: {input_per_mtok: 1, output_per_mtok: 2}}
budgets: [{name: monthly, scope: global, limit_usd: 50, period: month}]
`, []string{`warning: routers.r.targets[0]: m/free has no known price, so its requests count as $0 against budget monthly`}},
		{"unpriced model without a budget", `
providers: {m: {type: mock}}
routers: {r: {strategy: fallback, targets: [m/free]}}
`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(file, []byte(tt.yml), 0o600); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := run(t, "validate", file)
			got := lines(stderr)
			ok := code == 0 && stdout == "ok\n" && len(got) == len(tt.want)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.HasPrefix(got[i], tt.want[i])
			}
			if !ok {
				t.Errorf("validate = %d, stdout %q, stderr:\n%s\nwant 0, \"ok\", and stderr lines starting:\n%s", code, stdout, stderr, strings.Join(tt.want, "\n"))
			}
		})
	}
}
