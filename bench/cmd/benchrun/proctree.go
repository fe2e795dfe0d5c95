package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// procTicks maps a pid to its utime+stime in clock ticks.
type procTicks map[int]uint64

// readTree reads the CPU time of every live process under the given
// roots, roots included: a gateway's Lambda function processes are its
// children and do the system's work too, so they count as the system's.
func readTree(roots []int) (procTicks, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	parent := map[int]int{}
	ticks := procTicks{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue // not a process directory
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // exited meanwhile
		}
		ppid, t, err := parseStatLine(string(b))
		if err != nil {
			return nil, fmt.Errorf("read cpu time of %d: %w", pid, err)
		}
		parent[pid] = ppid
		ticks[pid] = t
	}
	in := map[int]bool{}
	for _, r := range roots {
		in[r] = true
	}
	var under func(pid int, depth int) bool
	under = func(pid, depth int) bool {
		if in[pid] {
			return true
		}
		p, ok := parent[pid]
		if !ok || p <= 1 || depth > 64 {
			return false
		}
		return under(p, depth+1)
	}
	tree := procTicks{}
	for pid, t := range ticks {
		if under(pid, 0) {
			tree[pid] = t
		}
	}
	return tree, nil
}

// since returns the ticks spent between a and b by the processes in b; a
// process started after a counts from zero.
func (b procTicks) since(a procTicks) uint64 {
	var n uint64
	for pid, t := range b {
		if t0, ok := a[pid]; ok && t0 <= t {
			n += t - t0
		} else if !ok {
			n += t
		}
	}
	return n
}

// parseStatLine returns the parent pid and utime+stime of a
// /proc/<pid>/stat text.
func parseStatLine(text string) (ppid int, ticks uint64, err error) {
	i := strings.LastIndexByte(text, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("parse stat %.40q: no ')'", text)
	}
	f := strings.Fields(text[i+1:])
	if len(f) < 2 {
		return 0, 0, fmt.Errorf("parse stat %.40q: too few fields", text)
	}
	if ppid, err = strconv.Atoi(f[1]); err != nil {
		return 0, 0, fmt.Errorf("parse stat ppid: %w", err)
	}
	ticks, err = parsePidStat(text)
	return ppid, ticks, err
}
