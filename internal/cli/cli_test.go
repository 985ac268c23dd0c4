package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run calls Main as the binary would and returns its exit code and output.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func TestValidateOK(t *testing.T) {
	for _, file := range []string{
		"testdata/valid.yaml",
		"testdata/valid.json",
		// The example `make run` serves: this fails if it ever stops validating.
		filepath.Join("..", "..", "examples", "local.yaml"),
	} {
		t.Run(file, func(t *testing.T) {
			code, stdout, stderr := run(t, "validate", file)
			if code != 0 || stdout != "ok\n" || stderr != "" {
				t.Errorf("validate %s = %d, stdout %q, stderr %q; want 0, \"ok\\n\", nothing", file, code, stdout, stderr)
			}
		})
	}
}

// TestValidateErrors checks that every problem is printed to stderr, one
// "path: message" line each, in a stable order, with exit code 1.
func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		// want holds, per stderr line, its start (the path) and a part of
		// the message.
		want [][2]string
	}{
		{"document errors", "testdata/invalid.yaml", [][2]string{
			{"providers.demo.fail_rate: ", "must be between 0 and 1"},
			{"providers.openai.api_key: ", "literal keys are not accepted"},
			{"routers.ab.targets[1].model: ", `unknown provider "nowhere"`},
			{"routers.ab.targets[2].router: ", `unknown router "missing"`},
			{"routers.ab.attempt_timeout: ", "must not exceed timeout"},
			{"budgets[0].limit_usd: ", "must be > 0"},
		}},
		{"decode errors", "testdata/decode.yaml", [][2]string{
			{"providers.demo.latency: ", `invalid duration "fast"`},
			{"routers.r.retries: ", "unknown field"},
		}},
		// A strategy rejects the router when it is compiled (internal/routing):
		// the line still names the router and the field.
		{"percentage with every weight 0", "testdata/strategy.yaml", [][2]string{
			{"routers.ab", "targets: every target has weight 0 (drained); at least one needs a weight > 0"},
		}},
		{"strategy errors in several routers", "testdata/strategies.yaml", [][2]string{
			{"routers.fastest", `unknown strategy "quickest"`},
			{"routers.opt", `"vibes"`},
			{"routers.rr", `sticky: does not apply to strategy "round_robin"`},
		}},
		{"empty file", "testdata/empty.yaml", [][2]string{{"config is empty", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, "validate", tt.file)
			if code != 1 {
				t.Errorf("exit code = %d, want 1", code)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing (errors go to stderr)", stdout)
			}
			got := lines(stderr)
			ok := len(got) == len(tt.want)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.HasPrefix(got[i], tt.want[i][0]) && strings.Contains(got[i], tt.want[i][1])
			}
			if !ok {
				t.Errorf("stderr:\n%s\nwant %d lines starting with, and containing:\n%q", stderr, len(tt.want), tt.want)
			}
		})
	}
}

func TestValidateUnreadable(t *testing.T) {
	dir := t.TempDir()
	unreadable := filepath.Join(dir, "secret.yaml")
	if err := os.WriteFile(unreadable, []byte("providers: {}\n"), 0o000); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file, want string
	}{
		{"missing file", filepath.Join(dir, "nope.yaml"), "no such file or directory"},
		{"a directory", dir, "is a directory"},
	}
	// Root reads any file regardless of its mode.
	if os.Geteuid() != 0 {
		tests = append(tests, struct{ name, file, want string }{"no permission", unreadable, "permission denied"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, "validate", tt.file)
			if code != 1 || stdout != "" || !strings.Contains(stderr, tt.want) {
				t.Errorf("validate %s = %d, stdout %q, stderr %q; want 1 and an error containing %q", tt.file, code, stdout, stderr, tt.want)
			}
		})
	}
}

func TestValidateUsage(t *testing.T) {
	for _, args := range [][]string{
		{"validate"},
		{"validate", "a.yaml", "b.yaml"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, stdout, stderr := run(t, args...)
			if code != 2 || stdout != "" || stderr != "usage: gateway validate FILE\n" {
				t.Errorf("%v = %d, stdout %q, stderr %q; want 2 and the validate usage on stderr", args, code, stdout, stderr)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	// "-h" and "--help" are not listed: Main turns any first argument that
	// starts with '-' into a serve flag, so they print serve's flag usage
	// and exit 1.
	for _, arg := range []string{"help"} {
		t.Run(arg, func(t *testing.T) {
			code, stdout, stderr := run(t, arg)
			if code != 0 || stderr != "" {
				t.Errorf("gateway %s = %d, stderr %q; want 0 and nothing on stderr", arg, code, stderr)
			}
			for _, want := range []string{"usage: gateway [command]", "serve [--config FILE] [--addr HOST:PORT]", "validate FILE", "config push FILE", "tables create", "SWITCHYARD_CONFIG"} {
				if !strings.Contains(stdout, want) {
					t.Errorf("help output lacks %q:\n%s", want, stdout)
				}
			}
		})
	}
}

func TestUnknownCommand(t *testing.T) {
	code, stdout, stderr := run(t, "frobnicate", "x")
	if code != 2 || stdout != "" {
		t.Errorf("gateway frobnicate = %d, stdout %q; want 2 and nothing on stdout", code, stdout)
	}
	if !strings.HasPrefix(stderr, `gateway: unknown command "frobnicate"`) || !strings.Contains(stderr, "usage: gateway [command]") {
		t.Errorf("stderr = %q, want the unknown command named, then the usage", stderr)
	}
}
