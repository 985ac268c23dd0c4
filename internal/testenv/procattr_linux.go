package testenv

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the emulator if the test binary dies
// without running its cleanups (a -timeout panic, a SIGKILL), so no
// orphaned node process keeps running.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
