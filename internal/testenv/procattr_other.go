//go:build !linux

package testenv

import "os/exec"

// dieWithParent is Linux-only; elsewhere t.Cleanup alone stops the emulator.
func dieWithParent(*exec.Cmd) {}
