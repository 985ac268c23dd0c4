package lambdatest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/gcfloor"
)

// TestGatewayReadsTheHeapFloor: the binary's main reads the collector's
// heap floor (internal/gcfloor) before anything else, as a Lambda bootstrap
// and as the CLI: a value that is not a whole number of MiB stops it with
// the variable named, and 0 (the floor off) runs as before.
func TestGatewayReadsTheHeapFloor(t *testing.T) {
	bin := bootstrap(t, "./functions/gateway")
	cfg := filepath.Join(repoRoot(t), "examples", "local.yaml")
	run := func(floor string) (string, error) {
		cmd := exec.Command(bin, "validate", cfg)
		cmd.Env = append(os.Environ(), gcfloor.EnvFloor+"="+floor)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("10MB")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(out, gcfloor.EnvFloor) {
		t.Fatalf("a bad floor: %v, %q; want exit status 2 naming %s", err, out, gcfloor.EnvFloor)
	}
	for _, ok := range []string{"0", "16"} {
		if out, err := run(ok); err != nil {
			t.Fatalf("floor %s: %v\n%s", ok, err, out)
		}
	}
}
