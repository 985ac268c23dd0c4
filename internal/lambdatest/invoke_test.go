package lambdatest

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestMakeInvokeFreshClone runs `make invoke` as on a fresh clone: no
// tables, no AWS settings in the environment (DESIGN §9). The script must
// start the emulator, create the tables, load examples/local.yaml with
// the events' key, and the chat event must be answered 200 by a model of
// that file.
func TestMakeInvokeFreshClone(t *testing.T) {
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "SWITCHYARD_") && k != "SWITCHYARD_DYNALITE" && k != "SWITCHYARD_RIE" ||
			strings.HasPrefix(k, "AWS_") {
			continue
		}
		env = append(env, kv)
	}
	args := []string{"-s", "invoke", "EVENT=events/chat.json"}
	for _, v := range []string{"DYNALITE_PORT", "RIE_PORT", "RIE_API_PORT"} {
		args = append(args, v+"="+strconv.Itoa(freeTCPPort(t)))
	}
	if bin := os.Getenv("SWITCHYARD_DYNALITE"); bin != "" {
		args = append(args, "DYNALITE="+bin)
	}
	if bin := os.Getenv("SWITCHYARD_RIE"); bin != "" {
		args = append(args, "RIE="+bin)
	}
	cmd := exec.Command("make", args...)
	cmd.Dir, cmd.Env = repoRoot(t), env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make invoke: %v\n%s", err, out)
	}
	for _, want := range []string{`"statusCode":200`, `"x-switchyard-router":"default"`, "--- body ---", `"object":"chat.completion"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("make invoke output lacks %s:\n%s", want, out)
		}
	}
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
