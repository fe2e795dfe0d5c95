package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// cpuSnap is a reading of the machine's CPU time and of the part used by
// the harness and its servers, in clock ticks, from /proc (Linux only).
type cpuSnap struct {
	total, idle uint64    // all CPUs, since boot
	ours        procTicks // the harness, its servers and their descendants
}

// clockTicks is USER_HZ, the unit of /proc CPU times: 100 on every Linux
// architecture Go supports.
const clockTicks = 100

// readCPU reads /proc/stat and the CPU time of the given pids and of
// every process under them.
func readCPU(pids []int) (cpuSnap, error) {
	var s cpuSnap
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return s, fmt.Errorf("read cpu time: %w", err)
	}
	if s.total, s.idle, err = parseProcStat(string(b)); err != nil {
		return s, err
	}
	if s.ours, err = readTree(pids); err != nil {
		return s, err
	}
	return s, nil
}

// otherCPU returns the share (0..1) of the machine's CPU capacity between
// a and b that went to processes other than ours: the noise from whatever
// else runs on the machine.
func otherCPU(a, b cpuSnap) float64 {
	total := float64(b.total - a.total)
	if total <= 0 {
		return math.NaN()
	}
	busy := total - float64(b.idle-a.idle)
	other := busy - float64(b.ours.since(a.ours))
	return max(other, 0) / total
}

// parseProcStat returns the total and idle (idle+iowait) ticks of the
// aggregate "cpu" line of /proc/stat. guest time is already in user.
func parseProcStat(text string) (total, idle uint64, err error) {
	line, _, _ := strings.Cut(text, "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0, fmt.Errorf("parse /proc/stat: unexpected first line %q", line)
	}
	for i, v := range f[1:min(len(f), 9)] { // user nice system idle iowait irq softirq steal
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("parse /proc/stat: %w", err)
		}
		total += n
		if i == 3 || i == 4 {
			idle += n
		}
	}
	return total, idle, nil
}

// parsePidStat returns utime+stime from a /proc/<pid>/stat text. The
// command name may contain spaces and parentheses, so fields are counted
// from the last ')'.
func parsePidStat(text string) (uint64, error) {
	i := strings.LastIndexByte(text, ')')
	if i < 0 {
		return 0, fmt.Errorf("parse stat %.40q: no ')'", text)
	}
	f := strings.Fields(text[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("parse stat %.40q: too few fields", text)
	}
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	u, err := strconv.ParseUint(f[11], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse stat utime: %w", err)
	}
	s, err := strconv.ParseUint(f[12], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse stat stime: %w", err)
	}
	return u + s, nil
}
