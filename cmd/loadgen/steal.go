package main

import (
	"bytes"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of /proc/<pid>/stat and /proc/stat
// times: 100 on every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// parseSteal reads the steal time from /proc/stat's first line ("cpu
// user nice system idle iowait irq softirq steal ..."): the CPU time the
// hypervisor gave to other guests while this one's were runnable, summed
// over CPUs. On a shared virtual machine it is noise no interleaving
// cancels: a burst lands on whichever target is being measured.
func parseSteal(stat []byte) (time.Duration, bool) {
	line, _, _ := bytes.Cut(stat, []byte{'\n'})
	f := strings.Fields(string(line))
	if len(f) < 9 || f[0] != "cpu" {
		return 0, false
	}
	ticks, err := strconv.ParseInt(f[8], 10, 64)
	if err != nil || ticks < 0 {
		return 0, false
	}
	return time.Duration(ticks) * clockTick, true
}
