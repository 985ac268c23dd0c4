//go:build !linux

package main

import (
	"os"
	"os/exec"
	"time"
)

func setParentDeathSignal(*exec.Cmd) {}

func terminate(p *os.Process) error { return p.Signal(os.Interrupt) }

// Process CPU and memory come from /proc, which only Linux has.
func processCPU(int) (time.Duration, bool) { return 0, false }

func processMemory(int) (peak, now int64) { return 0, 0 }

func hostSteal() (time.Duration, bool) { return 0, false }

// sleeper is time.Sleep elsewhere.
type sleeper struct{}

func newSleeper() *sleeper { return &sleeper{} }

func (*sleeper) until(t time.Time) { time.Sleep(time.Until(t)) }

func (*sleeper) close() {}
