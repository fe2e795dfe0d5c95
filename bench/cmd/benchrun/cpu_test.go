package main

import (
	"math"
	"os"
	"os/exec"
	"testing"
)

func TestParseProcStat(t *testing.T) {
	total, idle, err := parseProcStat("cpu  100 5 50 800 20 3 2 0 0 0\ncpu0 50 2 25 400 10 1 1 0 0 0\n")
	if err != nil {
		t.Fatal(err)
	}
	if total != 980 || idle != 820 {
		t.Errorf("total, idle = %d, %d; want 980, 820", total, idle)
	}
	if _, _, err := parseProcStat("intr 1 2 3\n"); err == nil {
		t.Error("accepted a text without the cpu line")
	}
}

func TestParsePidStat(t *testing.T) {
	stat := "4242 (my (odd) proc) S 1 4242 4242 0 -1 4194560 500 0 0 0 123 45 0 0 20 0 8 0 100 0 0\n"
	got, err := parsePidStat(stat)
	if err != nil {
		t.Fatal(err)
	}
	if got != 168 {
		t.Errorf("utime+stime = %d, want 168", got)
	}
}

func TestOtherCPU(t *testing.T) {
	// Process 7 spent 100 ticks; process 9 started during the interval.
	a := cpuSnap{total: 1000, idle: 500, ours: procTicks{7: 100}}
	b := cpuSnap{total: 1200, idle: 520, ours: procTicks{7: 200, 9: 50}} // 180 busy, 150 ours
	if got := otherCPU(a, b); math.Abs(got-0.15) > 1e-9 {
		t.Errorf("otherCPU = %v, want 0.15", got)
	}
	if !math.IsNaN(otherCPU(a, a)) {
		t.Error("otherCPU of an empty interval is not NaN")
	}
}

func TestReadCPUSelf(t *testing.T) {
	if _, err := readCPU(nil); err != nil {
		t.Skipf("no /proc: %v", err)
	}
	if _, err := readCPU([]int{os.Getpid()}); err != nil {
		t.Error(err)
	}
}

func TestParseStatLine(t *testing.T) {
	ppid, ticks, err := parseStatLine("4242 (my (odd) proc) S 17 4242 4242 0 -1 4194560 500 0 0 0 123 45 0 0 20 0 8 0 100 0 0\n")
	if err != nil {
		t.Fatal(err)
	}
	if ppid != 17 || ticks != 168 {
		t.Errorf("ppid, ticks = %d, %d; want 17, 168", ppid, ticks)
	}
	if _, _, err := parseStatLine("4242 (x) S notapid"); err == nil {
		t.Error("accepted a non-numeric ppid")
	}
}

func TestReadTreeFindsChildren(t *testing.T) {
	cmd := exec.Command("sleep", "5")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start a child process: %v", err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	tree, err := readTree([]int{os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tree[os.Getpid()]; !ok {
		t.Error("the root is not in its tree")
	}
	if _, ok := tree[cmd.Process.Pid]; !ok {
		t.Errorf("child %d is not in the tree of %d", cmd.Process.Pid, os.Getpid())
	}
	if _, ok := tree[1]; ok {
		t.Error("init is in the tree of the test process")
	}
}
